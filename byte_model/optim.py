"""Muon for hidden weight matrices (orthogonalised momentum), AdamW for everything else.

Muon (Jordan et al., 2024) replaces each 2-D update by the nearest semi-orthogonal matrix,
computed with a quintic Newton-Schulz iteration; embeddings, norms and the output head stay on
AdamW, as is standard.
"""

from __future__ import annotations

import torch


@torch.no_grad()
def newton_schulz(g: torch.Tensor, steps: int = 5) -> torch.Tensor:
    a, b, c = 3.4445, -4.7750, 2.0315
    x = g.float()
    x = x / (x.norm() + 1e-7)
    transposed = x.size(0) > x.size(1)
    if transposed:
        x = x.T
    for _ in range(steps):
        s = x @ x.T
        x = a * x + (b * s + c * s @ s) @ x
    return x.T if transposed else x


class Muon(torch.optim.Optimizer):
    def __init__(self, params, lr: float = 0.02, momentum: float = 0.95):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                buf = state.setdefault("momentum", torch.zeros_like(p.grad))
                buf.mul_(group["momentum"]).add_(p.grad)
                update = p.grad.add(buf, alpha=group["momentum"])  # Nesterov
                ortho = newton_schulz(update).to(p.dtype)
                scale = max(1.0, p.size(0) / p.size(1)) ** 0.5
                p.add_(ortho, alpha=-group["lr"] * scale)


def build_optimizers(model: torch.nn.Module, optimizer: str, lr: float, muon_lr: float, weight_decay: float):
    matrices, others = [], []
    for name, p in model.named_parameters():
        hidden_matrix = p.dim() == 2 and name.startswith("blocks.")
        (matrices if hidden_matrix and optimizer == "muon" else others).append(p)
    optimizers = [torch.optim.AdamW(others, lr=lr, betas=(0.9, 0.95), weight_decay=weight_decay, eps=1e-10)]
    if matrices:
        optimizers.append(Muon(matrices, lr=muon_lr))
    return optimizers
