"""Word-like units for fertility and continued words, found in UTF-8 bytes, vectorised.

Scripts that separate words with spaces use whitespace-delimited words. Scripts written without
spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese, Tibetan) use non-space characters (code
points) as the unit, since a word segmenter would make the number depend on its dictionary.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from toklab.languages import is_spaceless
from toklab.token_offsets import joined_bytes

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
