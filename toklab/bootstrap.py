"""Paired bootstrap over aligned documents, and inequality across languages: the statistics
every analyzer's ratios share (token premium, compute premium), kept on the foundation floor
so analyzers use them without importing one another.

A ratio of totals over aligned documents i, sum_i a_i / sum_i b_i, gets its confidence interval
by resampling document indices jointly for a and b (a paired bootstrap).

>>> import numpy as np
>>> premium(np.array([2, 4]), np.array([1, 2]))
2.0
>>> round(gini(np.array([1.0, 1.0, 4.0])), 3)
0.333
"""

from __future__ import annotations

import dataclasses

import numpy as np

MAX_RESAMPLES = 1_000_000


@dataclasses.dataclass(frozen=True)
class BootstrapOptions:
    resamples: int = 1000
    seed: int = 0
    level: float = 0.95

    def __post_init__(self) -> None:
        from toklab.errors import SpecError

        if self.resamples < 1:
            raise SpecError(f"--resamples {self.resamples}: the bootstrap needs at least 1 resample (default 1000)")
        if self.resamples > MAX_RESAMPLES:
            raise SpecError(f"--resamples {self.resamples}: at most {MAX_RESAMPLES:,} (each resample is a pass over "
                            "every document; the interval settles long before; default 1000)")
        if not 0 <= self.seed < 2**63:  # numpy refuses a negative seed with a traceback
            raise SpecError(f"--seed {self.seed}: use a whole number from 0 to {2**63 - 1}")
        if not 0 < self.level < 1:
            raise SpecError(f"confidence level {self.level}: must lie strictly between 0 and 1")


def premium(lang_tokens: np.ndarray, pivot_tokens: np.ndarray) -> float:
    return float(lang_tokens.sum() / pivot_tokens.sum())


def bootstrap_weights(n_docs: int, options: BootstrapOptions) -> np.ndarray:
    """Resampling weights (resamples × docs): how often each document is drawn.

    The same draws serve every language, which is what pairing on aligned documents means.
    """
    rng = np.random.default_rng(options.seed)
    return _weights(rng.integers(0, n_docs, size=(options.resamples, n_docs)))


def _weights(draws: np.ndarray) -> np.ndarray:
    """(resamples × docs) draws of document indices → how often each resample drew each document."""
    rows, n_docs = draws.shape
    cells = (draws + np.arange(rows)[:, None] * n_docs).ravel()  # one bincount for all resamples
    return np.bincount(cells, minlength=rows * n_docs).reshape(rows, n_docs).astype(np.float64)


def bootstrap_interval(weights: np.ndarray, lang_tokens: np.ndarray, pivot_tokens: np.ndarray,
                       level: float) -> tuple[float, float]:
    low, high = bootstrap_intervals(weights, lang_tokens[:, None], pivot_tokens[:, None], level)
    return float(low[0]), float(high[0])


def bootstrap_intervals(weights: np.ndarray, lang_tokens: np.ndarray, pivot_tokens: np.ndarray,
                        level: float) -> tuple[np.ndarray, np.ndarray]:
    """Intervals for many languages at once: column j of the (docs × languages) matrices is one
    language and its aligned pivot. One matrix product instead of a pass over the weights per
    language; exact either way, since weights and counts are integers (float64 sums below 2^53)."""
    ratios = _ratios(weights @ lang_tokens.astype(np.float64), weights @ pivot_tokens.astype(np.float64))
    return _percentiles(ratios, level)


# Resamples drawn at a time: the weights of 1,000 resamples of a million documents would take 8 GB;
# drawn in blocks (the same random stream, row after row) they take RESAMPLE_BLOCK / 1,000 of it.
RESAMPLE_BLOCK = 50


def paired_bootstrap(lang_tokens: np.ndarray, pivot_tokens: np.ndarray,
                     options: BootstrapOptions) -> tuple[np.ndarray, np.ndarray]:
    """`bootstrap_intervals(bootstrap_weights(n, options), …)` with bounded memory: the same
    draws, the same intervals, whatever the number of documents."""
    n = lang_tokens.shape[0]
    rng = np.random.default_rng(options.seed)
    lang, pivot = lang_tokens.astype(np.float64), pivot_tokens.astype(np.float64)
    ratios = []
    for first in range(0, options.resamples, RESAMPLE_BLOCK):
        rows = min(RESAMPLE_BLOCK, options.resamples - first)
        weights = _weights(rng.integers(0, n, size=(rows, n)))
        ratios.append(_ratios(weights @ lang, weights @ pivot))
    return _percentiles(np.concatenate(ratios), level=options.level)


def _ratios(lang_totals: np.ndarray, pivot_totals: np.ndarray) -> np.ndarray:
    """Each resample's premium; NaN where the resample drew only pivot documents without tokens
    (empty lines): a ratio with no pivot tokens is undefined, not infinite."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = lang_totals / pivot_totals
    ratios[pivot_totals == 0] = np.nan
    return ratios


def _percentiles(ratios: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The interval over the resamples whose premium is defined (all of them unless the pivot has
    documents without tokens; the pivot as a whole always has some, checked by the audit)."""
    tail = (1 - level) / 2 * 100
    percentile = np.nanpercentile if np.isnan(ratios).any() else np.percentile  # the same numbers otherwise
    low, high = percentile(ratios, [tail, 100 - tail], axis=0)
    return low, high


def gini(values: np.ndarray) -> float:
    """Gini coefficient (0 = every language pays the same)."""
    values = np.sort(np.asarray(values, dtype=np.float64))
    n = values.size
    if n == 0 or values.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * np.sum(ranks * values) / (n * values.sum())) - (n + 1) / n)
