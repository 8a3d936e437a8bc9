"""The weight-free ranking: evidence whose meaning can be stated, ordered from certain to likely.

1. `never producible` — no text can yield the id (an invalid byte, an unreachable string, a shadowed
   byte-fallback piece): its embedding row can never have been trained.
2. `character class` — a control, private-use, unassigned or mojibake character (`charclass.py`),
   controls first: a control character is never typed and most text pipelines strip it, while
   mojibake and U+FFFD are damaged human text, of which web data holds a great deal.
3. `mismatch` — how many powers of ten rarer the token is in ordinary text than Zipf's law expects
   of a token made at its rank,

       mismatch = log10(expected(rank) / max(frequency, floor)),   expected(rank) = 1 / (rank + 1)

   where `frequency` is how often ordinary text would produce the token (`scan.string_frequencies`):
   a token that occurs nowhere scores highest, and among rare ones the earlier merge (whose string
   the tokenizer's data held often) scores higher. Words are compared with word lists and the
   corpus; digits, punctuation, symbols and byte fragments with the corpus only. `floor` is the
   resolution of the finest reference that judged the token (`reference.py`), so an absence from a
   small corpus counts for less than an absence from large word lists.

Tokens are ordered by evidence, then mismatch, then id: a combination that cannot put a token with
weaker evidence above one with certain evidence.

>>> import numpy as np
>>> mismatch(np.array([0.0, 0.0, 1e-3]), np.array([10, 1000, 10])).round(2).tolist()
[7.96, 6.0, 1.96]
"""

from __future__ import annotations

import unicodedata

import numpy as np
import polars as pl

FLOOR = 1e-9  # the default floor: below the rarest entry of the word lists (1e-8), "occurs nowhere"
EVIDENCE = {"never producible": 2, "character class": 1, "mismatch": 0}
CLASS_ORDER = {"control": 0, "private-use": 1, "unassigned": 1, "surrogate": 1, "mojibake": 2, "replacement": 3}


def mismatch(frequency: np.ndarray, ranks: np.ndarray, floor: np.ndarray | float = FLOOR) -> np.ndarray:
    return -np.log10(ranks + 1.0) - np.log10(np.maximum(frequency, floor))


def is_word_like(pattern: str | None) -> bool:
    """Letters and combining marks only, once an optional leading word start is set aside."""
    core = (pattern or "").lstrip("\x01")
    return bool(core) and all(unicodedata.category(c)[0] in "LM" for c in core)


SORT_KEYS, SORT_DESCENDING = ["_strength", "_class", "mismatch"], [True, False, True]


def with_sort_keys(frame: pl.DataFrame) -> pl.DataFrame:
    strength = pl.col("evidence").replace_strict(EVIDENCE, default=-1, return_dtype=pl.Int64)
    kind = (pl.col("char_class").cast(pl.Utf8).str.extract(r"^(\S+)")
            .replace_strict(CLASS_ORDER, default=None, return_dtype=pl.Int64))
    return frame.with_columns(_strength=strength, _class=kind)


def evidence_order(frame: pl.DataFrame) -> pl.Series:
    """The weight-free ranking as a score (higher: more suspect) in which tokens with the same
    evidence tie: `free_rank` breaks those ties by id, for display, which is not evidence."""
    keyed = with_sort_keys(frame).with_row_index("_row")
    ordered = keyed.sort(SORT_KEYS, descending=SORT_DESCENDING, nulls_last=True)
    group = ordered.select(pl.struct(SORT_KEYS).rle_id()).to_series()
    position = ordered.with_columns(_group=group).select("_row", score=-pl.col("_group").cast(pl.Float64))
    return position.sort("_row")["score"]


def never_producible() -> pl.Expr:
    return (pl.col("category").is_in(["unreachable", "invalid_byte"])
            | ((pl.col("category") == "byte_fallback") & (pl.col("reachable") == False)))  # noqa: E712


def free_ranking(frame: pl.DataFrame) -> pl.DataFrame:
    """Adds `evidence` and `free_rank` to a frame with category, reachable, char_class and mismatch."""
    evidence = (pl.when(never_producible()).then(pl.lit("never producible"))
                .when(pl.col("char_class").is_not_null()).then(pl.lit("character class"))
                .when(pl.col("mismatch").is_not_null()).then(pl.lit("mismatch"))
                .otherwise(pl.lit(None, dtype=pl.Utf8)))
    ordered = (with_sort_keys(frame.with_columns(evidence=evidence))
               .sort([*SORT_KEYS, "id"], descending=[*SORT_DESCENDING, False], nulls_last=True)
               .with_row_index("free_rank", offset=1))
    columns = [c for c in ordered.columns if c not in ("free_rank", "_strength", "_class")] + ["free_rank"]
    return ordered.select(columns).with_columns(pl.col("free_rank").cast(pl.Int64)).sort("id")
