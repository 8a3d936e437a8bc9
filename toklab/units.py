"""Word-like units for fertility and continued words, found in UTF-8 bytes, vectorised.

Scripts that separate words with spaces use whitespace-delimited words. Scripts written without
spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese, Tibetan) use non-space characters (code
points) as the unit, since a word segmenter would make the number depend on its dictionary.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from toklab.languages import is_spaceless

SPACE_BYTES = np.zeros(256, dtype=bool)
SPACE_BYTES[[0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]] = True
WORD_UNIT, CHAR_UNIT = "whitespace_word", "char"


@dataclasses.dataclass(frozen=True)
class Units:
    """Unit spans over the texts joined with one `\\n` separator (so units never straddle)."""

    kind: str
    starts: np.ndarray  # byte offset where each unit starts
    ends: np.ndarray  # byte offset just past each unit
    doc_of_unit: np.ndarray  # document index of each unit
    per_doc: np.ndarray  # units in each document
    doc_starts: np.ndarray  # byte offset where each document starts


def joined_bytes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [t.encode("utf-8") for t in texts]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    doc_starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]) if len(encoded) else np.zeros(0, np.int64)
    return np.frombuffer(b"\n".join(encoded), dtype=np.uint8), doc_starts


def global_boundaries(adapter, analysis, flat: np.ndarray, doc_starts: np.ndarray) -> np.ndarray:
    """Token end offsets in the coordinates of the texts joined with one `\\n` (see units.joined_bytes)."""
    if analysis.ends is None:
        lengths = np.array([len(d) for d in analysis.ids], dtype=np.int64)
        doc_of_token = np.repeat(np.arange(len(lengths)), lengths)
        return np.cumsum(adapter.byte_lengths[flat]) + doc_of_token  # one separator byte per earlier doc
    parts = [ends + start for ends, start in zip(analysis.ends, doc_starts)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def find_units(texts: list[str], lang: str) -> Units:
    data, doc_starts = joined_bytes(texts)
    space = SPACE_BYTES[data]
    if is_spaceless(lang):
        kind = CHAR_UNIT
        lead = (data & 0xC0) != 0x80  # first byte of each code point
        char_starts = np.flatnonzero(lead)
        char_ends = np.append(char_starts[1:], len(data))
        keep = ~space[char_starts]
        starts, ends = char_starts[keep], char_ends[keep]
    else:
        kind = WORD_UNIT
        word = ~space
        prev = np.concatenate([[False], word[:-1]])
        nxt = np.concatenate([word[1:], [False]])
        starts = np.flatnonzero(word & ~prev)
        ends = np.flatnonzero(word & ~nxt) + 1
    doc_of_unit = np.searchsorted(doc_starts, starts, side="right") - 1
    per_doc = np.bincount(doc_of_unit, minlength=len(texts))
    return Units(kind, starts, ends, doc_of_unit, per_doc, doc_starts)


def continued_per_doc(units: Units, boundaries: np.ndarray, n_docs: int) -> np.ndarray:
    """Units with a token boundary strictly inside them, per document.

    `boundaries` are token end offsets in the same joined coordinates, sorted.
    """
    inside = np.searchsorted(boundaries, units.ends, side="left") - np.searchsorted(
        boundaries, units.starts, side="right"
    )
    return np.bincount(units.doc_of_unit[inside > 0], minlength=n_docs).astype(np.int64)
