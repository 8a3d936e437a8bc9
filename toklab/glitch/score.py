"""The weight-based score: an L2-regularised logistic model fitted on labels the tokenizer itself
provides (positives: rows no text can produce, whose embeddings never received a gradient;
negatives: tokens the reference corpus produces often), so the score is a probability."""

from __future__ import annotations

import numpy as np


def standardise(x: np.ndarray) -> np.ndarray:
    return (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, iterations: int = 50) -> np.ndarray:
    """Newton-Raphson (IRLS) for an L2-regularised logistic regression; returns weights with bias."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    penalty = l2 * np.eye(design.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -30, 30)))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def predict(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(w[0] + x @ w[1:], -30, 30)))


def fitted_scores(features: dict[str, np.ndarray], positive: np.ndarray, negative: np.ndarray
                  ) -> tuple[np.ndarray, dict[str, float]]:
    """Fit on the labelled rows, score every row; also return the fitted coefficients."""
    names = list(features)
    x = standardise(np.column_stack([features[n] for n in names]).astype(np.float64))
    train = positive | negative
    if positive.sum() == 0 or negative.sum() == 0:
        return np.full(len(x), np.nan), {}
    w = fit_logistic(x[train], positive[train].astype(np.float64))
    return predict(x, w), dict(zip(["bias", *names], map(float, w)))
