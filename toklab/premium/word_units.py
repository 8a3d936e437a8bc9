"""Word-like units for fertility and continued words, found in UTF-8 bytes, vectorised.

Scripts that separate words with spaces use whitespace-delimited words. Scripts written without
spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese, Tibetan) use non-space characters (code
points) as the unit, since a word segmenter would make the number depend on its dictionary.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import polars as pl

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


def find_units(texts: Sequence[str] | pl.Series, lang: str) -> Units:
    data, doc_starts = joined_bytes(texts)
    space = SPACE_BYTES[data]
    if is_spaceless(lang):
        kind = CHAR_UNIT
        char_starts = np.flatnonzero((data & 0xC0) != 0x80)  # first byte of each code point
        char_ends = np.append(char_starts[1:], len(data))
        keep = ~space[char_starts]
        starts, ends = char_starts[keep], char_ends[keep]
    else:
        kind = WORD_UNIT
        edges = np.diff((~space).view(np.int8), prepend=np.int8(0), append=np.int8(0))  # +1 word starts, -1 ends
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    doc_of_unit = np.searchsorted(doc_starts, starts, side="right") - 1
    per_doc = np.bincount(doc_of_unit, minlength=len(doc_starts))
    return Units(kind, starts, ends, doc_of_unit, per_doc, doc_starts)


def continued_per_doc(units: Units, boundaries: np.ndarray, n_docs: int) -> np.ndarray:
    """Units with a token boundary strictly inside them, per document.

    `boundaries` are token end offsets in the same joined coordinates, sorted.
    """
    # Boundaries up to each byte offset, by a running count over the bytes: two gathers per unit
    # instead of two binary searches (the units and boundaries of a language are both ~10^5).
    size = int(max(units.ends[-1] if units.ends.size else 0, boundaries[-1] if boundaries.size else 0)) + 1
    marks = np.zeros(size, dtype=np.int8)
    marks[boundaries] = 1  # offsets are distinct: token ends strictly increase
    up_to = np.cumsum(marks, dtype=np.int32 if size < 2**31 else np.int64)  # boundaries at offsets <= k
    inside = up_to[units.ends - 1] - up_to[units.starts]  # boundaries b with start < b < end
    return np.bincount(units.doc_of_unit[inside > 0], minlength=n_docs).astype(np.int64)
