"""What reading a document costs a model: its forward FLOPs, and the positions its deep stack
runs on (tokens for a token model, bytes for the plain byte model, blocks of R bytes for the
fixed-rate shortening models, chunks as cut for the learned and ruled ones).

A document of n ids is read once, as a model predicting it would: the n inputs BOS, id₁ … idₙ₋₁,
in consecutive windows of at most ctx. For every model but the chunked ones the cost is n × the
model's FLOPs per id at full context (as in `flops_per_token`); a chunked model pays its byte-rate
layers at every id and its deep stack at each chunk it actually cut.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from byte_model.data import Documents, Vocabulary


def document_costs(model, docs: Documents, vocab: Vocabulary, batch_size: int = 64
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(forward FLOPs, deep positions) of every document."""
    ctx = model.cfg.ctx
    lengths = np.array([len(ids) for ids in docs.ids], dtype=np.int64)
    if hasattr(model, "boundaries"):
        positions = _chunks(model, docs, vocab, batch_size)
        windows = np.maximum(np.ceil(lengths / ctx), 1)
        per_window = float(positions.sum() / windows.sum()) if windows.sum() else 0.0
        flops = lengths * model.every_byte_flops() + positions * model.every_chunk_flops(per_window)
        return flops.astype(np.float64), positions
    if hasattr(model, "shorten"):
        rate = model.cfg.rate
        positions = np.array([sum(math.ceil(min(ctx, n - s) / rate) for s in range(0, n, ctx)) for n in lengths])
    else:
        positions = lengths
    return (lengths * float(model.flops_per_token())), positions.astype(np.int64)


@torch.no_grad()
def _chunks(model, docs: Documents, vocab: Vocabulary, batch_size: int) -> np.ndarray:
    """Chunks the model cuts each document into, window by window (padding never counted)."""
    ctx = model.cfg.ctx
    device = next(model.parameters()).device
    pieces = []
    for d, ids in enumerate(docs.ids):
        inputs = np.concatenate([[vocab.bos], ids[:-1]]) if len(ids) else np.array([], dtype=np.int64)
        pieces += [(d, inputs[s : s + ctx]) for s in range(0, len(inputs), ctx)]
    pieces.sort(key=lambda piece: len(piece[1]))  # similar lengths share a batch
    counts = np.zeros(len(docs.ids), dtype=np.int64)
    for start in range(0, len(pieces), batch_size):
        batch = pieces[start : start + batch_size]
        width = len(batch[-1][1])
        x = torch.full((len(batch), width), vocab.pad, dtype=torch.long)
        for row, (_d, inputs) in enumerate(batch):
            x[row, : len(inputs)] = torch.from_numpy(inputs.astype(np.int64))
        cuts = model.boundaries(x.to(device)).cpu().numpy()
        for row, (d, inputs) in enumerate(batch):
            counts[d] += int(cuts[row, : len(inputs)].sum())
    return counts
