"""One evaluation stream per language: the tail of that language's context text (dev), then its
test documents in order, each behind a BOS — the same layout the model trained on.

Only the documents' own ids are counted (never the context tail, never the BOS symbols), so
every protocol scores exactly the ids — and divides by exactly the bytes — that `isolated` does.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from byte_model.data import Documents, Vocabulary


@dataclasses.dataclass(frozen=True)
class LanguageStream:
    lang: str
    ids: np.ndarray  # context tail, then BOS doc BOS doc …
    doc_of: np.ndarray  # per position: the document (index into Documents) this id belongs to; -1: not counted

    @property
    def first_counted(self) -> int:
        counted = np.flatnonzero(self.doc_of >= 0)
        return int(counted[0]) if counted.size else len(self.ids)


def context_tail(context_ids: list[np.ndarray], vocab: Vocabulary, length: int) -> np.ndarray:
    """The last `length` ids of a language's context documents laid out as in training."""
    parts: list[np.ndarray] = []
    total = 0
    for ids in reversed(context_ids):
        parts[:0] = [np.array([vocab.bos], dtype=np.int64), ids]
        total += len(ids) + 1
        if total >= length:
            break
    joined = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return joined[len(joined) - min(length, len(joined)):]


def language_streams(docs: Documents, vocab: Vocabulary, context: dict[str, list[np.ndarray]] | None,
                     tail: int) -> list[LanguageStream]:
    """Streams in the order languages first appear in `docs`; documents keep their order."""
    by_lang: dict[str, list[int]] = {}
    for index, lang in enumerate(docs.langs):
        by_lang.setdefault(lang, []).append(index)
    streams = []
    for lang, indices in by_lang.items():
        prefix = context_tail((context or {}).get(lang, []), vocab, tail)
        ids, owner = [prefix], [np.full(len(prefix), -1, dtype=np.int64)]
        for index in indices:
            ids += [np.array([vocab.bos], dtype=np.int64), docs.ids[index]]
            owner += [np.array([-1], dtype=np.int64), np.full(len(docs.ids[index]), index, dtype=np.int64)]
        streams.append(LanguageStream(lang, np.concatenate(ids), np.concatenate(owner)))
    return streams


@dataclasses.dataclass(frozen=True)
class Window:
    """Inputs ids[start:stop] predict ids[start+1:stop+1]; targets from position `new_from` on
    are scored here for the first time (earlier ones only give context)."""

    start: int
    stop: int
    new_from: int


def stream_windows(n: int, first: int, ctx: int, stride: int) -> list[Window]:
    """Windows scoring target positions first..n-1 once each, `stride` new targets per window,
    every target seeing up to `ctx` previous ids (at least ctx - stride once the stream allows)."""
    out, position = [], max(first, 1)
    while position < n:
        high = min(position + stride, n)  # score target positions [position, high)
        start = max(0, high - 1 - ctx)
        out.append(Window(start, high - 1, position))
        position = high
    return out


def per_document_bits(streams: list[LanguageStream], bits: list[np.ndarray], n_docs: int) -> np.ndarray:
    """Sum per-position bits into per-document bits (positions that are not counted are ignored)."""
    total = np.zeros(n_docs, dtype=np.float64)
    for stream, values in zip(streams, bits):
        counted = stream.doc_of >= 0
        np.add.at(total, stream.doc_of[counted], values[counted])
    return total
