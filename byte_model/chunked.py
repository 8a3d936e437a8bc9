"""Byte models that cut where the content says, not every R bytes: H-Net's one-stage dynamic
chunking (Hwang, Wang & Gu, 2025) and SpaceByte's rule (Slagle, 2024) as its zero-parameter
control, both strictly causal for language modelling.

One hourglass for both: byte embeddings → one windowed byte-rate block (the encoder) → a
boundary at some bytes → the deep transformer on the chunks, one position per boundary → back
to bytes (each byte reads the deep output of the chunk it lies in) + the encoder's output (the
skip) → one windowed block → byte logits.

- `hnet`: the routing module predicts a boundary from how unlike the byte's state is to the one
  before it, p_t = (1 − cos(q_t, k_{t−1})) / 2, a boundary where p_t ≥ ½; the smoothing module
  turns the chunks' outputs into an exponential moving average weighted by p (a chunk cut with
  little confidence leans on the chunk before it), and a straight-through confidence factor
  carries the loss's gradient into the router; the ratio loss holds the share of boundaries
  near 1/L for a target chunk length L (`rate`).
- `spacebyte`: a boundary at a space-like byte that follows a byte that is not space-like;
  space-like is anything but an ASCII letter or digit or a UTF-8 continuation byte (so every
  character of a script written without ASCII begins a chunk, as in the paper's rule).

Causality. The boundary at byte t depends on bytes ≤ t only (states at t and t−1, or the ids
at t and t−1). Chunk n is the encoder state at its first byte; chunks attend causally, and
the smoothing runs forward; byte t reads the chunk that begins at the last boundary ≤ t.
Padding chunks (rows with fewer boundaries than the batch's most) lie after every real one.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from byte_model.config import ModelConfig
from byte_model.model import Block, LanguageModel, blocks_flops, matrix_parameters, mean_attended, rms_norm

CHUNKED = ("hnet", "spacebyte")
LEARNED = ("hnet",)  # boundaries from a router trained with the model
RULED = ("spacebyte",)  # boundaries from a rule on the bytes
CAPACITY = 2  # the deep stack holds at most CAPACITY · ctx / L chunks: twice the target share


def spacelike(ids: torch.Tensor) -> torch.Tensor:
    """SpaceByte's space-like ids: not an ASCII letter or digit, not a UTF-8 continuation byte;
    the special symbols (BOS, EOS, PAD) are space-like."""
    letter_or_digit = ((ids >= 48) & (ids <= 57)) | ((ids >= 65) & (ids <= 90)) | ((ids >= 97) & (ids <= 122))
    continuation = (ids >= 0x80) & (ids <= 0xBF)
    return ~(letter_or_digit | continuation)


def space_boundaries(idx: torch.Tensor) -> torch.Tensor:
    """(B, T) True where a chunk begins: the first byte, and every space-like byte after one
    that is not."""
    like = spacelike(idx)
    before = F.pad(like, (1, 0), value=True)[:, :-1]
    cut = like & ~before
    cut[:, 0] = True
    return cut


def first_positions(boundary: torch.Tensor, capacity: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(the byte index where each chunk begins, (B, capacity) in order, padded with later bytes;
    the chunk each byte lies in, (B, T)). A row that cuts more often than `capacity` allows keeps
    its first `capacity` boundaries (`kept`); its later bytes read the last chunk that fits."""
    # a stable sort of "not a boundary" puts each row's boundaries first, in byte order
    starts = torch.argsort((~boundary).to(torch.int8), dim=1, stable=True)[:, :capacity]
    return starts, (boundary.long().cumsum(1) - 1).clamp(max=capacity - 1)


def kept(boundary: torch.Tensor, capacity: int) -> torch.Tensor:
    """The boundaries the deep stack has room for: the first `capacity` of each row."""
    return boundary & (boundary.long().cumsum(1) <= capacity)


