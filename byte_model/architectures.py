"""Which model class a config builds, and the shortening model that matches a plain one in size.

`matched` is how `toklab compare` and `toklab byte bench` hold the non-embedding parameter
count equal across architectures: the local blocks and the downsampling of a shortened model
are paid for with deep layers and local MLP width, chosen by counting, not by hand.
(For the cpu preset at R = 4 this gives both exactly the plain model's count, ± 256.)
"""

from __future__ import annotations

import dataclasses
import itertools

import torch

from byte_model.config import ModelConfig
from byte_model.model import LanguageModel, Transformer
from byte_model.shortened import Canine, Gbst


def build_model(cfg: ModelConfig) -> LanguageModel:
    return {"plain": Transformer, "canine": Canine, "gbst": Gbst}[cfg.arch](cfg)


def describe(cfg: ModelConfig) -> str:
    """The architecture part of a run's signature ('' for the plain model, as before it existed)."""
    if cfg.arch == "plain":
        return ""
    gbst = f",blocks{'-'.join(map(str, cfg.gbst_blocks))}" if cfg.arch == "gbst" else ""
    return f"|arch:{cfg.arch}:R{cfg.rate},window{cfg.local_window},local_mlp{cfg.local_mlp_mult}{gbst}"


def size_and_cost(cfg: ModelConfig) -> tuple[int, int]:
    """(non-embedding parameters, forward FLOPs per byte) of the model `cfg` builds."""
    with torch.device("meta"):  # counted without allocating or initialising anything
        model = build_model(cfg)
    return model.parameter_counts()["non_embedding"], model.flops_per_token()


def non_embedding_parameters(cfg: ModelConfig) -> int:
    return size_and_cost(cfg)[0]


def matched(plain: ModelConfig, arch: str, rate: int) -> ModelConfig:
    """The `arch` model at downsampling rate `rate` whose non-embedding parameter count is
    closest to that of the plain model `plain` (same width, heads, context and embeddings),
    over deep layers 1…n_layer and local MLP widths 1…mlp_mult; ties go to fewer FLOPs."""
    base = dataclasses.replace(plain, arch="plain")
    if arch == "plain":
        return base
    target = non_embedding_parameters(base)
    candidates = [dataclasses.replace(base, arch=arch, rate=rate, n_layer=layers, local_mlp_mult=mult)
                  for layers, mult in itertools.product(range(1, plain.n_layer + 1), range(1, plain.mlp_mult + 1))]

    def distance(candidate: ModelConfig) -> tuple[int, int]:
        params, flops = size_and_cost(candidate)
        return abs(params - target), flops

    return min(candidates, key=distance)
