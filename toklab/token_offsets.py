"""Token end offsets over many texts joined with one `\\n` separator, as flat numpy arrays.

Joining lets every analyzer place token boundaries and word units for a whole language at once
(cumsum/searchsorted) instead of per document; the separator keeps units from straddling documents.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl


def joined_bytes(texts: Sequence[str] | pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The texts' UTF-8 joined with `\\n`, and where each text starts (joined in Rust by polars:
    no Python `str.encode` per text)."""
    series = texts if isinstance(texts, pl.Series) else pl.Series(list(texts), dtype=pl.Utf8)
    if series.len() == 0:
        return np.zeros(0, np.uint8), np.zeros(0, np.int64)
    lengths = series.str.len_bytes().to_numpy().astype(np.int64)
    doc_starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    data = series.str.join("\n").cast(pl.Binary).item()
    return np.frombuffer(data, dtype=np.uint8), doc_starts


def global_boundaries(adapter, flat, doc_starts: np.ndarray) -> np.ndarray:
    """Token end offsets in the coordinates of the texts joined with one `\\n` (see joined_bytes),
    from a FlatAnalysis: its own offsets, or else the tokens' byte lengths."""
    if flat.ends is None:
        lengths = adapter.byte_lengths.astype(np.int32, copy=False)[flat.ids]  # int32: half the memory traffic
        # one separator byte per earlier document: added to the first token after each separator
        first_tokens = np.cumsum(flat.counts)[:-1]
        np.add.at(lengths, first_tokens[first_tokens < lengths.size], 1)
        return np.cumsum(lengths, dtype=np.int64)
    return flat.ends + doc_starts[np.repeat(np.arange(flat.counts.size), flat.counts)]
