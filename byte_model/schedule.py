"""Learning-rate factor: linear warm-up, a hold at the peak, then cosine or linear decay over a
step budget fixed before the decay starts.

The factor is a function of step counts alone (never of the clock), so two runs with the same
recorded budget, or a run killed and resumed, follow the same schedule to the bit. A time budget
becomes a step count during the hold (`plan_steps`), from the measured speed of those steps.

A budget too short for the warm-up shortens it (`warmup_end`), so the peak is still reached: a
10-minute budget and a 10-second one both warm up, peak and decay. The first `plan_steps` steps
always follow the full warm-up's ramp — a time budget ran them before its step count was known,
and a rerun with that count must retrace them — then the ramp steepens to reach the peak within
a quarter of the steps left. A budget of at most `plan_steps` steps cannot; `reaches_peak` says so.

>>> [round(lr_factor(s, 10, warmup_steps=2, hold_steps=4, schedule="linear", min_ratio=0.0), 2) for s in range(10)]
[0.5, 1.0, 1.0, 1.0, 0.83, 0.67, 0.5, 0.33, 0.17, 0.0]
>>> [round(lr_factor(s, 12, warmup_steps=50, hold_steps=4, schedule="linear", min_ratio=0.0), 2) for s in range(12)]
[0.02, 0.04, 0.06, 0.08, 0.54, 1.0, 0.83, 0.67, 0.5, 0.33, 0.17, 0.0]
"""

from __future__ import annotations

import math

# The most of the steps after `plan_steps` that the rest of a shortened warm-up may take (the cpu
# and gpu presets keep their full warm-ups from 137 and 337 steps on: every run the README cites).
WARMUP_SHARE = 0.25


def warmup_end(total_steps: int, warmup_steps: int, hold_steps: int) -> int:
    """The step by which the warm-up is over: `warmup_steps`, or for a known budget too short for
    it, WARMUP_SHARE of the steps after the first `hold_steps` (which ran the full ramp before a
    time budget became a step count) into them."""
    if total_steps <= hold_steps or warmup_steps <= hold_steps:
        return warmup_steps  # unknown budget (0), or nothing left to shorten
    return min(warmup_steps, hold_steps + math.ceil(WARMUP_SHARE * (total_steps - hold_steps)))


def reaches_peak(total_steps: int, warmup_steps: int, hold_steps: int) -> bool:
    """Whether a budget of `total_steps` steps gets to the peak learning rate (its last step at least)."""
    return warmup_end(total_steps, warmup_steps, hold_steps) <= total_steps


def lr_factor(step: int, total_steps: int, warmup_steps: int, hold_steps: int, schedule: str,
              min_ratio: float) -> float:
    """`total_steps` 0 means "not fixed yet": the peak holds until it is."""
    end = warmup_end(total_steps, warmup_steps, hold_steps)
    if step < end:
        if end == warmup_steps or step < hold_steps:
            return (step + 1) / warmup_steps
        reached = hold_steps / warmup_steps  # after the steps that ran before the budget was known
        return 1.0 - (1.0 - reached) * (end - 1 - step) / (end - hold_steps)  # exactly 1.0 at end − 1
    decay_start = max(end, hold_steps)
    if total_steps <= 0 or step < decay_start:
        return 1.0
    progress = min((step - decay_start + 1) / max(total_steps - decay_start, 1), 1.0)
    decay = 1.0 - progress if schedule == "linear" else 0.5 * (1.0 + math.cos(math.pi * progress))
    return min_ratio + (1.0 - min_ratio) * decay
