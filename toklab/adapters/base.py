"""The one small surface every tokenizer adapter offers.

`encode(text)` never adds special tokens, never pads, never truncates. `token_bytes(id)` is the
token's exact byte string (a fragment of a character stays a fragment). Analyzers may also ask for
`unknown_spans` (character spans covered by unknown tokens) and `boundaries` (byte offsets where
tokens end), both with exact defaults for lossless byte-level schemes.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Sequence

import numpy as np

from toklab.spec import Spec

FAMILIES = ("bpe", "wordpiece", "unigram", "bytes", "chars")


@dataclasses.dataclass
class TokenAnalysis:
    """What analyzers need from one batch: ids, where tokens end, and unknown coverage.

    `ends[i]` holds the UTF-8 byte offsets in text i where its tokens end; None means "derive
    them from token byte lengths" (exact for lossless byte-level schemes, and cheap).
    """

    ids: list[list[int]]
    ends: list[np.ndarray] | None
    unk_chars: list[int]
    unk_positions: list[set[int]] | None = None  # character positions under unknown tokens, when known


class Adapter:
    spec: Spec
    family: str
    vocab_size: int
    artifact_hash: str | None = None
    library: str = "toklab"
    library_version: str = ""

    # -- the core surface -------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        raise NotImplementedError

    def encode_batch(self, texts: Sequence[str], num_threads: int = 1) -> list[list[int]]:
        return [self.encode(t) for t in texts]

    def decode(self, ids: Sequence[int]) -> str:
        return b"".join(self.token_bytes(i) for i in ids).decode("utf-8", errors="replace")

    def token_bytes(self, token_id: int) -> bytes:
        raise NotImplementedError

    # -- descriptive --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.spec.canonical

    @property
    def signature(self) -> str:
        parts = [f"tok:{self.spec.canonical}", f"family:{self.family}", f"vocab:{self.vocab_size}"]
        if self.artifact_hash:
            parts.append(f"sha256:{self.artifact_hash[:16]}")
        if self.library_version:
            parts.append(f"{self.library}:{self.library_version}")
        return "|".join(parts)

    def describe(self) -> dict:
        """Facts for `toklab tokenizers show`; adapters add their pipeline details."""
        return {
            "spec": self.spec.canonical,
            "family": self.family,
            "vocab_size": self.vocab_size,
            "artifact_sha256": self.artifact_hash,
            "library": f"{self.library} {self.library_version}".strip(),
            "special_tokens": self.special_tokens(),
            "byte_fallback": False,
            "normalizer": None,
            "pre_tokenizer": None,
            "signature": self.signature,
        }

    def special_tokens(self) -> dict[str, int]:
        return {}

    # -- exact analysis hooks -----------------------------------------------------------------
    def unknown_char_counts(self, texts: Sequence[str]) -> list[int]:
        """Characters of each text covered by unknown tokens (exact, from offsets)."""
        return [0] * len(texts)

    def analyse(self, texts: Sequence[str], num_threads: int = 1) -> TokenAnalysis:
        ids = self.encode_batch(texts, num_threads)
        return TokenAnalysis(ids, None, self.unknown_char_counts(texts))

    @functools.cached_property
    def byte_lengths(self) -> np.ndarray:
        """Length in bytes of every token id (used to place token boundaries cheaply)."""
        return np.array([len(self.token_bytes(i)) for i in range(self.vocab_size)], dtype=np.int64)

    def boundaries(self, text: str, ids: Sequence[int]) -> np.ndarray:
        """UTF-8 byte offsets in `text` where tokens end (the last equals len(bytes))."""
        return np.cumsum(self.byte_lengths[np.asarray(ids, dtype=np.int64)])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec.canonical}>"
