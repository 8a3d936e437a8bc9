"""Ids for schemes without a vocabulary (entropy patches, rendered patches): each distinct piece
gets the next free id the first time an adapter meets it. The ids are labels for one process,
never stored; a scheme's vocabulary size is the number of pieces met so far."""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np


class PieceLabels:
    def __init__(self) -> None:
        self._ids: dict[bytes, int] = {}
        self._pieces: list[bytes] = []
        self._lock = threading.Lock()  # analysers may call from several threads: one id per piece, ever

    def ids(self, pieces: Iterable[bytes]) -> list[int]:
        out = []
        with self._lock:
            for piece in pieces:
                if piece not in self._ids:
                    self._ids[piece] = len(self._pieces)
                    self._pieces.append(piece)
                out.append(self._ids[piece])
        return out

    def piece(self, label: int) -> bytes:
        return self._pieces[label]

    def __len__(self) -> int:
        return len(self._pieces)

    def byte_lengths(self) -> np.ndarray:
        return np.array([len(p) for p in self._pieces], dtype=np.int64)
