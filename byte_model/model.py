"""A small decoder-only transformer over bytes (or any token vocabulary).

Components kept because they help at small scale: rotary position embeddings, RMSNorm,
QK-norm, squared-ReLU MLP, untied input/output embeddings, and optional hashed bigram/trigram
input embeddings (a byte model's cheapest way to see short context before attention does).

The blocks, the input embedding and the output head are shared with the sequence-shortening
architectures (byte_model.shortened); `LanguageModel` holds what every architecture has in
common: embedding in, logits out, parameter and FLOP counts.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from byte_model.config import ModelConfig


def rms_norm(x: torch.Tensor) -> torch.Tensor:
    return F.rms_norm(x, (x.size(-1),))


def rotary_tables(ctx: int, head_dim: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    inv_freq = 1.0 / (10000 ** (torch.arange(0, head_dim, 2, device=device, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(ctx, device=device, dtype=torch.float32), inv_freq)  # (T, hd/2)
    return angles.cos()[None, :, None, :], angles.sin()[None, :, None, :]  # (1, T, 1, hd/2)


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    x1, x2 = x[..., ::2], x[..., 1::2]  # (B, T, H, hd/2) each
    rotated = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
    return rotated.flatten(-2).type_as(x)


def local_causal_mask(T: int, window: int, device) -> torch.Tensor:
    """(T, T) True where query t may attend key s: t - window < s <= t."""
    t = torch.arange(T, device=device)
    distance = t[:, None] - t[None, :]
    return (distance >= 0) & (distance < window)


def mean_attended(ctx: int, window: int = 0) -> float:
    """Keys a causal query attends on average over a context of `ctx` (window 0: all earlier ones)."""
    reach = window or ctx
    full = max(ctx - reach, 0)  # queries that see a whole window
    ramp = ctx - full  # the first ones see 1, 2, … keys
    return (ramp * (ramp + 1) / 2 + full * reach) / ctx


def attention_flops(ctx: int, d_model: int, window: int = 0) -> float:
    """Forward FLOPs per position of one attention layer beyond its projections: QKᵀ and AV."""
    return 4 * mean_attended(ctx, window) * d_model


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig, window: int = 0):
        super().__init__()
        self.cfg = cfg
        self.window = window  # 0: every earlier position; else only the last `window` ones
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.cfg.n_head, self.cfg.head_dim).unbind(2)  # (B, T, H, hd)
        if self.cfg.qk_norm:
            q, k = rms_norm(q), rms_norm(k)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        if self.window and self.window < T:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=local_causal_mask(T, self.window, x.device))
        else:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))  # (B, T, C)


class MLP(nn.Module):
    def __init__(self, cfg: ModelConfig, mult: int | None = None):
        super().__init__()
        hidden = (mult or cfg.mlp_mult) * cfg.d_model
        self.up = nn.Linear(cfg.d_model, hidden, bias=False)
        self.down = nn.Linear(hidden, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.relu(self.up(x)).square())  # squared ReLU


class Block(nn.Module):
    """Pre-norm attention + MLP; `window` > 0 makes the attention local, `mlp_mult` a narrower MLP."""

    def __init__(self, cfg: ModelConfig, window: int = 0, mlp_mult: int | None = None):
        super().__init__()
        self.attn = Attention(cfg, window)
        self.mlp = MLP(cfg, mlp_mult)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, cos, sin):
        x = x + self.drop(self.attn(rms_norm(x), cos, sin))
        return x + self.drop(self.mlp(rms_norm(x)))


class HashedNgrams(nn.Module):
    """Embeddings of the previous n ids hashed into buckets, added to the input embedding."""

    PRIMES = (1_000_003, 998_244_353, 1_000_000_007)

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.orders = cfg.ngram_orders
        self.buckets = cfg.ngram_buckets
        self.tables = nn.ModuleList(nn.Embedding(cfg.ngram_buckets, cfg.d_model) for _ in self.orders)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        out = 0
        for order, table in zip(self.orders, self.tables):
            h = idx.clone()
            for back in range(1, order):
                prev = F.pad(idx, (back, 0), value=0)[:, : idx.size(1)]  # id `back` positions earlier
                h = h * self.PRIMES[back % 3] + prev
            out = out + table(h % self.buckets)
        return out


EMBEDDING_PREFIXES = ("embed", "ngrams", "head")  # parameters that are looked up or read out, not multiplied


class LanguageModel(nn.Module):
    """What every architecture shares: ids → embeddings (+ hashed n-grams) … → logits; counts."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.ngrams = HashedNgrams(cfg) if cfg.ngram_buckets else None
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        if cfg.tie_embeddings:
            self.head.weight = self.embed.weight

    def register_rotary(self, prefix: str, length: int) -> None:
        """Rotary tables for `length` positions as buffers `{prefix}cos`, `{prefix}sin` (not saved)."""
        cos, sin = rotary_tables(length, self.cfg.head_dim)
        self.register_buffer(f"{prefix}cos", cos, persistent=False)
        self.register_buffer(f"{prefix}sin", sin, persistent=False)

    def reset_parameters(self) -> None:
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
            if name.endswith(("proj.weight", "down.weight")):
                nn.init.zeros_(p)  # residual branches start as identity

    def embedded(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.embed(idx)  # (B, T, C)
        if self.ngrams is not None:
            x = x + self.ngrams(idx)
        return rms_norm(x)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(rms_norm(x)).float()

    def parameter_counts(self) -> dict[str, int]:
        embedding = sum(p.numel() for n, p in self.named_parameters() if n.startswith(EMBEDDING_PREFIXES))
        total = sum(p.numel() for p in self.parameters())
        return {"total": total, "non_embedding": total - embedding}

    def auxiliary_loss(self) -> torch.Tensor | float:
        """What training adds to the cross-entropy beside it (hnet's ratio loss); none here."""
        return 0.0

    def head_flops(self) -> int:
        return 2 * self.cfg.d_model * self.cfg.vocab_size


def matrix_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.dim() == 2)


def blocks_flops(blocks, ctx: int, d_model: int, window: int = 0) -> float:
    """Forward FLOPs per position of a stack of blocks: 2 × its matrix parameters + attention."""
    return sum(2 * matrix_parameters(b) + attention_flops(ctx, d_model, window) for b in blocks)


class Transformer(LanguageModel):
    """The plain model: every id is a position in every layer."""

    def __init__(self, cfg: ModelConfig):
        super().__init__(cfg)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.register_rotary("", cfg.ctx)
        self.reset_parameters()

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """idx (B, T) → logits (B, T, vocab) in float32."""
        T = idx.size(1)
        x = self.embedded(idx)
        cos, sin = self.cos[:, :T], self.sin[:, :T]
        for block in self.blocks:
            x = block(x, cos, sin)
        return self.logits(x)

    def flops_per_token(self, ctx: int | None = None) -> int:
        """Forward FLOPs per token at context `ctx`: 2 × matrix parameters + attention + head."""
        ctx = ctx or self.cfg.ctx
        return round(blocks_flops(self.blocks, ctx, self.cfg.d_model) + self.head_flops())
