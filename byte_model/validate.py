"""Refuse a model or training config that cannot train, before any work starts.

Each check names the field and how to fix it, so `--set n_head=3` or `--set lr=nan` is one line
instead of a traceback (or a run that reports NaN) minutes later.
"""

from __future__ import annotations

import dataclasses
import math
import re

from byte_model.config import ARCHITECTURES, ModelConfig, TrainConfig
from toklab.errors import SpecError

CHOICES = {"optimizer": ("muon", "adamw"), "schedule": ("cosine", "linear"), "compile": ("auto", "on", "off")}


def validate(model: ModelConfig, train: TrainConfig) -> None:
    validate_model(model)
    validate_train(train)
    _fits_memory(model, train)


def validate_model(model: ModelConfig) -> None:
    _within_int64(model)
    for name in ("d_model", "n_layer", "n_head", "ctx", "mlp_mult"):
        _positive(name, getattr(model, name))
    if model.d_model % model.n_head:
        raise SpecError(f"--set n_head={model.n_head}: d_model={model.d_model} is not divisible by it; "
                        f"pick a divisor, e.g. n_head={_divisor_near(model.d_model, model.n_head)}")
    _at_least("ngram_buckets", model.ngram_buckets, 0)
    if any(order < 2 for order in model.ngram_orders):
        raise SpecError(f"--set ngram_orders={','.join(map(str, model.ngram_orders))}: orders start at 2")
    _fraction("dropout", model.dropout, upper_open=True)
    _architecture(model)


def validate_train(train: TrainConfig) -> None:
    _within_int64(train)
    for name in ("batch_size", "checkpoint_every", "log_every"):
        _positive(name, getattr(train, name))
    for name in ("warmup_steps", "threads", "steps", "seed", "eval_every", "val_windows", "early_stop"):
        _at_least(name, getattr(train, name), 0)
    _at_least("plan_steps", train.plan_steps, 2)  # the speed estimate leaves out the first step
    if train.threads > MAX_THREADS:  # torch takes a C int, and more threads than cores only slow it down
        raise SpecError(f"--set threads={train.threads}: at most {MAX_THREADS} (0 = the default, half the CPUs)")
    for name in ("lr", "muon_lr", "grad_clip"):
        value = getattr(train, name)
        if not (math.isfinite(value) and value > 0):
            raise SpecError(f"--set {name}={value}: must be a finite number above 0")
    _finite_at_least("weight_decay", train.weight_decay)
    _finite_at_least("minutes", train.minutes)
    if train.minutes > MAX_MINUTES:  # its step count would pass 2^63 (and no run lasts that long)
        raise SpecError(f"--minutes {train.minutes:g}: at most {MAX_MINUTES:,} (a year); give a step budget with "
                        "--steps for longer runs")
    _fraction("min_lr_ratio", train.min_lr_ratio)
    _fraction("val_fraction", train.val_fraction, upper_open=True)
    for name, allowed in CHOICES.items():
        if getattr(train, name) not in allowed:
            raise SpecError(f"--set {name}={getattr(train, name)}: must be one of {', '.join(allowed)}")
    if train.steps == 0 and train.minutes == 0:
        raise SpecError("no training budget: give --minutes M or --steps N (both above 0)")
    _device(train.device)


INT64_MAX = 2**63 - 1  # torch and numpy hold seeds, counts and sizes in 64-bit integers
MAX_THREADS = 4096
MAX_MINUTES = 525_600


