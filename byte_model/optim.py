"""Muon for hidden weight matrices (orthogonalised momentum), AdamW for everything else.

Muon (Jordan et al., 2024) replaces each 2-D update by the nearest semi-orthogonal matrix,
computed with a quintic Newton-Schulz iteration; embeddings, norms and the output head stay on
AdamW, as is standard.
"""

from __future__ import annotations

import torch

from byte_model.model import EMBEDDING_PREFIXES


@torch.no_grad()
def newton_schulz(g: torch.Tensor, steps: int = 5) -> torch.Tensor:
    """Orthogonalise a stack of matrices (k, m, n) at once (or one matrix (m, n)).

    bf16 on GPU (the iteration is robust to it, and it is where the time goes); float32 on CPU,
    where bf16 matmuls are slower than float32 (measured in `toklab byte bench`)."""
    a, b, c = 3.4445, -4.7750, 2.0315
    x = g.bfloat16() if g.is_cuda else g.float()
    x = x / (x.norm(dim=(-2, -1), keepdim=True) + 1e-7)
    transposed = x.size(-2) > x.size(-1)
    if transposed:
        x = x.mT
    for _ in range(steps):
        s = x @ x.mT
        x = a * x + (b * s + c * s @ s) @ x
    return x.mT if transposed else x


_compiled: dict[str, object] = {}


def orthogonalise(stack: torch.Tensor) -> torch.Tensor:
    """newton_schulz, compiled once per process on GPU (it fuses the elementwise work)."""
    if not stack.is_cuda:
        return newton_schulz(stack)
    if "cuda" not in _compiled:
        _compiled["cuda"] = torch.compile(newton_schulz)
    return _compiled["cuda"](stack)


class Muon(torch.optim.Optimizer):
    """Nesterov momentum, orthogonalised. Matrices of the same shape are orthogonalised in one
    batched Newton-Schulz call: one launch per shape instead of one per matrix."""

    def __init__(self, params, lr: float = 0.02, momentum: float = 0.95):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            by_shape: dict[tuple[int, ...], list[torch.Tensor]] = {}
            for p in group["params"]:
                if p.grad is not None:
                    by_shape.setdefault(tuple(p.shape), []).append(p)
            for shape, params in by_shape.items():
                updates = []
                for p in params:
                    buf = self.state[p].setdefault("momentum", torch.zeros_like(p.grad))
                    buf.mul_(group["momentum"]).add_(p.grad)
                    updates.append(p.grad.add(buf, alpha=group["momentum"]))  # Nesterov
                ortho = orthogonalise(torch.stack(updates))
                scale = max(1.0, shape[0] / shape[1]) ** 0.5
                torch._foreach_add_(params, list(ortho.to(params[0].dtype).unbind(0)), alpha=-group["lr"] * scale)


def build_optimizers(model: torch.nn.Module, optimizer: str, lr: float, muon_lr: float, weight_decay: float):
    matrices, others = [], []
    for name, p in model.named_parameters():
        # Muon for matrices that map a hidden vector to another (every block, the downsampling);
        # not for embeddings, the head, or a single-row scoring vector
        hidden_matrix = p.dim() == 2 and min(p.shape) > 1 and not name.startswith(EMBEDDING_PREFIXES)
        (matrices if hidden_matrix and optimizer == "muon" else others).append(p)
    optimizers = [torch.optim.AdamW(others, lr=lr, betas=(0.9, 0.95), weight_decay=weight_decay, eps=1e-10)]
    if matrices:
        optimizers.append(Muon(matrices, lr=muon_lr))
    return optimizers
