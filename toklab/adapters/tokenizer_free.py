"""Tokenizer-free schemes: one token per UTF-8 byte (ByT5) or per code point (CANINE)."""

from __future__ import annotations

from typing import Sequence

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
