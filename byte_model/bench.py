"""`toklab byte bench` — training throughput (bytes/s) and model FLOPs per byte per preset,
with and without torch.compile, so the defaults are chosen by measurement."""

from __future__ import annotations

import time

import click
import torch
import torch.nn.functional as F
from rich.table import Table

from byte_model import config as C
from byte_model.data import batch_at
from byte_model.model import Transformer
from byte_model.optim import build_optimizers
from byte_model.runtime import autocast, pick_device
from toklab.render import stdout_console


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


@click.command("bench")
@click.option("--preset", "presets", multiple=True, default=("cpu",), show_default=True)
@click.option("--steps", default=20, show_default=True)
@click.option("--threads", default=0, show_default=True, help="torch threads (0 = default).")
def bench_byte_cmd(presets, steps, threads) -> None:
    """Bytes/s and FLOPs/byte per preset, eager vs torch.compile.

    \b
    Example: toklab byte bench --preset cpu --steps 30
    """
    if threads:
        torch.set_num_threads(threads)
    device = pick_device("auto")
    table = Table(title=f"byte model throughput on {device} ({torch.get_num_threads()} threads)", title_justify="left")
    for column in ("preset", "params (non-emb)", "FLOPs/byte fwd", "mode", "bytes/s", "warm-up s"):
        table.add_column(column, justify="right")
    for name in presets:
        model_cfg, train_cfg = C.preset(name)
        model = Transformer(model_cfg)
        flops = model.flops_per_token()
        for compiled in (False, True):
            speed, warm = throughput(model_cfg, train_cfg, compiled, steps, device)
            table.add_row(name, f"{model.parameter_counts()['non_embedding']:,}", f"{flops:,}",
                          "compiled" if compiled else "eager", f"{speed:,.0f}", f"{warm:.1f}")
    stdout_console().print(table)
