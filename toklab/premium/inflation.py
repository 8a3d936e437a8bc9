"""Tokenization premium: ratios of totals against a pivot, paired bootstrap, inequality.

Premium of language L against pivot P on parallel text is sum_i tokens(L, i) / sum_i tokens(P, i)
over aligned documents i — the ratio of bills at a constant price per token. The confidence
interval resamples document indices jointly for L and P (a paired bootstrap, toklab.bootstrap).
"""

from __future__ import annotations

import numpy as np
import polars as pl

COMPARABLE_UNK_SHARE = 0.10  # above this, a premium looks cheap because text was thrown away


def aligned(lang_part: pl.DataFrame, pivot_part: pl.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Values of `column` for L and P on the documents both have, in doc_id order."""
    if lang_part["doc_id"].equals(pivot_part["doc_id"]):  # the usual parallel case: no join needed
        return lang_part[column].to_numpy(), pivot_part[column].to_numpy()
    joined = lang_part.select("doc_id", pl.col(column).alias("l")).join(
        pivot_part.select("doc_id", pl.col(column).alias("p")), on="doc_id", how="inner"
    ).sort("doc_id")
    return joined["l"].to_numpy(), joined["p"].to_numpy()
