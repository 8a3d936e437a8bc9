"""Single signals for under-trained tokens and the measures that score them.

- `corpus_counts`: how often each token is produced when the reference corpus is encoded;
- `log_count`: log1p of how often the token is produced when the reference corpus is encoded;
  `rank_vs_frequency`: the token's rank percentile minus its frequency-rank percentile (an
  early merge that the reference corpus rarely produces scores high).
- `embedding_norm`, `untrained_similarity`: L2 norm of the input-embedding row, and its cosine
  similarity to the mean of a reference set of known-untrained rows after the first principal
  component is removed from all rows (Land & Bartolo, 2024).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from toklab.adapters.base import Adapter
from toklab.errors import CorruptFileError, MissingFileError, SpecError
from toklab.paths import not_a_file

EMBEDDING_NAMES = ("word_embeddings.weight", "embed_tokens.weight", "wte.weight", "tok_embeddings.weight",
                   "embeddings.weight")


def corpus_counts(adapter: Adapter, texts: list[str]) -> np.ndarray:
    """How often each id is produced when `texts` are encoded."""
    encoded = adapter.encode_batch(texts)
    ids = np.fromiter((i for doc in encoded for i in doc), dtype=np.int64)
    return np.bincount(ids, minlength=adapter.vocab_size)[: adapter.vocab_size]


def rank_vs_frequency(counts: np.ndarray) -> np.ndarray:
    n = counts.size
    rank_pct = np.arange(n) / max(n - 1, 1)
    order = np.argsort(-counts, kind="stable")
    freq_rank = np.empty(n)
    freq_rank[order] = np.arange(n) / max(n - 1, 1)
    return freq_rank - rank_pct  # high: early in the vocabulary, late by frequency


def find_weights(path: Path) -> Path:
    path = Path(path).expanduser()
    if path.is_dir():
        candidates = sorted(path.glob("*.safetensors"))
        if not candidates:
            raise MissingFileError(f"{path}: no *.safetensors file in this directory; give the file itself")
        return candidates[0]
    if not path.is_file():
        raise not_a_file(path, "weights file", "give --weights a .safetensors file or a directory holding one")
    return path


def input_embeddings(path: Path, vocab_size: int) -> np.ndarray:
    from safetensors import safe_open

    file = find_weights(path)
    try:
        with safe_open(str(file), framework="numpy") as handle:
            keys = list(handle.keys())
            named = [k for k in keys if k.endswith(EMBEDDING_NAMES)]
            for key in named + keys:
                shape = handle.get_slice(key).get_shape()
                if len(shape) == 2 and shape[0] >= vocab_size - 1 and (key in named or shape[0] == vocab_size):
                    return _finite_rows(handle.get_tensor(key)[:vocab_size].astype(np.float32), file, key)
    except (OSError, json.JSONDecodeError, Exception) as exc:  # safetensors raises its own error types
        if isinstance(exc, (MissingFileError, SpecError, CorruptFileError)):
            raise
        raise CorruptFileError(f"{file}: not a readable safetensors file ({str(exc).splitlines()[0][:120]})") from None
    raise SpecError(f"{file}: no 2-D tensor with {vocab_size} rows (the tokenizer's vocabulary) to use as input embeddings")


def _finite_rows(embeddings: np.ndarray, file: Path, key: str) -> np.ndarray:
    """Embeddings with NaN or infinite entries would turn every signal and score into NaN."""
    bad = ~np.isfinite(embeddings).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)
        shown = f"row{'s' if rows.size > 1 else ''} {', '.join(map(str, rows[:5]))}{' …' if rows.size > 5 else ''}"
        raise CorruptFileError(f"{file}: tensor {key} holds NaN or infinite values in {shown}; the checkpoint is "
                               "damaged (or its training diverged) — use another")
    return embeddings


def untrained_similarity(embeddings: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row to the mean reference row, first principal component removed."""
    centred = embeddings - embeddings.mean(axis=0)
    _u, _s, vt = np.linalg.svd(centred[:: max(1, len(centred) // 20000)], full_matrices=False)
    first = vt[0]
    projected = centred - np.outer(centred @ first, first)
    target = projected[reference].mean(axis=0)
    norms = np.linalg.norm(projected, axis=1) * np.linalg.norm(target) + 1e-12
    return projected @ target / norms


def average_ranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + end + 1) / 2  # 1-based mid-rank of the tie group
    return ranks


def auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties count half."""
    labels = labels.astype(bool)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = average_ranks(np.asarray(scores, dtype=np.float64))
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")  # a constant signal has no rank correlation
    ra, rb = average_ranks(a.astype(np.float64)), average_ranks(b.astype(np.float64))
    return float(np.corrcoef(ra, rb)[0, 1])


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(-scores, kind="stable")
    hits = labels[order].astype(bool)
    if hits.sum() == 0:
        return float("nan")
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def precision_at(scores: np.ndarray, labels: np.ndarray, fraction: float = 0.01) -> float:
    k = max(1, int(round(len(scores) * fraction)))
    return float(labels[np.argsort(-scores, kind="stable")[:k]].mean())
