"""The premium per writing system: every language written in a script, pooled.

For script S with languages L_1 … L_n (the pivot left out), the premium is
sum_i sum_k tokens(L_k, i) / (n · sum_i tokens(P, i)) over the documents i that all of them and
the pivot share — on parallel text the mean of the languages' premiums — and its interval the
paired bootstrap of the same documents resampled jointly for every language and the pivot
(toklab.bootstrap). It answers "is this scheme cheaper or dearer for text in Devanagari", with
an interval, where a table of 204 languages leaves the reader to average by eye.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from corpora import Corpus
from toklab.adapters.base import Adapter
from toklab.bootstrap import BootstrapOptions, paired_bootstrap
from toklab.languages import script_label, script_of
from toklab.premium.measure import MeasureOptions, measure
from toklab.premium.stream_measure import LanguageMeasures

COLUMNS = ["tokenizer", "script", "script_name", "languages", "docs", "premium", "premium_lo", "premium_hi",
           "cheapest", "dearest"]


def script_rows(adapter: Adapter, corpus: Corpus, pivot: str, measure_options: MeasureOptions,
                bootstrap: BootstrapOptions) -> pl.DataFrame:
    """One row per script of the corpus (the measurement comes from the cache an audit filled)."""
    docs = LanguageMeasures.of_documents(measure(adapter, corpus, measure_options)).docs
    by_script: dict[str, list[str]] = {}
    for lang in docs:
        if lang != pivot:
            by_script.setdefault(script_of(lang), []).append(lang)
    rows = []
    for script, langs in by_script.items():
        shared = set(docs[pivot]["doc_id"].to_list())
        for lang in langs:
            shared &= set(docs[lang]["doc_id"].to_list())
        ids = pl.Series("doc_id", sorted(shared))
        tokens = {lang: _tokens_on(docs[lang], ids) for lang in [*langs, pivot]}
        pivot_total = float(tokens[pivot].sum())
        if not ids.len() or pivot_total == 0:
            continue
        pooled = np.sum([tokens[lang] for lang in langs], axis=0)
        low, high = paired_bootstrap(pooled[:, None], len(langs) * tokens[pivot][:, None], bootstrap)
        premiums = {lang: tokens[lang].sum() / pivot_total for lang in langs}
        rows.append({"tokenizer": adapter.name, "script": script, "script_name": script_label(script),
                     "languages": len(langs), "docs": ids.len(), "premium": float(pooled.sum() / (len(langs) * pivot_total)),
                     "premium_lo": float(low[0]), "premium_hi": float(high[0]),
                     "cheapest": min(premiums, key=premiums.get), "dearest": max(premiums, key=premiums.get)})
    return pl.DataFrame(rows).select(COLUMNS).sort("premium") if rows else pl.DataFrame(schema=dict.fromkeys(COLUMNS))


def _tokens_on(part: pl.DataFrame, ids: pl.Series) -> np.ndarray:
    return part.filter(pl.col("doc_id").is_in(ids.implode())).sort("doc_id")["tokens"].to_numpy().astype(np.int64)
