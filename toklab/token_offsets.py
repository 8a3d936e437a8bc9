"""Token end offsets over many texts joined with one `\\n` separator, as flat numpy arrays.

Joining lets every analyzer place token boundaries and word units for a whole language at once
(cumsum/searchsorted) instead of per document; the separator keeps units from straddling documents.
"""

from __future__ import annotations

import numpy as np


def joined_bytes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [t.encode("utf-8") for t in texts]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    doc_starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]) if len(encoded) else np.zeros(0, np.int64)
    return np.frombuffer(b"\n".join(encoded), dtype=np.uint8), doc_starts


def global_boundaries(adapter, analysis, flat: np.ndarray, doc_starts: np.ndarray) -> np.ndarray:
    """Token end offsets in the coordinates of the texts joined with one `\\n` (see joined_bytes)."""
    if analysis.ends is None:
        lengths = np.array([len(d) for d in analysis.ids], dtype=np.int64)
        doc_of_token = np.repeat(np.arange(len(lengths)), lengths)
        return np.cumsum(adapter.byte_lengths[flat]) + doc_of_token  # one separator byte per earlier doc
    parts = [ends + start for ends, start in zip(analysis.ends, doc_starts)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)
