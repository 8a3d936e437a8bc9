"""The one small surface every tokenizer adapter offers.

`encode(text)` never adds special tokens, never pads, never truncates. `token_bytes(id)` is the
token's exact byte string (a fragment of a character stays a fragment). `analyse(texts)` gives ids,
token end offsets and unknown-character coverage in one pass.

The pipeline capabilities analyzers need are methods here, so no analyzer looks inside an
adapter: `normalize`, `pre_tokenize`, `pre_tokenizer_pattern`, `token_string`, `byte_fallback_ids`
and `piece_context`. An adapter that cannot answer `normalize` or `pre_tokenize` raises
`NotMeasurable`, and analyzers report "not measurable for this tokenizer" instead of a verdict.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Sequence

import numpy as np

from toklab.errors import ToklabError
from toklab.signature import Signature
from toklab.spec import Spec

FAMILIES = ("bpe", "wordpiece", "unigram", "bytes", "chars", "patches")  # patches: cut from text, no vocabulary


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


@dataclasses.dataclass
class FlatAnalysis:
    """One batch as flat arrays, for analyzers that work on a whole language at numpy speed.

    `ids` holds every token id of every text in order, `counts` the tokens per text; `ends` the
    token end offsets, each in its own text's UTF-8 bytes (None: derive them from token byte
    lengths, as in TokenAnalysis); `unk_chars` the characters under unknown tokens per text.
    """

    ids: np.ndarray
    counts: np.ndarray
    ends: np.ndarray | None
    unk_chars: np.ndarray

    @classmethod
    def from_analysis(cls, analysis: TokenAnalysis) -> "FlatAnalysis":
        counts = np.fromiter(map(len, analysis.ids), dtype=np.int64, count=len(analysis.ids))
        ids = np.fromiter(itertools.chain.from_iterable(analysis.ids), dtype=np.int64, count=int(counts.sum()))
        ends = None
        if analysis.ends is not None:
            ends = np.concatenate(analysis.ends).astype(np.int64) if analysis.ends else np.zeros(0, np.int64)
        return cls(ids, counts, ends, np.asarray(analysis.unk_chars, dtype=np.int64))

    @classmethod
    def joined(cls, parts: Sequence["FlatAnalysis"]) -> "FlatAnalysis":
        """Consecutive batches as one (the chunks one language was split into for threads)."""
        if len(parts) == 1:
            return parts[0]
        ends = None if parts[0].ends is None else np.concatenate([p.ends for p in parts])
        return cls(np.concatenate([p.ids for p in parts]), np.concatenate([p.counts for p in parts]), ends,
                   np.concatenate([p.unk_chars for p in parts]))


class NotMeasurable(ToklabError):
    """The adapter does not expose a pipeline stage an analysis asked about."""


class Adapter:
    spec: Spec
    family: str
    vocab_size: int
    artifact_hash: str | None = None
    library: str = "toklab"
    library_version: str = ""
    package: str = ""  # "distribution version" when the file comes from a PyPI package (pkg:NAME)

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
    def signature(self) -> Signature:
        return Signature.of(
            ("tok", self.spec.canonical), ("family", self.family), ("vocab", self.vocab_size),
            ("sha256", self.artifact_hash[:16]) if self.artifact_hash else None,
            (self.library, self.library_version) if self.library_version else None,
            ("package", self.package.replace(" ", "@")) if self.package else None)

    @property
    def code_modules(self) -> tuple[str, ...]:
        """The lab's modules that make this adapter's answers (its class and its bases): part of the
        cache key of every result computed with it."""
        # every class of the lab's, plugins' too (the byte model's entropy patches live in byte_model)
        return tuple(cls.__module__ for cls in type(self).__mro__ if cls is not object)

    def describe(self) -> dict:
        """Facts for `toklab tokenizers show`; adapters add their pipeline details."""
        return {
            "spec": self.spec.canonical,
            "family": self.family,
            "vocab_size": self.vocab_size,
            "artifact_sha256": self.artifact_hash,
            "library": f"{self.library} {self.library_version}".strip(),
            "package": self.package or None,
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

    def fallback_char_counts(self, texts: Sequence[str]) -> list[int] | None:
        """Characters of each text drawn by a fallback font (rendering schemes); None for schemes
        that draw nothing."""
        return None

    def analyse(self, texts: Sequence[str], num_threads: int = 1) -> TokenAnalysis:
        ids = self.encode_batch(texts, num_threads)
        return TokenAnalysis(ids, None, self.unknown_char_counts(texts))

    def analyse_flat(self, texts: Sequence[str]) -> FlatAnalysis:
        """`analyse` as flat arrays; adapters whose encoder can hand over arrays override it."""
        return FlatAnalysis.from_analysis(self.analyse(texts))

    @functools.cached_property
    def byte_lengths(self) -> np.ndarray:
        """Length in bytes of every token id (used to place token boundaries cheaply)."""
        return np.array([len(self.token_bytes(i)) for i in range(self.vocab_size)], dtype=np.int64)

    # -- pipeline capabilities ----------------------------------------------------------------
    def normalize(self, text: str) -> str:
        """The text as the normaliser leaves it (identity for schemes without one)."""
        raise NotMeasurable(f"{self.name}: this adapter does not expose its normaliser")

    def pre_tokenize(self, normalized: str) -> list[tuple[int, int]]:
        """Character spans of the pre-tokens of an already normalised text (the whole text when
        the scheme has no pre-tokenizer)."""
        raise NotMeasurable(f"{self.name}: this adapter does not expose its pre-tokenizer")

    def pre_tokenizer_pattern(self) -> str | None:
        """The split regex, for schemes that pre-tokenize with one."""
        return None

    def token_string(self, token_id: int) -> str | None:
        """The vocabulary's own spelling of an id (HF token, SentencePiece piece); None where a
        token has no spelling but its bytes."""
        return None

    def byte_fallback_ids(self) -> np.ndarray:
        """Ids of `<0xNN>` byte-fallback pieces; none for byte-level and byte-free schemes (the
        HF and SentencePiece adapters, whose vocabularies can hold them, override this)."""
        return np.zeros(0, dtype=np.int64)

    def piece_context(self, token_id: int) -> str:
        """Where a vocabulary entry can occur: `whole` (anywhere its bytes stand alone),
        `word_start` (a SentencePiece piece whose leading space the encoder adds itself) or
        `continuation` (only inside a word: WordPiece `##x`, SentencePiece pieces without `▁`)."""
        return "whole"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec.canonical}>"
