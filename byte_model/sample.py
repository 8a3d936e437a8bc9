"""Sampling with temperature and top-k; invalid UTF-8 is shown, not hidden."""

from __future__ import annotations

import torch

from byte_model.data import Vocabulary
from toklab.display import visible


@torch.no_grad()
def generate(model, vocab: Vocabulary, prompt_ids: list[int], max_new: int, temperature: float = 1.0,
             top_k: int | None = None, seed: int = 0) -> list[int]:
    device = next(model.parameters()).device
    generator = torch.Generator(device="cpu").manual_seed(seed)
    ids = [vocab.bos] + list(prompt_ids)
    out: list[int] = []
    for _ in range(max_new):
        context = torch.tensor([ids[-model.cfg.ctx :]], dtype=torch.long, device=device)
        # float64: a temperature beyond float32's range (1e39) must flatten the distribution, not
        # overflow to NaN and fall back to greedy sampling
        logits = model(context)[0, -1].double().cpu()
        logits[vocab.base :] = float("-inf")  # never emit specials mid-text
        if temperature <= 0:
            next_id = int(logits.argmax())
        else:
            logits = _scaled(logits, temperature)
            if top_k:
                threshold = torch.topk(logits, min(top_k, logits.numel())).values[-1]
                logits[logits < threshold] = float("-inf")
            next_id = int(torch.multinomial(torch.softmax(logits, -1), 1, generator=generator))
        ids.append(next_id)
        out.append(next_id)
    return out


def _scaled(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """logits / temperature (float64); a temperature so small that this overflows (1e-320)
    samples its limit, the most likely byte, instead of failing on NaN probabilities."""
    scaled = logits / temperature
    if torch.isfinite(scaled.max()) and not torch.isnan(scaled).any():
        return scaled
    greedy = torch.full_like(logits, float("-inf"))
    greedy[logits.argmax()] = 0.0
    return greedy


def show_bytes(data: bytes) -> str:
    """Decoded text where the bytes are valid UTF-8; each invalid byte shown as `\\xNN`, and so is
    a control character the model wrote (an ESC sequence sampled from web text would act on the
    terminal); line breaks and tabs stay."""
    return visible(data.decode("utf-8", errors="backslashreplace"), keep="\n\t")
