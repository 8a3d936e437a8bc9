"""Validation BPB during training: a fixed set of windows from the held-out documents of the
training corpus (data.split_validation), scored the same way at every evaluation so the
numbers are comparable across steps and resumes. The evaluation corpus is never read here."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from byte_model.runtime import autocast


class HeldOut:
    def __init__(self, stream: np.ndarray, ctx: int, windows: int, seed: int, bytes_per_id: float):
        rng = np.random.default_rng([seed, 0x7A1])  # its own stream: never one of the training batches
        span = min(ctx, len(stream) - 1)
        starts = rng.integers(0, len(stream) - span, size=windows) if len(stream) > span else np.zeros(0, dtype=np.int64)
        block = torch.from_numpy(stream[starts[:, None] + np.arange(span + 1)])
        self.x, self.y = block[:, :-1], block[:, 1:]
        self.bytes_per_id = bytes_per_id

    @property
    def empty(self) -> bool:
        return self.x.size(0) == 0

    @torch.no_grad()
    def bpb(self, model: torch.nn.Module, device: torch.device, batch_size: int = 32) -> float:
        was_training = model.training
        model.eval()
        nats, count = 0.0, 0
        try:
            for begin in range(0, self.x.size(0), batch_size):
                x, y = self.x[begin : begin + batch_size].to(device), self.y[begin : begin + batch_size].to(device)
                with autocast(device):
                    logits = model(x)
                nats += float(F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum"))
                count += y.numel()
        finally:
            model.train(was_training)
        return nats / max(count, 1) / math.log(2) / self.bytes_per_id
