"""The learning-rate schedule: a budget shorter than the warm-up still reaches the peak, the steps
run before a time budget is known never depend on it, and long budgets keep the schedule they had."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import pytest

from byte_model import config as C
from byte_model.schedule import lr_factor, reaches_peak, warmup_end
from byte_model.train import Trainer

PRESETS = {name: C.preset(name)[1] for name in C.PRESETS}
SHAPES = [(t.warmup_steps, t.plan_steps) for t in PRESETS.values()] + [(50, 4), (7, 6), (10, 0)]


def before(step, total, warmup, hold, schedule, min_ratio):
    """The schedule as it was before short budgets were handled: what long budgets must still get."""
    if step < warmup:
        return (step + 1) / warmup
    decay_start = max(warmup, hold)
    if total <= 0 or step < decay_start:
        return 1.0
    progress = min((step - decay_start + 1) / max(total - decay_start, 1), 1.0)
    decay = 1.0 - progress if schedule == "linear" else 0.5 * (1.0 + math.cos(math.pi * progress))
    return min_ratio + (1.0 - min_ratio) * decay


def factors(total, warmup, hold, schedule="cosine", min_ratio=0.1):
    return [lr_factor(s, total, warmup, hold, schedule, min_ratio) for s in range(total)]


@pytest.mark.parametrize("warmup, hold", SHAPES)
def test_every_budget_longer_than_the_hold_reaches_the_peak(warmup, hold):
    for total in range(hold + 1, 4 * warmup + hold + 2):
        curve = factors(total, warmup, hold)
        assert reaches_peak(total, warmup, hold) and max(curve) == 1.0, (total, curve)
        peak = curve.index(1.0)
        assert all(a < b for a, b in zip(curve[:peak], curve[1:peak + 1])), "the warm-up rises to the peak"


@pytest.mark.parametrize("warmup, hold", SHAPES)
def test_steps_before_the_plan_do_not_depend_on_the_budget(warmup, hold):
    """A time budget runs its first `hold` steps before it knows its step count: a rerun with that
    count (or any other) must give those steps the same factors, bit for bit."""
    unplanned = [lr_factor(s, 0, warmup, hold, "cosine", 0.1) for s in range(hold)]
    for total in range(1, 4 * warmup + hold + 2):
        assert factors(total, warmup, hold)[:hold] == unplanned[:total]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_long_budgets_keep_the_schedule_they_had(name):
    t = PRESETS[name]
    shortened = [n for n in range(1, 2000) if warmup_end(n, t.warmup_steps, t.plan_steps) != t.warmup_steps]
    assert all(n < 4 * t.warmup_steps for n in shortened)  # cpu: up to 136 steps, gpu: up to 336
    for total in (max(shortened, default=0) + 1, 577, 1423, 2252):  # the README's runs
        for schedule in ("cosine", "linear"):
            assert factors(total, t.warmup_steps, t.plan_steps, schedule, t.min_lr_ratio) == [
                before(s, total, t.warmup_steps, t.plan_steps, schedule, t.min_lr_ratio) for s in range(total)]


def test_a_short_time_budget_on_the_cpu_preset_now_peaks():
    """The cpu preset warms up over 50 steps and plans at step 20: a budget that became 30 steps
    used to end at 60 % of the learning rate asked for, and never decay."""
    t = PRESETS["cpu"]
    assert max(before(s, 30, t.warmup_steps, t.plan_steps, "cosine", 0.1) for s in range(30)) == 0.6
    curve = factors(60, t.warmup_steps, t.plan_steps)
    assert curve.index(1.0) == 29  # 20 steps of the full ramp, then 10 more (a quarter of the 40 left)
    assert curve[-1] == pytest.approx(0.1)  # and the decay still ends at min_lr_ratio


@pytest.mark.parametrize("steps, warned", [(3, True), (20, True), (21, False), (0, False)])
def test_a_budget_ending_inside_the_warm_up_is_one_warning(steps, warned, recwarn):
    """At most `plan_steps` steps cannot be helped (they ran the full ramp before the budget was
    known): the run says so, and how to fix it."""
    cfg = dataclasses.replace(PRESETS["cpu"], steps=steps, minutes=0.0)
    Trainer.warn_if_no_peak(SimpleNamespace(rank=0, state=SimpleNamespace(train_cfg=cfg)))
    messages = [str(w.message) for w in recwarn]
    assert len(messages) == int(warned)
    if warned:
        assert f"budget of {steps} steps ends inside the 50-step warm-up" in messages[0]
        assert f"peaks at {steps * 2}% of lr" in messages[0] and "--set warmup_steps=" in messages[0]
        assert "\n" not in messages[0]
