"""Learning-rate factor: linear warm-up, a hold at the peak, then cosine or linear decay over a
step budget fixed before the decay starts.

The factor is a function of step counts alone (never of the clock), so two runs with the same
recorded budget, or a run killed and resumed, follow the same schedule to the bit. A time budget
becomes a step count during the hold (`plan_steps`), from the measured speed of those steps.

>>> [round(lr_factor(s, 10, warmup_steps=2, hold_steps=4, schedule="linear", min_ratio=0.0), 2) for s in range(10)]
[0.5, 1.0, 1.0, 1.0, 0.83, 0.67, 0.5, 0.33, 0.17, 0.0]
"""

from __future__ import annotations

import math


def lr_factor(step: int, total_steps: int, warmup_steps: int, hold_steps: int, schedule: str,
              min_ratio: float) -> float:
    """`total_steps` 0 means "not fixed yet": the peak holds until it is."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    decay_start = max(warmup_steps, hold_steps)
    if total_steps <= 0 or step < decay_start:
        return 1.0
    progress = min((step - decay_start + 1) / max(total_steps - decay_start, 1), 1.0)
    decay = 1.0 - progress if schedule == "linear" else 0.5 * (1.0 + math.cos(math.pi * progress))
    return min_ratio + (1.0 - min_ratio) * decay
