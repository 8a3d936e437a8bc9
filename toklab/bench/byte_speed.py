"""Byte-model benchmark (`toklab byte bench`): training throughput (bytes/s) and model FLOPs per
byte per preset, eager and compiled, and — with `reference=True` — a plain same-shape reference
transformer timed in the same run on the same batches, so the cost of every addition is a ratio.
Returns rows; the CLI renders them."""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from byte_model import config as C
from byte_model.architectures import build_model, matched
from byte_model.data import batch_at
from byte_model.optim import build_optimizers
from byte_model.runtime import autocast, pick_device, use_threads
from toklab.bench.reference_gpt import ReferenceGPT, reference_optimizer

# Variants of a preset that say where its time goes (each changes one thing).
VARIANTS: dict[str, Callable[[C.ModelConfig, C.TrainConfig], tuple[C.ModelConfig, C.TrainConfig]]] = {
    "adamw": lambda m, t: (m, dataclasses.replace(t, optimizer="adamw")),
    "no-ngrams": lambda m, t: (dataclasses.replace(m, ngram_buckets=0), t),
    "no-qknorm": lambda m, t: (dataclasses.replace(m, qk_norm=False), t),
    # The sequence-shortening architectures at the preset's non-embedding parameter count.
    "canine:4": lambda m, t: (matched(m, "canine", 4), t),
    "gbst:4": lambda m, t: (matched(m, "gbst", 4), t),
    # Boundaries where the model learns to cut (H-Net) or after space-like bytes (SpaceByte): their
    # speed depends on the text, so a bench with them reads real text (TEXT), not random bytes.
    "hnet:4": lambda m, t: (matched(m, "hnet", 4), t),
    "spacebyte": lambda m, t: (matched(m, "spacebyte", m.rate), t),
}
CONTENT_DEPENDENT = ("hnet:4", "spacebyte")
TEXT = "flores200?split=dev"  # all 204 languages; batches start at random offsets, so they mix


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def random_bytes() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=1_000_000)


def real_text(spec: str = TEXT) -> np.ndarray:
    from corpora import load_corpus

    joined = "\n".join(load_corpus(spec).frame["text"].to_list()).encode("utf-8")
    return np.frombuffer(joined, dtype=np.uint8).astype(np.int64)


def throughput(model: torch.nn.Module, optimizers: list, batch_size: int, ctx: int, compiled: bool, steps: int,
               device: torch.device, stream: np.ndarray | None = None) -> tuple[float, float]:
    """(bytes per second after warm-up, seconds spent warming up incl. compilation), training on
    batches of `stream` (random bytes unless given)."""
    forward = torch.compile(model) if compiled else model
    stream = random_bytes() if stream is None else stream
    auxiliary = getattr(model, "auxiliary_loss", lambda: 0.0)  # hnet's ratio loss is part of its step

    def step(i: int) -> None:
        x, y = (t.to(device) for t in batch_at(stream, i, batch_size, ctx, 0))
        with autocast(device):
            logits = forward(x)
        (F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1)) + auxiliary()).backward()
        for opt in optimizers:
            opt.step()
            opt.zero_grad(set_to_none=True)

    start = time.perf_counter()
    for i in range(3):
        step(i)
    _sync(device)
    warm = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(steps):
        step(i + 3)
    _sync(device)
    return steps * batch_size * ctx / (time.perf_counter() - start), warm


def _toklab(model_cfg: C.ModelConfig, train_cfg: C.TrainConfig, device: torch.device):
    torch.manual_seed(0)
    model = build_model(model_cfg).to(device)
    return model, build_optimizers(model, train_cfg.optimizer, train_cfg.lr, train_cfg.muon_lr, 0.0)


def _reference(model_cfg: C.ModelConfig, device: torch.device):
    torch.manual_seed(0)
    model = ReferenceGPT(model_cfg.d_model, model_cfg.n_layer, model_cfg.n_head, model_cfg.ctx,
                         model_cfg.vocab_size).to(device)
    return model, reference_optimizer(model, device)


def _row(name: str, what: str, model_cfg: C.ModelConfig, train_cfg: C.TrainConfig, built, compiled: bool,
         steps: int, device: torch.device, stream: np.ndarray | None) -> dict:
    model, optimizers = built
    speed, warm = throughput(model, optimizers, train_cfg.batch_size, model_cfg.ctx, compiled, steps, device, stream)
    toklab = what != "reference"  # the reference model has no toklab parameter or FLOP count
    length = bytes_per_chunk(model, stream, train_cfg.batch_size, device) if hasattr(model, "boundaries") else None
    return {"preset": name, "model": what, "mode": "compiled" if compiled else "eager",
            "params_non_embedding": model.parameter_counts()["non_embedding"] if toklab else None,
            "flops_per_byte": model.flops_per_token(bytes_per_chunk=length) if length else (
                model.flops_per_token() if toklab else None),
            "bytes_per_chunk": length, "bytes_per_s": speed, "warm_up_s": warm}


@torch.no_grad()
def bytes_per_chunk(model, stream: np.ndarray, batch_size: int, device: torch.device, batches: int = 4) -> float:
    """The mean chunk length the model cuts the bench's text into (after its training steps)."""
    cuts = total = 0
    for i in range(batches):
        x, _y = batch_at(stream, 10_000 + i, batch_size, model.cfg.ctx, 0)
        cuts += int(model.boundaries(x.to(device)).sum())
        total += x.numel()
    return total / cuts


def bench_presets(presets: tuple[str, ...], steps: int, threads: int = 0, reference: bool = False,
                  variants: tuple[str, ...] = (), modes: tuple[str, ...] = ("eager", "compiled")
                  ) -> tuple[str, int, list[dict]]:
    """(device, torch threads, one row per preset, model and mode) — the CLI renders them. Every
    row gets its speed relative to the preset's own model in the same mode (`vs_preset`) and,
    with `reference`, to the reference (`vs_reference`)."""
    use_threads(threads)  # 0: the default every torch command uses
    device = pick_device("auto")
    stream = real_text() if set(variants) & set(CONTENT_DEPENDENT) else None  # the same batches for every model
    rows = []
    for name in presets:
        model_cfg, train_cfg = C.preset(name)
        for mode in modes:
            compiled = mode == "compiled"
            group = [_row(name, "toklab", model_cfg, train_cfg, _toklab(model_cfg, train_cfg, device), compiled,
                          steps, device, stream)]
            for variant in variants:
                m, t = VARIANTS[variant](model_cfg, train_cfg)
                group.append(_row(name, f"toklab, {variant}", m, t, _toklab(m, t, device), compiled, steps, device,
                                  stream))
            for row in group:
                row["vs_preset"] = row["bytes_per_s"] / group[0]["bytes_per_s"]
            if reference:
                ref = _row(name, "reference", model_cfg, train_cfg, _reference(model_cfg, device), compiled, steps,
                           device, stream)
                for row in group:
                    row["vs_reference"] = row["bytes_per_s"] / ref["bytes_per_s"]
                ref["vs_reference"] = 1.0
                group.append(ref)
            rows += group
    return str(device), torch.get_num_threads(), rows
