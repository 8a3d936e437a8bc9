"""Schemes without a vocabulary (entropy patches, rendered patches): each distinct piece gets the
next free id the first time an adapter meets it. The ids are labels for one process, never
stored; a scheme's vocabulary size is the number of pieces met so far."""

from __future__ import annotations

import threading
from collections.abc import Iterable

import numpy as np

from toklab.adapters.base import Adapter


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


class PatchAdapter(Adapter):
    """An adapter that cuts text into patches: subclasses give `analyse` (ids from `self.labels`,
    patch ends, unknown characters); encoding, piece bytes and the identity pipeline are here."""

    family = "patches"

    def __init__(self) -> None:
        self.labels = PieceLabels()

    def encode_batch(self, texts, num_threads: int = 1) -> list[list[int]]:
        return self.analyse(texts).ids

    def encode(self, text: str) -> list[int]:
        return self.encode_batch([text])[0]

    def token_bytes(self, token_id: int) -> bytes:
        return self.labels.piece(token_id)

    @property
    def vocab_size(self) -> int:  # the pieces met so far: a label count, not a vocabulary
        return len(self.labels)

    @property
    def byte_lengths(self) -> np.ndarray:
        return self.labels.byte_lengths()

    def normalize(self, text: str) -> str:
        return text

    def pre_tokenize(self, normalized: str) -> list[tuple[int, int]]:
        return [(0, len(normalized))]