def _fits_memory(model: ModelConfig, train: TrainConfig) -> None:
    """Refuse a config whose training could not fit in this machine's memory even roughly (weights,
    gradients and Adam state; activations and attention scores of one batch), before torch fails
    to allocate it with a traceback or the system kills the process."""
    import os

    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: nothing to compare with
        return
    d, layers, tokens = model.d_model, model.n_layer, train.batch_size * model.ctx
    params = (4 + 2 * model.mlp_mult) * layers * d * d + (2 * model.vocab_size + len(model.ngram_orders)
                                                         * model.ngram_buckets) * d
    activations = 2 * tokens * d * layers * (8 + model.mlp_mult) + tokens * model.ctx * model.n_head * layers
    needed = 4 * (4 * params + activations)  # float32 bytes
    if needed > total:
        raise SpecError(f"--set batch_size={train.batch_size}, ctx={model.ctx}, d_model={d}, n_layer={layers}: "
                        f"training would need about {needed / 2**30:,.0f} GiB, more than this machine's "
                        f"{total / 2**30:,.0f} GiB; lower them (the presets fit: --preset cpu or gpu)")


def _within_int64(config) -> None:
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        for number in value if isinstance(value, tuple) else (value,):
            if isinstance(number, int) and not -INT64_MAX <= number <= INT64_MAX:
                raise SpecError(f"{_flag(field.name)}={number}: too large (torch and numpy count in 64-bit "
                                f"integers, at most {INT64_MAX})")


def _architecture(model: ModelConfig) -> None:
    if model.arch not in ARCHITECTURES:
        raise SpecError(f"--set arch={model.arch}: must be one of {', '.join(ARCHITECTURES)}")
    for name in ("rate", "local_window", "local_mlp_mult"):
        _positive(name, getattr(model, name))
    if model.conv_kernel and model.conv_kernel < model.rate:  # narrower than the stride: bytes skipped
        raise SpecError(f"--set conv_kernel={model.conv_kernel}: must be 0 (= the rate) or at least "
                        f"rate={model.rate}")
    _at_least("local_out_mlp_mult", model.local_out_mlp_mult, 0)
    _finite_at_least("ratio_loss", model.ratio_loss)
    if model.arch == "hnet" and model.rate < 2:  # the ratio loss aims at 1/L of the bytes cut: L = 1 cuts every byte
        raise SpecError(f"--set rate={model.rate}: hnet's target chunk length must be at least 2 bytes")
    if not model.gbst_blocks or any(size < 1 for size in model.gbst_blocks):
        raise SpecError(f"--set gbst_blocks={','.join(map(str, model.gbst_blocks))}: give block sizes of at least 1, "
                        "e.g. gbst_blocks=1,2,3,4")


def _positive(name: str, value: int) -> None:
    _at_least(name, value, 1)


def _flag(name: str) -> str:
    return f"--{name}" if name in ("minutes", "steps") else f"--set {name}"


def _at_least(name: str, value: int, low: int) -> None:
    if value < low:
        raise SpecError(f"{_flag(name)}={value}: must be at least {low}")


def _finite_at_least(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise SpecError(f"{_flag(name)}={value}: must be a finite number ≥ 0")


def _fraction(name: str, value: float, upper_open: bool = False) -> None:
    inside = 0 <= value < 1 if upper_open else 0 <= value <= 1
    if not (math.isfinite(value) and inside):
        raise SpecError(f"--set {name}={value}: must lie in [0, 1{')' if upper_open else ']'}")


def _divisor_near(n: int, wanted: int) -> int:
    return min((d for d in range(1, n + 1) if n % d == 0), key=lambda d: abs(d - wanted))


def _device(requested: str) -> None:
    import torch

    kind = requested.split(":")[0]
    if kind not in ("auto", "cpu", "cuda", "mps"):
        raise SpecError(f"--set device={requested}: use auto, cpu, cuda, cuda:N or mps")
    if kind == "cuda" and not torch.cuda.is_available():
        raise SpecError(f"--set device={requested}: CUDA is not available on this machine "
                        "(torch was built without it or no GPU is visible); use device=cpu or auto")
    if kind == "cuda" and ":" in requested:
        index = requested.split(":", 1)[1]
        if not re.fullmatch(r"[0-9]+", index) or int(index) >= torch.cuda.device_count():  # '²'.isdigit() is True
            raise SpecError(f"--set device={requested}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise SpecError(f"--set device={requested}: MPS is not available on this machine; use device=cpu")
