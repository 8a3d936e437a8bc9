"""Tokenizer-free schemes: one token per UTF-8 byte (ByT5) or per code point (CANINE)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from toklab.adapters.base import Adapter, FlatAnalysis
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

    def analyse_flat(self, texts: Sequence[str]) -> FlatAnalysis:
        # The ids are the bytes: one buffer, no Python int per byte (it was 95 % of a bytes audit).
        encoded = [text.encode("utf-8") for text in texts]
        counts = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        ids = np.frombuffer(b"".join(encoded), dtype=np.uint8).astype(np.uint32)
        return FlatAnalysis(ids, counts, None, np.zeros(len(counts), dtype=np.int64))

    def token_bytes(self, token_id: int) -> bytes:
        return bytes([token_id])

    def normalize(self, text: str) -> str:
        return text

    def pre_tokenize(self, normalized: str) -> list[tuple[int, int]]:
        return [(0, len(normalized))]


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

    def normalize(self, text: str) -> str:
        return text

    def pre_tokenize(self, normalized: str) -> list[tuple[int, int]]:
        return [(0, len(normalized))]
