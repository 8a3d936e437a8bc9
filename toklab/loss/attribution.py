"""Which pipeline stage explains each lost character (see toklab.loss.analysis for the order)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from toklab.adapters.base import Adapter
from toklab.loss.alignment import align

STAGES = ("unknown", "normalizer", "whitespace", "pretokenizer", "decoder")


class Pipeline:
    """The stages of one tokenizer that loss attribution can observe."""

    def __init__(self, adapter: Adapter):
        self.adapter = adapter
        tokenizer = getattr(adapter, "tokenizer", None)
        self.normalizer = tokenizer.normalizer if tokenizer is not None else None
        self.pre_tokenizer = tokenizer.pre_tokenizer if tokenizer is not None else None
        self.byte_ids = self._byte_fallback_ids()

    def _byte_fallback_ids(self) -> np.ndarray:
        from toklab.adapters.bytemap import byte_fallback_value

        if hasattr(self.adapter, "is_byte_piece"):
            ids = [i for i in range(self.adapter.vocab_size) if self.adapter.is_byte_piece(i)]
        elif hasattr(self.adapter, "token_string"):
            ids = [i for i in range(self.adapter.vocab_size)
                   if byte_fallback_value(self.adapter.token_string(i)) is not None]
        else:
            ids = []
        return np.asarray(ids, dtype=np.int64)

    def normalized(self, text: str) -> str:
        if self.normalizer is not None:
            return self.normalizer.normalize_str(text)
        if hasattr(self.adapter, "processor") and hasattr(self.adapter.processor, "normalize"):
            return self.adapter.processor.normalize(text)
        return text

    def uncovered_by_pretokens(self, normalized: str) -> set[int]:
        if self.pre_tokenizer is None:
            return set()
        covered = np.zeros(len(normalized), dtype=bool)
        for _piece, (start, end) in self.pre_tokenizer.pre_tokenize_str(normalized):
            covered[start:end] = True
        return set(np.flatnonzero(~covered).tolist())


def attribute(pipeline: Pipeline, text: str, lost: Sequence[int], unknown: set[int]) -> dict[str, int]:
    counts = dict.fromkeys(STAGES, 0)
    normalized = pipeline.normalized(text)
    changed = set(align(text, normalized).lost)
    unexplained = [i for i in lost if i not in unknown and i not in changed and not text[i].isspace()]
    # Pre-token offsets live in normalised coordinates; they map back only when lengths agree.
    uncovered = set()
    if unexplained and len(normalized) == len(text):
        uncovered = pipeline.uncovered_by_pretokens(normalized)
    for i in lost:
        if i in unknown:
            counts["unknown"] += 1
        elif i in changed:
            counts["normalizer"] += 1
        elif text[i].isspace():
            counts["whitespace"] += 1
        elif i in uncovered:
            counts["pretokenizer"] += 1
        else:
            counts["decoder"] += 1
    return counts
