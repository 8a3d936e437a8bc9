"""Premiums from counted tokens: closed API models, counted by their vendors (`vendor_counts`).

The counts are a sample of documents, so the interval is the lab's paired bootstrap over the
documents both the language and the pivot have: it carries the uncertainty of that sampling.

>>> import polars as pl
>>> from toklab.bootstrap import BootstrapOptions
>>> counts = pl.DataFrame({"doc_id": [0, 1, 0, 1], "lang": ["eng_Latn", "eng_Latn", "hin_Deva", "hin_Deva"],
...                        "model": "claude-x", "tokens": [10, 20, 25, 35]})
>>> premiums_from_counts(counts, "eng_Latn", BootstrapOptions(resamples=50))["premium"].to_list()
[1.0, 2.0]
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toklab.errors import SpecError
from toklab.bootstrap import BootstrapOptions, paired_bootstrap, premium
from toklab.suggest import nearest

COLUMNS = ("model", "lang", "docs", "tokens", "premium", "premium_lo", "premium_hi")


def premiums_from_counts(counts: pl.DataFrame, pivot: str, bootstrap: BootstrapOptions) -> pl.DataFrame:
    """Per model and language: `docs` (documents shared with the pivot), `tokens` (the language's total
    over them), `premium` (that total over the pivot's total on the same documents) and its paired
    bootstrap interval `premium_lo`..`premium_hi`, sorted by model and language; the pivot's own row is 1.

    A language that shares no document with the pivot under a model gets no row for that model. The
    pivot absent from a model's counts is an error naming it; so is a (doc_id, lang, model) counted twice.
    """
    _check(counts, pivot)
    rows = []
    for (model,), part in counts.sort("model", "lang", "doc_id").group_by("model", maintain_order=True):
        pivot_part = part.filter(pl.col("lang") == pivot).select("doc_id", pivot_tokens="tokens")
        for (lang,), lang_part in part.group_by("lang", maintain_order=True):
            shared = lang_part.join(pivot_part, on="doc_id", how="inner").sort("doc_id")
            if shared.height:
                rows.append(_row(model, lang, shared["tokens"].to_numpy(), shared["pivot_tokens"].to_numpy(),
                                 bootstrap))
    return pl.DataFrame(rows, schema={"model": pl.Utf8, "lang": pl.Utf8, "docs": pl.Int64, "tokens": pl.Int64,
                                      "premium": pl.Float64, "premium_lo": pl.Float64, "premium_hi": pl.Float64},
                        orient="row")


def _row(model: str, lang: str, lang_tokens: np.ndarray, pivot_tokens: np.ndarray,
         bootstrap: BootstrapOptions) -> tuple:
    if pivot_tokens.sum() == 0:  # no ratio to take: nulls, never a sentinel
        return model, lang, lang_tokens.size, int(lang_tokens.sum()), None, None, None
    low, high = paired_bootstrap(lang_tokens[:, None], pivot_tokens[:, None], bootstrap)
    return (model, lang, lang_tokens.size, int(lang_tokens.sum()), premium(lang_tokens, pivot_tokens),
            float(low[0]), float(high[0]))


def _check(counts: pl.DataFrame, pivot: str) -> None:
    missing = [c for c in ("doc_id", "lang", "model", "tokens") if c not in counts.columns]
    if missing:
        raise SpecError(f"counts lack column(s) {', '.join(missing)} (need doc_id, lang, model, tokens)")
    twice = counts.filter(pl.struct("doc_id", "lang", "model").is_duplicated())
    if twice.height:
        first = twice.row(0, named=True)
        raise SpecError(f"counts hold doc_id {first['doc_id']} of {first['lang']} under {first['model']} more than "
                        "once: keep one count each")
    for model in counts["model"].unique().sort():
        langs = counts.filter(pl.col("model") == model)["lang"].unique().sort().to_list()
        if pivot not in langs:
            raise SpecError(f"pivot {pivot!r} has no counts under {model} (languages counted: {len(langs)})"
                            + nearest(pivot, langs))
