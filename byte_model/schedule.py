"""Learning-rate factor: linear warm-up, then cosine or linear decay over the budget."""

from __future__ import annotations

import math


def lr_factor(step: int, progress: float, warmup_steps: int, schedule: str, min_ratio: float) -> float:
    """`progress` in [0, 1] is the larger of the step and time fractions of the budget."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = min(max(progress, 0.0), 1.0)
    if schedule == "linear":
        decay = 1.0 - progress
    else:
        decay = 0.5 * (1.0 + math.cos(math.pi * progress))
    return min_ratio + (1.0 - min_ratio) * decay
