"""Byte models that shorten the sequence before the deep stack, made strictly causal for
language modelling: CANINE-style strided downsampling (Clark et al., 2022) and Charformer's
gradient-based subword tokenization, GBST (Tay et al., 2022).

Both have one shape: byte embeddings → byte-rate layers → downsample by R → the deep
transformer on ⌈T/R⌉ positions → upsample to bytes, add the byte-rate skip → one local block →
byte logits. Only the deep stack runs on the short sequence; that is where the compute goes.

Causality. Short position j summarises bytes jR … jR+R−1, so it may only inform predictions
made at byte jR+R−1 or later. Upsampling hands byte t the deep output of the last *complete*
block ending at or before t — short position ⌊(t+1)/R⌋ − 1 — and a learned start vector
before the first block is complete (the shift of the causal hourglass LMs, Nawrot et al.,
2022). A partial block at the end is computed but never read. Every byte-rate layer is causal
itself (windowed causal attention, means over blocks that *end* at each byte).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from byte_model.config import ModelConfig
from byte_model.model import Block, LanguageModel, blocks_flops, matrix_parameters, rms_norm


def blocks_of(x: torch.Tensor, rate: int) -> torch.Tensor:
    """(B, T, C) → (B, ⌈T/R⌉, R, C), zero-padding a partial last block."""
    B, T, C = x.shape
    short = math.ceil(T / rate)
    return F.pad(x, (0, 0, 0, short * rate - T)).view(B, short, rate, C)


def windows_of(x: torch.Tensor, rate: int, kernel: int) -> torch.Tensor:
    """(B, T, C) → (B, ⌈T/R⌉, kernel, C): the `kernel` positions ending where each block ends, in
    order; zeros before the first byte and after a partial last block. kernel = R: the blocks."""
    if kernel == rate:
        return blocks_of(x, rate)
    short = math.ceil(x.size(1) / rate)
    padded = F.pad(x, (0, 0, kernel - rate, short * rate - x.size(1)))
    return padded.unfold(1, kernel, rate).transpose(2, 3)  # unfold puts the window last


def upsample_causal(short: torch.Tensor, start: torch.Tensor, rate: int, length: int) -> torch.Tensor:
    """(B, n, C) → (B, length, C): byte t gets short[⌊(t+1)/R⌋ − 1], or `start` before the
    first block is complete, so no byte sees a block that ends after it."""
    B, _n, C = short.shape
    with_start = torch.cat([start.expand(B, 1, C), short], dim=1)
    index = torch.div(torch.arange(length, device=short.device) + 1, rate, rounding_mode="floor")
    return with_start[:, index]


def causal_block_means(x: torch.Tensor, size: int) -> torch.Tensor:
    """Mean of the `size` positions ending at each t (fewer at the start). Charformer pools
    blocks aligned at multiples of the size, which would let a byte see up to size − 1 later
    bytes; a language model may only pool blocks that end at the byte."""
    T = x.size(1)
    sums = F.pad(x.cumsum(1), (0, 0, size, 0))
    counts = torch.clamp(torch.arange(1, T + 1, device=x.device, dtype=x.dtype), max=size)
    return (sums[:, size:] - sums[:, :-size]) / counts[None, :, None]


class Shortened(LanguageModel):
    """The shared hourglass: subclasses define the byte-rate layers and the downsampling."""

    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))  # the deep stack, short sequence
        self.local_out = Block(cfg, window=cfg.local_window, mlp_mult=cfg.local_mlp_mult)
        self.start = nn.Parameter(torch.zeros(cfg.d_model))  # what bytes before the first complete block get
        self.register_rotary("", cfg.ctx)
        self.register_rotary("short_", math.ceil(cfg.ctx / cfg.rate))

    def byte_rate(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def shorten(self, fine: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """idx (B, T) → logits (B, T, vocab) in float32; any T up to ctx."""
        T = idx.size(1)
        cos, sin = self.cos[:, :T], self.sin[:, :T]
        fine = self.byte_rate(self.embedded(idx), cos, sin)  # (B, T, C)
        short = rms_norm(self.shorten(fine))  # (B, ⌈T/R⌉, C)
        n = short.size(1)
        for block in self.blocks:
            short = block(short, self.short_cos[:, :n], self.short_sin[:, :n])
        x = fine + upsample_causal(rms_norm(short), self.start, self.cfg.rate, T)
        return self.logits(self.local_out(x, cos, sin))

    def byte_rate_flops(self, ctx: int) -> float:
        raise NotImplementedError

    def shorten_flops(self) -> float:
        """FLOPs of the downsampling per short position."""
        raise NotImplementedError

    def flops_per_token(self, ctx: int | None = None) -> int:
        """Forward FLOPs per byte at context `ctx`: byte-rate layers, the local output block and
        the head at every byte; downsampling and the deep stack at each of the ⌈ctx/R⌉ short
        positions, shared by the ctx bytes (once per R bytes only where R divides ctx: a partial
        last block costs a whole position)."""
        cfg = self.cfg
        ctx = ctx or cfg.ctx
        short = math.ceil(ctx / cfg.rate)
        every_byte = (self.byte_rate_flops(ctx) + blocks_flops([self.local_out], ctx, cfg.d_model, cfg.local_window)
                      + self.head_flops())
        every_block = self.shorten_flops() + blocks_flops(self.blocks, short, cfg.d_model)
        return round(every_byte + every_block * short / ctx)


class Canine(Shortened):
    """CANINE-style: a local block with windowed attention over the byte (+ hashed n-gram)
    embeddings, then CANINE's strided convolution (stride R, kernel R unless `conv_kernel` says
    more: one linear map of the vectors ending at each block's end, in order) down to the short
    sequence. A kernel wider than R reaches back into the blocks before (still causal); it is the
    fine step, d_model² parameters a byte, with which `architectures.matched` equals the plain
    model's size at rates that deep layers and local MLP widths alone cannot."""

    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        self.local_in = Block(cfg, window=cfg.local_window, mlp_mult=cfg.local_mlp_mult)
        self.kernel = cfg.conv_kernel or cfg.rate
        self.downsample = nn.Linear(self.kernel * cfg.d_model, cfg.d_model, bias=False)
        self.reset_parameters()

    def byte_rate(self, x, cos, sin):
        return self.local_in(x, cos, sin)

    def shorten(self, fine):
        return self.downsample(windows_of(fine, self.cfg.rate, self.kernel).flatten(2))

    def byte_rate_flops(self, ctx: int) -> float:
        return blocks_flops([self.local_in], ctx, self.cfg.d_model, self.cfg.local_window)

    def shorten_flops(self) -> float:
        return 2 * matrix_parameters(self.downsample)


class Gbst(Shortened):
    """Charformer's GBST: at every byte, candidate blocks of each size (mean-pooled, ending at
    the byte) are scored by one learned vector, softmax-mixed into one latent subword vector;
    blocks of R of those are mean-pooled into the short sequence."""

    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        self.score = nn.Linear(cfg.d_model, 1, bias=False)
        self.reset_parameters()

    def byte_rate(self, x, cos, sin):
        candidates = torch.stack([causal_block_means(x, size) for size in self.cfg.gbst_blocks], dim=2)  # (B,T,K,C)
        weights = torch.softmax(self.score(candidates), dim=2)  # (B, T, K, 1): which block size, per byte
        return (weights * candidates).sum(2)

    def shorten(self, fine):
        return blocks_of(fine, self.cfg.rate).mean(2)

    def byte_rate_flops(self, ctx: int) -> float:
        # per candidate: its running mean (≈ 2 per channel), its score and its share of the mix
        return len(self.cfg.gbst_blocks) * (2 * self.cfg.d_model + 2 * matrix_parameters(self.score) + 2 * self.cfg.d_model)

    def shorten_flops(self) -> float:
        return self.cfg.rate * self.cfg.d_model  # the block mean
