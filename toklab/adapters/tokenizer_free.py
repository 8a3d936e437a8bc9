"""Tokenizer-free schemes: one token per UTF-8 byte (ByT5) or per code point (CANINE)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from toklab.adapters.base import Adapter
from toklab.spec import Spec

UNICODE_SIZE = 0x110000


class Utf8BytesAdapter(Adapter):
    """`bytes:utf8` — ids 0..255 are the byte values themselves."""

    family = "bytes"
    vocab_size = 256

    def __init__(self, spec: Spec):
        self.spec = spec

    def encode(self, text: str) -> list[int]:
        return list(text.encode("utf-8"))

    def decode(self, ids: Sequence[int]) -> str:
        return bytes(ids).decode("utf-8", errors="replace")

    def token_bytes(self, token_id: int) -> bytes:
        return bytes([token_id])

    def boundaries(self, text: str, ids: Sequence[int]) -> np.ndarray:
        return np.arange(1, len(ids) + 1, dtype=np.int64)


class CodePointAdapter(Adapter):
    """`chars:unicode` — the id is the code point (surrogates excluded from text by Python)."""

    family = "chars"
    vocab_size = UNICODE_SIZE

    def __init__(self, spec: Spec):
        self.spec = spec

    def encode(self, text: str) -> list[int]:
        return [ord(c) for c in text]

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(map(chr, ids))

    def token_bytes(self, token_id: int) -> bytes:
        return chr(token_id).encode("utf-8", errors="surrogatepass")

    def boundaries(self, text: str, ids: Sequence[int]) -> np.ndarray:
        widths = [1 if i < 0x80 else 2 if i < 0x800 else 3 if i < 0x10000 else 4 for i in ids]
        return np.cumsum(np.asarray(widths, dtype=np.int64))
