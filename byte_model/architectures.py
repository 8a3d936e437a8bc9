"""Which model class a config builds, and the shortening model that matches a plain one in size.

`matched` is how `toklab compare` and `toklab byte bench` hold the non-embedding parameter
count equal across architectures: the local blocks and the downsampling of a shortened model
are paid for with deep layers and local MLP width, chosen by counting, not by hand.
(For the cpu and gpu presets at any R this gives both the plain model's count within 0.04 %.)
"""

from __future__ import annotations

import dataclasses
import itertools

import torch

from byte_model.chunked import CHUNKED, Chunked
from byte_model.config import ModelConfig
from byte_model.model import LanguageModel, Transformer
from byte_model.shortened import Canine, Gbst


def build_model(cfg: ModelConfig) -> LanguageModel:
    return {"plain": Transformer, "canine": Canine, "gbst": Gbst, "hnet": Chunked, "spacebyte": Chunked}[cfg.arch](cfg)


def describe(cfg: ModelConfig) -> tuple[str, str] | None:
    """The architecture field of a run's signature (none for the plain model, as before it existed)."""
    if cfg.arch == "plain":
        return None
    if cfg.arch == "hnet":
        return "arch", f"hnet:L{cfg.rate},window{cfg.local_window},{_local_widths(cfg)},ratio_loss{cfg.ratio_loss:g}"
    if cfg.arch == "spacebyte":
        return "arch", f"spacebyte,window{cfg.local_window},{_local_widths(cfg)}"
    gbst = f",blocks{'-'.join(map(str, cfg.gbst_blocks))}" if cfg.arch == "gbst" else ""
    # named only when wider than the rate: runs from before the field keep their signature
    kernel = f",kernel{cfg.conv_kernel}" if cfg.arch == "canine" and cfg.conv_kernel not in (0, cfg.rate) else ""
    return "arch", f"{cfg.arch}:R{cfg.rate},window{cfg.local_window},local_mlp{cfg.local_mlp_mult}{gbst}{kernel}"


def _local_widths(cfg: ModelConfig) -> str:
    out = cfg.local_out_mlp_mult
    return f"local_mlp{cfg.local_mlp_mult}" + (f"-{out}" if out and out != cfg.local_mlp_mult else "")


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
    over deep layers 1…n_layer and local MLP widths 1…mlp_mult, for canine a downsampling
    kernel R…R+3 bytes wide, and for hnet and spacebyte an output block's MLP width of its own
    (hnet's router costs 2·d_model², which equal widths miss by d_model²); ties go to fewer FLOPs.

    Layers and MLP widths move canine's count in steps of 4·d_model² (two local blocks), its
    kernel in steps of R·d_model², so at R not a multiple of 4 they alone missed by up to
    2·d_model² (4 % for the cpu preset); one to three more bytes of kernel close the gap."""
    base = dataclasses.replace(plain, arch="plain")
    if arch == "plain":
        return base
    target = non_embedding_parameters(base)
    kernels = [0, *range(rate + 1, rate + 4)] if arch == "canine" else [0]  # 0: the rate itself
    widths = range(1, plain.mlp_mult + 1)
    out_widths = [0, *widths] if arch in CHUNKED else [0]  # 0: as wide as the input block's
    candidates = [dataclasses.replace(base, arch=arch, rate=rate, n_layer=layers, local_mlp_mult=mult, conv_kernel=k,
                                      local_out_mlp_mult=out)
                  for layers, mult, k, out in itertools.product(range(1, plain.n_layer + 1), widths, kernels,
                                                                out_widths)]

    def distance(candidate: ModelConfig) -> tuple[int, int]:
        params, flops = size_and_cost(candidate)
        return abs(params - target), flops

    return min(candidates, key=distance)
