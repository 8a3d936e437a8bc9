"""Embedding signals, when a checkpoint is given, and their check of the weight-free ranking.

Rows that never received a gradient keep their initial values: a low norm and a direction shared
with the other untrained rows. The reference set of untrained rows is every id text can never
produce (or ids the user names). Each row gets:

- `embedding_norm`, `untrained_similarity` (`signals.py`);
- `near_untrained`: its similarity is at least that of the least similar tenth of the reference set —
  the behavioural check of a flagged token: does its row look like one no text ever trained?
- `weight_score`: P(untrained-like | embedding signals), a logistic fit with the reference rows as
  positives and often-produced tokens as negatives.

`agreement` says how far the weight-free ranking finds what the weights show: the share of its top
100 (or 1 %) that is `near_untrained`, the AUROC of the weight-free rank for `near_untrained`, and the
Spearman correlation of the two rankings. `by_tier` says the same within each tier of evidence
(never producible, character class, mismatch): how far the ranking inside a tier can be trusted for
this model — the mismatch tier, ranked on reference text alone, is where it can fail.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import polars as pl

from toklab.glitch.mismatch import never_producible
from toklab.glitch.score import fitted_scores
from toklab.glitch.signals import auroc, find_weights, input_embeddings, spearman, untrained_similarity
from toklab.paths import file_sha256
from toklab.signature import Signature

MIN_COUNT = 5  # negatives: tokens the reference corpus produces at least this often


@dataclasses.dataclass(frozen=True)
class WeightSignals:
    columns: dict[str, np.ndarray]
    reference_size: int
    auroc: dict[str, float]  # each embedding signal separating the reference set from reachable tokens
    agreement: dict[str, float]
    coefficients: dict[str, float]
    signature: Signature
    by_tier: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)  # evidence → n, near, auroc

    def joined(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` (sorted by id) with the weight columns, ranked by `weight_score`."""
        return (frame.with_columns(**{k: pl.Series(k, v) for k, v in self.columns.items()})
                .with_columns(rank=pl.col("weight_score").rank("ordinal", descending=True).cast(pl.Int64)))


def reference_rows(frame: pl.DataFrame, given: list[int] | None) -> np.ndarray:
    if given:
        return np.asarray(given, dtype=np.int64)
    return frame.with_row_index("row").filter(never_producible())["row"].to_numpy()


def weight_signals(frame: pl.DataFrame, weights: Path, counts: np.ndarray | None,
                   untrained_ids: list[int] | None) -> WeightSignals:
    n = frame.height
    embeddings = input_embeddings(weights, n)
    reference = reference_rows(frame, untrained_ids)
    norm = np.linalg.norm(embeddings, axis=1)
    similarity = untrained_similarity(embeddings, reference) if reference.size else np.zeros(n)
    near = similarity >= np.quantile(similarity[reference], 0.1) if reference.size else np.zeros(n, dtype=bool)
    positive = np.zeros(n, dtype=bool)
    positive[reference] = True
    producible = frame["category"].is_in(["ok", "partial_utf8"]).to_numpy()
    negative = producible & ((counts >= MIN_COUNT) if counts is not None else True) & ~positive
    features = {"neg_norm": -norm, "untrained_similarity": similarity}
    if counts is not None:
        features["log_count"] = np.log1p(counts)
    score, coefficients = fitted_scores(features, positive, negative)
    labelled = positive | (frame["category"] == "ok").to_numpy()
    free = -frame["free_rank"].to_numpy().astype(np.float64)
    top = np.argsort(-free, kind="stable")[: max(100, n // 100)]
    agreement = {"top_k": float(top.size), "top_near_untrained": float(near[top].mean()),
                 "auroc_free_rank_for_near_untrained": auroc(free, near),
                 "spearman_free_vs_weight": spearman(free, np.nan_to_num(score))}
    file = find_weights(Path(weights))
    by_tier = tier_agreement(frame, free, near)
    return WeightSignals(
        {"embedding_norm": norm, "untrained_similarity": similarity, "near_untrained": near, "weight_score": score},
        int(reference.size),
        {"embedding_norm": auroc(-norm[labelled], positive[labelled]),
         "untrained_similarity": auroc(similarity[labelled], positive[labelled])},
        agreement, coefficients,
        Signature.of(("weights", file.name), ("weights_sha256", file_sha256(file)[:16]),
                     ("untrained_reference", f"{len(untrained_ids)}ids" if untrained_ids else "never-producible")),
        by_tier)


def tier_agreement(frame: pl.DataFrame, free: np.ndarray, near: np.ndarray) -> dict[str, dict[str, float]]:
    """Per tier of weight-free evidence: its tokens, the share whose rows look untrained, and the AUROC
    of the weight-free rank for those rows within the tier (undefined where all or none look so)."""
    tiers = frame["evidence"].fill_null("unjudged").to_numpy()
    out = {}
    for tier in dict.fromkeys(tiers):
        inside = tiers == tier
        out[str(tier)] = {"tokens": float(inside.sum()), "near_untrained": float(near[inside].mean()),
                          "auroc": auroc(free[inside], near[inside])}
    return out