def moving_average(chunks: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """H-Net's smoothing, z̄_n = p_n z_n + (1 − p_n) z̄_{n−1}, computed at once:
    z̄_n = Σ_{j≤n} p_j Π_{j<i≤n} (1 − p_i) z_j, with the products as sums of logs (stable)."""
    keep = torch.log1p(-p.clamp(max=1 - 1e-6)).cumsum(1)  # (B, N)
    n = p.size(1)
    later = torch.ones(n, n, dtype=torch.bool, device=p.device).triu(1)  # j > n: the future
    exponent = (keep[:, :, None] - keep[:, None, :]).masked_fill(later, float("-inf"))
    weights = p[:, None, :] * exponent.exp()  # (B, N, N), rows n, columns j
    return weights.to(chunks.dtype) @ chunks


class Chunked(LanguageModel):
    """The hourglass over variable chunks; `hnet` learns the boundaries, `spacebyte` rules them."""

    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        self.local_in = Block(cfg, window=cfg.local_window, mlp_mult=cfg.local_mlp_mult)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))  # the deep stack, on chunks
        self.local_out = Block(cfg, window=cfg.local_window, mlp_mult=cfg.local_out_mlp_mult or cfg.local_mlp_mult)
        if cfg.arch in LEARNED:
            self.route_q = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
            self.route_k = nn.Linear(cfg.d_model, cfg.d_model, bias=False)
        self.register_rotary("", cfg.ctx)
        self.register_rotary("chunk_", cfg.ctx)  # at most one chunk per byte
        self.last_ratio_loss = torch.zeros(())  # the last training forward's ratio loss (hnet)
        self.reset_parameters()
        if cfg.arch in LEARNED:  # H-Net starts the router at the identity: p from plain cosine similarity
            with torch.no_grad():
                self.route_q.weight.copy_(torch.eye(cfg.d_model))
                self.route_k.weight.copy_(torch.eye(cfg.d_model))

    # -- boundaries --------------------------------------------------------------------------
    def boundary_probability(self, fine: torch.Tensor) -> torch.Tensor:
        """(B, T) p_t = (1 − cos(q_t, k_{t−1})) / 2, and 1 at the first byte."""
        q = F.normalize(self.route_q(fine[:, 1:]).float(), dim=-1)  # in float32 at least: a cut at p ≥ ½
        k = F.normalize(self.route_k(fine[:, :-1]).float(), dim=-1)  # should not flip with bf16 rounding
        p = ((1 - (q * k).sum(-1)) / 2).clamp(0, 1)
        return F.pad(p, (1, 0), value=1.0)

    def cut(self, idx: torch.Tensor, fine: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(where chunks begin (B, T) bool, the boundary probability (B, T))."""
        if self.cfg.arch in LEARNED:
            p = self.boundary_probability(fine)
            return p >= 0.5, p
        boundary = space_boundaries(idx)
        return boundary, boundary.float()

    def capacity(self, T: int) -> int:
        """Chunks the deep stack holds for T bytes: a fixed share of the context (SpaceByte caps its
        global positions the same way), so every step has one shape to compile and no count of
        boundaries has to leave the graph. Independent of padding: a row of n ≤ T bytes cuts at
        most n times, so min(cuts, T, cap) = min(cuts, cap)."""
        return min(T, math.ceil(CAPACITY * self.cfg.ctx / self.cfg.rate))

    @torch.no_grad()
    def boundaries(self, idx: torch.Tensor) -> torch.Tensor:
        """(B, T) True where a chunk begins: what the model cuts this text into."""
        T = idx.size(1)
        fine = self.local_in(self.embedded(idx), self.cos[:, :T], self.sin[:, :T])
        return kept(self.cut(idx, fine)[0], self.capacity(T))

    # -- the pass -----------------------------------------------------------------------------
    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """idx (B, T) → logits (B, T, vocab) in float32; any T up to ctx."""
        T = idx.size(1)
        cos, sin = self.cos[:, :T], self.sin[:, :T]
        fine = self.local_in(self.embedded(idx), cos, sin)  # (B, T, C)
        cuts, p = self.cut(idx, fine)
        boundary = kept(cuts, self.capacity(T))
        starts, chunk_of = first_positions(boundary, self.capacity(T))
        C = fine.size(-1)
        short = rms_norm(fine.gather(1, starts[..., None].expand(-1, -1, C)))  # (B, N, C)
        n = short.size(1)
        for block in self.blocks:
            short = block(short, self.chunk_cos[:, :n], self.chunk_sin[:, :n])
        short = rms_norm(short)
        if self.cfg.arch in LEARNED:
            short = moving_average(short, p.gather(1, starts))
        up = short.gather(1, chunk_of[..., None].expand(-1, -1, C))  # (B, T, C): each byte's chunk
        if self.cfg.arch in LEARNED:
            confidence = torch.where(boundary, p, 1 - p)
            up = up * (confidence + (1 - confidence).detach())[..., None].to(up.dtype)  # 1, with a gradient
            if self.training:
                self.last_ratio_loss = self.ratio_loss_of(cuts, p)  # the router's own cuts, kept or not
        x = fine + up  # the byte-rate skip, as in every hourglass of the lab
        return self.logits(self.local_out(x, cos, sin))

    def ratio_loss_of(self, boundary: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        """H-Net's ratio loss: N/(N−1) · ((N−1)·F·G + (1−F)·(1−G)), F the share of bytes cut
        at, G the mean boundary probability, N the target bytes per chunk; least at F = G = 1/N."""
        target = float(self.cfg.rate)
        share, mean_p = boundary.float().mean(), p.mean()
        return target / (target - 1) * ((target - 1) * share * mean_p + (1 - share) * (1 - mean_p))

    def auxiliary_loss(self) -> torch.Tensor | float:
        return self.cfg.ratio_loss * self.last_ratio_loss if self.cfg.arch in LEARNED else 0.0

    # -- counting -----------------------------------------------------------------------------
    def every_byte_flops(self) -> float:
        cfg = self.cfg
        router = 2 * (matrix_parameters(self.route_q) + matrix_parameters(self.route_k)) if cfg.arch in LEARNED else 0
        local = blocks_flops([self.local_in, self.local_out], cfg.ctx, cfg.d_model, cfg.local_window)
        return local + router + self.head_flops()

    def every_chunk_flops(self, chunks: float) -> float:
        """Per chunk, in a context holding `chunks` of them: the deep stack, and the smoothing's
        weighted sum over earlier chunks (hnet)."""
        smoothing = 2 * mean_attended(round(chunks)) * self.cfg.d_model if self.cfg.arch in LEARNED else 0
        return blocks_flops(self.blocks, max(round(chunks), 1), self.cfg.d_model) + smoothing

    def flops_per_token(self, ctx: int | None = None, bytes_per_chunk: float | None = None) -> int:
        """Forward FLOPs per byte at context `ctx` when chunks hold `bytes_per_chunk` bytes on
        average (default: the target length `rate`; pass the measured one, see `boundaries`)."""
        ctx = ctx or self.cfg.ctx
        length = bytes_per_chunk or float(self.cfg.rate)
        return round(self.every_byte_flops() + self.every_chunk_flops(ctx / length) / length)
