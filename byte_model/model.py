"""A small decoder-only transformer over bytes (or any token vocabulary).

Components kept because they help at small scale: rotary position embeddings, RMSNorm,
QK-norm, squared-ReLU MLP, untied input/output embeddings, and optional hashed bigram/trigram
input embeddings (a byte model's cheapest way to see short context before attention does).
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


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.cfg.n_head, self.cfg.head_dim).unbind(2)  # (B, T, H, hd)
        if self.cfg.qk_norm:
            q, k = rms_norm(q), rms_norm(k)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        y = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))  # (B, T, C)


class MLP(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.up = nn.Linear(cfg.d_model, cfg.mlp_mult * cfg.d_model, bias=False)
        self.down = nn.Linear(cfg.mlp_mult * cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.relu(self.up(x)).square())  # squared ReLU


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.attn = Attention(cfg)
        self.mlp = MLP(cfg)
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


class Transformer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.ngrams = HashedNgrams(cfg) if cfg.ngram_buckets else None
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        if cfg.tie_embeddings:
            self.head.weight = self.embed.weight
        cos, sin = rotary_tables(cfg.ctx, cfg.head_dim)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
            if name.endswith(("proj.weight", "down.weight")):
                nn.init.zeros_(p)  # residual branches start as identity

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """idx (B, T) → logits (B, T, vocab) in float32."""
        T = idx.size(1)
        x = self.embed(idx)  # (B, T, C)
        if self.ngrams is not None:
            x = x + self.ngrams(idx)
        x = rms_norm(x)
        cos, sin = self.cos[:, :T], self.sin[:, :T]
        for block in self.blocks:
            x = block(x, cos, sin)
        return self.head(rms_norm(x)).float()

    def parameter_counts(self) -> dict[str, int]:
        embedding = sum(p.numel() for n, p in self.named_parameters() if n.startswith(("embed", "ngrams", "head")))
        total = sum(p.numel() for p in self.parameters())
        return {"total": total, "non_embedding": total - embedding}

    def flops_per_token(self, ctx: int | None = None) -> int:
        """Forward FLOPs per token: 2 × matrix parameters + attention at context `ctx`."""
        ctx = ctx or self.cfg.ctx
        matrices = self.parameter_counts()["non_embedding"] + self.cfg.d_model * self.cfg.vocab_size
        attention = 2 * self.cfg.n_layer * ctx * self.cfg.d_model  # QK^T and AV, averaged causal ≈ ctx/2 × 2
        return 2 * matrices + attention
