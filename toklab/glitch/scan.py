"""A full glitch scan: categories, signals, one fitted score and a rank for every token."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import polars as pl

from corpora import Corpus
from toklab.adapters.base import Adapter
from toklab.glitch.categories import categorise
from toklab.glitch.score import fitted_scores
from toklab.glitch.signals import (
    auroc,
    corpus_counts,
    find_weights,
    input_embeddings,
    merge_bursts,
    rank_vs_frequency,
    survival,
    untrained_similarity,
)
from toklab.paths import file_sha256
from toklab.signature import build

MIN_COUNT = 5


@dataclasses.dataclass(frozen=True)
class GlitchScan:
    frame: pl.DataFrame
    signals: list[str]
    model: str
    coefficients: dict[str, float]
    reference_size: int
    auroc: dict[str, float]
    signature: str = ""


def reference_ids(frame: pl.DataFrame, given: list[int] | None) -> np.ndarray:
    """Rows known to be untrained: given by the user, or every id text can never produce
    (unreachable strings, bytes invalid in UTF-8, shadowed byte-fallback pieces)."""
    if given:
        return np.asarray(given, dtype=np.int64)
    never = (pl.col("category").is_in(["unreachable", "invalid_byte"])
             | ((pl.col("category") == "byte_fallback") & (pl.col("reachable") == False)))  # noqa: E712
    return frame.with_row_index("row").filter(never)["row"].to_numpy()


def scan_signature(adapter: Adapter, corpus: Corpus | None, weights: Path | None, reference: list[int] | None,
                   signals: list[str]) -> str:
    weights_part = "weights:none"
    if weights is not None:
        file = find_weights(Path(weights))
        weights_part = f"weights:{file.name}|weights_sha256:{file_sha256(file)[:16]}"
    reference_part = f"reference:{len(reference)}ids" if reference else "reference:never-producible"
    return build(adapter.signature, corpus.signature if corpus is not None else "corpus:none", weights_part,
                 reference_part, f"signals:{','.join(signals)}")


def scan(adapter: Adapter, corpus: Corpus | None = None, weights: Path | None = None,
         reference: list[int] | None = None) -> GlitchScan:
    texts = corpus.frame["text"].to_list() if corpus is not None else None
    frame = categorise(adapter)
    n = frame.height
    features: dict[str, np.ndarray] = {"burst": merge_bursts(adapter).astype(np.float64)}
    columns: dict[str, np.ndarray] = {"burst": features["burst"]}
    counts = corpus_counts(adapter, texts) if texts else None
    if counts is not None:
        columns["corpus_count"] = counts
        columns["rank_vs_frequency"] = rank_vs_frequency(counts)
        columns["survival"] = survival(adapter, texts)
    producible = frame["category"].is_in(["ok", "partial_utf8"]).to_numpy()
    ref = reference_ids(frame, reference)
    aurocs: dict[str, float] = {}
    if weights is not None:
        embeddings = input_embeddings(weights, n)
        columns["embedding_norm"] = np.linalg.norm(embeddings, axis=1)
        columns["untrained_similarity"] = untrained_similarity(embeddings, ref) if ref.size else np.zeros(n)
        features |= {"neg_norm": -columns["embedding_norm"], "untrained_similarity": columns["untrained_similarity"]}
        if counts is not None:
            features["log_count"] = np.log1p(counts)
        positive = np.zeros(n, dtype=bool)
        positive[ref] = True
        negative = producible & ((counts >= MIN_COUNT) if counts is not None else np.ones(n, dtype=bool))
        model = "P(untrained-like | embedding signals) — positives: never-producible reference rows"
        labelled = positive | (frame["category"] == "ok").to_numpy()
        aurocs = {name: auroc(values[labelled], positive[labelled])
                  for name, values in (("embedding_norm", -columns["embedding_norm"]),
                                       ("untrained_similarity", columns["untrained_similarity"]))}
    else:
        features |= {"rank_position": np.arange(n) / max(n - 1, 1),
                     "length": np.array([len(bytes.fromhex(h)) for h in frame["bytes"]], dtype=np.float64)}
        if counts is not None:  # a string seen but rarely produced; unseen or short strings count as surviving
            features["low_survival"] = 1.0 - np.nan_to_num(columns["survival"], nan=1.0)
        positive = producible & (counts == 0) if counts is not None else np.zeros(n, dtype=bool)
        negative = producible & (counts > 0) if counts is not None else np.zeros(n, dtype=bool)
        model = "P(never produced by the reference corpus | vocabulary signals)"
    score, coefficients = fitted_scores(features, positive, negative)
    frame = frame.with_columns(**{k: pl.Series(v).fill_nan(None) if v.dtype.kind == "f" else pl.Series(v)
                                  for k, v in columns.items()},  # undefined (NaN) shows as null
                               score=pl.Series(score).fill_nan(None))
    if not coefficients:  # nothing to fit on (no corpus, no weights): rank by the burst signal alone
        model = "no fitted score (no reference corpus or weights); ranked by merge burst"
    order = "score" if coefficients else "burst"
    frame = frame.with_columns(rank=pl.col(order).rank("ordinal", descending=True).cast(pl.Int64))
    signature = scan_signature(adapter, corpus, weights, reference, list(features))
    return GlitchScan(frame.sort("rank"), list(features), model, coefficients, int(ref.size), aurocs, signature)
