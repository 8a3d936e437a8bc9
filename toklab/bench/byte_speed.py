"""Byte-model benchmark (`toklab byte bench`): training throughput (bytes/s) and model FLOPs per
byte per preset, with and without torch.compile, so the defaults are chosen by measurement.
Returns rows; the CLI renders them."""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from byte_model import config as C
from byte_model.data import batch_at
from byte_model.model import Transformer
from byte_model.optim import build_optimizers
from byte_model.runtime import autocast, pick_device


def throughput(model_cfg: C.ModelConfig, train_cfg: C.TrainConfig, compiled: bool, steps: int,
               device: torch.device) -> tuple[float, float]:
    """(bytes per second after warm-up, seconds spent warming up incl. compilation)."""
    import numpy as np

    torch.manual_seed(0)
    model = Transformer(model_cfg).to(device)
    forward = torch.compile(model) if compiled else model
    optimizers = build_optimizers(model, train_cfg.optimizer, train_cfg.lr, train_cfg.muon_lr, 0.0)
    stream = np.random.default_rng(0).integers(0, 256, size=1_000_000)

    def step(i: int) -> None:
        x, y = (t.to(device) for t in batch_at(stream, i, train_cfg.batch_size, model_cfg.ctx, 0))
        with autocast(device):
            logits = forward(x)
        F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1)).backward()
        for opt in optimizers:
            opt.step()
            opt.zero_grad(set_to_none=True)

    start = time.perf_counter()
    for i in range(3):
        step(i)
    if device.type == "cuda":
        torch.cuda.synchronize()
    warm = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(steps):
        step(i + 3)
    if device.type == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    return steps * train_cfg.batch_size * model_cfg.ctx / elapsed, warm


def bench_presets(presets: tuple[str, ...], steps: int, threads: int = 0) -> tuple[str, int, list[dict]]:
    """(device, torch threads, one row per preset and mode) — the CLI renders them."""
    if threads:
        torch.set_num_threads(threads)
    device = pick_device("auto")
    rows = []
    for name in presets:
        model_cfg, train_cfg = C.preset(name)
        model = Transformer(model_cfg)
        for compiled in (False, True):
            speed, warm = throughput(model_cfg, train_cfg, compiled, steps, device)
            rows.append({"preset": name, "params_non_embedding": model.parameter_counts()["non_embedding"],
                         "flops_per_byte": model.flops_per_token(), "mode": "compiled" if compiled else "eager",
                         "bytes_per_s": speed, "warm_up_s": warm})
    return str(device), torch.get_num_threads(), rows
