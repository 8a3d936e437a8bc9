"""Which pipeline stage explains each lost character (see toklab.loss.analysis for the order)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toklab.adapters.base import Adapter, NotMeasurable
from toklab.loss.alignment import align

STAGES = ("unknown", "normalizer", "whitespace", "pretokenizer", "decoder")
# Stages that need the normaliser and pre-tokenizer; null for an adapter that exposes neither.
PIPELINE_STAGES = STAGES[1:]


class Pipeline:
    """The stages of one tokenizer that loss attribution can observe, through the adapter contract."""

    def __init__(self, adapter: Adapter):
        self.adapter = adapter
        self.byte_ids = adapter.byte_fallback_ids()
        self.observable = self._observable()

    def _observable(self) -> bool:
        """False for an adapter that exposes no normaliser or pre-tokenizer: its lost characters are
        then reported as not attributable, never guessed into a stage."""
        try:
            self.adapter.pre_tokenize(self.adapter.normalize("a b"))
        except NotMeasurable:
            return False
        return True

    def uncovered_by_pretokens(self, normalized: str) -> set[int]:
        covered = np.zeros(len(normalized), dtype=bool)
        for start, end in self.adapter.pre_tokenize(normalized):
            covered[start:end] = True
        return set(np.flatnonzero(~covered).tolist())


def attribute(pipeline: Pipeline, text: str, lost: Sequence[int], unknown: set[int]) -> dict[str, int]:
    counts = dict.fromkeys(STAGES, 0)
    if not pipeline.observable:
        counts["unknown"] = sum(1 for i in lost if i in unknown)
        return counts
    normalized = pipeline.adapter.normalize(text)
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
