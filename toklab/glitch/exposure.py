"""Glitch exposure: which languages pay in suspicious tokens.

A glitch scan ranks every id of a tokenizer by evidence (scan.py). Exposure turns the ranking into a
number per language: of all the tokens the language's text is encoded into, the share whose id is

- `fragment_share`: a byte fragment (`partial_utf8`, `invalid_byte`): the text was cut inside its
  characters, so the model reads pieces of letters;
- `category_share`: in any glitch category (fragments, and ids that should never be produced:
  unreachable, special);
- `top_share`: among the `top` ids of the glitch ranking that are in no category but carry evidence
  (character class, string-frequency mismatch: the SolidGoldMagikarp family, rare in ordinary text
  by definition);
- `exposure`: in either of the last two.

A pure byte vocabulary (every token one byte) is all fragments by design and has no rare tokens to
leave untrained: its shares are null.

Counting reads each language's token-id histogram, kept in the cache under the tokenizer's and the
corpus's content hashes, so the exposure of any ranking costs one join once the text was encoded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import polars as pl

from corpora import Corpus
from toklab.adapters.base import Adapter
from toklab.cache import cache_key, load_frame, store_frame
from toklab.errors import SpecError
from toklab.glitch.scan import GlitchScan
from toklab.signature import Signature, build, section

FRAGMENTS = ("partial_utf8", "invalid_byte")
TOP_RANKED = 1000  # ids of the ranking, past the categories, counted as suspicious


@dataclasses.dataclass(frozen=True)
class Exposure:
    rows: pl.DataFrame  # one row per language: tokenizer, lang, tokens, the shares, suspect_types
    signature: Signature


def token_histograms(adapter: Adapter, corpus: Corpus, progress: Callable[[str], None] | None = None
                     ) -> pl.DataFrame:
    """How often each id is produced per language (lang, id, count; nonzero counts only)."""
    key = cache_key("histograms", adapter.signature, corpus.signature, corpus.content_hash,
                    code=(__name__, *adapter.code_modules))
    frame = load_frame(key)
    if frame is None:
        frame = pl.concat([_histogram(adapter, lang, part["text"].to_list(), progress)
                           for lang, part in corpus.by_lang().items()])
        store_frame(key, frame)
    elif progress:
        for lang in corpus.langs:
            progress(lang)
    return frame


def _histogram(adapter: Adapter, lang: str, texts: list[str], progress: Callable[[str], None] | None
               ) -> pl.DataFrame:
    ids = np.fromiter((i for doc in adapter.encode_batch(texts) for i in doc), dtype=np.int64)
    found, counts = np.unique(ids, return_counts=True)
    if progress:
        progress(lang)
    return pl.DataFrame({"lang": [lang] * found.size, "id": found, "count": counts.astype(np.int64)},
                        schema={"lang": pl.Utf8, "id": pl.Int64, "count": pl.Int64})


def suspect_ids(scan: GlitchScan, top: int = TOP_RANKED) -> pl.DataFrame:
    """Every id the exposure counts, with what makes it suspect: fragment, category or top."""
    frame = scan.frame.select("id", "category", "evidence", "rank")
    categorised = frame.filter(pl.col("category") != "ok").select(
        "id", kind=pl.when(pl.col("category").is_in(FRAGMENTS)).then(pl.lit("fragment")).otherwise(pl.lit("category")))
    judged = frame.filter((pl.col("category") == "ok") & pl.col("evidence").is_not_null())
    ranked = judged.sort("rank").head(top).select("id", kind=pl.lit("top"))
    return pl.concat([categorised, ranked])


def exposure(adapter: Adapter, corpus: Corpus, scan: GlitchScan, top: int = TOP_RANKED,
             progress: Callable[[str], None] | None = None) -> Exposure:
    """The share of each language's tokens that fall into glitch categories or the top of the ranking."""
    if scan.signature.section("tokenizer") != adapter.signature:
        raise SpecError(f"the glitch scan given ranks another tokenizer than {adapter.name}: scan {adapter.name} itself")
    histograms = token_histograms(adapter, corpus, progress)
    kinds = histograms.join(suspect_ids(scan, top), on="id", how="left")
    by_design = all(len(adapter.token_bytes(i)) <= 1 for i in range(adapter.vocab_size))
    rows = kinds.group_by("lang", maintain_order=True).agg(
        tokens=pl.col("count").sum(),
        fragments=pl.col("count").filter(pl.col("kind") == "fragment").sum(),
        categorised=pl.col("count").filter(pl.col("kind").is_in(["fragment", "category"])).sum(),
        top=pl.col("count").filter(pl.col("kind") == "top").sum(),
        suspect_types=pl.col("id").filter(pl.col("kind").is_not_null()).n_unique(),
    )
    counted = {"fragment_share": pl.col("fragments"), "category_share": pl.col("categorised"),
               "top_share": pl.col("top"), "exposure": pl.col("categorised") + pl.col("top")}
    shares = {name: pl.lit(None, dtype=pl.Float64) if by_design else count / pl.col("tokens")
              for name, count in counted.items()}
    rows = rows.select(pl.lit(adapter.name).alias("tokenizer"), "lang", "tokens", "suspect_types", **shares)
    order = {lang: i for i, lang in enumerate(corpus.langs)}
    rows = rows.sort(pl.col("lang").replace_strict(order, return_dtype=pl.Int64))
    signature = build(section("scan", scan.signature), section("corpus", corpus.signature),
                      ("exposure", f"fragments+categories+top{top}"))
    return Exposure(rows, signature)
