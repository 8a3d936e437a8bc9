"""`spm:PATH` — a SentencePiece model file.

`token_bytes` spells `▁` as a space and a `<0xNN>` byte-fallback piece as its byte, so byte
counts and boundaries line up with the text (after the dummy-prefix space SentencePiece adds).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Sequence

import numpy as np

from toklab.adapters.base import Adapter, FlatAnalysis, TokenAnalysis
from toklab.adapters.bytemap import byte_fallback_value, metaspace_bytes
from toklab.errors import CorruptFileError
from toklab.paths import not_a_file
from toklab.spec import Spec

MODEL_TYPES = {1: "unigram", 2: "bpe", 3: "wordpiece", 4: "chars"}  # sentencepiece ModelType enum


def load_processor(path: Path):
    import sentencepiece as spm

    if not path.is_file():
        raise not_a_file(path, "SentencePiece model", "give the path of a .model file after 'spm:'")
    processor = spm.SentencePieceProcessor()
    try:
        processor.LoadFromSerializedProto(path.read_bytes())
    except Exception as exc:  # sentencepiece raises RuntimeError/OSError with C++ text
        raise CorruptFileError(
            f"{path}: not a readable SentencePiece model ({str(exc).splitlines()[0][:120]}); is it truncated?"
        ) from exc
    return processor


def model_proto(path: Path):
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(path.read_bytes())
    return proto


class SentencePieceAdapter(Adapter):
    library = "sentencepiece"

    def __init__(self, spec: Spec):
        import sentencepiece

        path = Path(spec.target).expanduser()
        self.processor = load_processor(path)
        self.path = path
        self.spec = Spec(spec.scheme, str(path.resolve()), spec.params)
        self.library_version = sentencepiece.__version__
        self.vocab_size = self.processor.get_piece_size()
        self.unk_id = self.processor.unk_id()
        self._proto = model_proto(path)
        self.family = MODEL_TYPES.get(self._proto.trainer_spec.model_type, "unigram")
        self.byte_fallback = bool(self._proto.trainer_spec.byte_fallback)
        self._pieces = [self.processor.id_to_piece(i) for i in range(self.vocab_size)]

    @functools.cached_property  # hashed once: every signature names it
    def artifact_hash(self) -> str:  # type: ignore[override]
        from toklab.paths import file_sha256

        return file_sha256(self.path)

    def encode(self, text: str) -> list[int]:
        return self.processor.encode(text, out_type=int)

    def encode_batch(self, texts: Sequence[str], num_threads: int = 1) -> list[list[int]]:
        return self.processor.encode(list(texts), out_type=int, num_threads=num_threads)

    def decode(self, ids: Sequence[int]) -> str:
        return self.processor.decode(list(ids))

    def token_string(self, token_id: int) -> str:
        return self._pieces[token_id]

    def token_bytes(self, token_id: int) -> bytes:
        if self.processor.is_control(token_id):
            return b""
        if token_id == self.unk_id:
            return b""
        return metaspace_bytes(self._pieces[token_id])

    def byte_fallback_ids(self) -> np.ndarray:
        ids = [i for i in range(self.vocab_size)
               if self.processor.is_byte(i) or byte_fallback_value(self._pieces[i]) is not None]
        return np.asarray(ids, dtype=np.int64)

    # -- pipeline: SentencePiece normalises, then segments the whole normalised string itself
    # (whitespace becomes part of pieces, never dropped), so one pre-token covers the text.
    def normalize(self, text: str) -> str:
        return self.processor.normalize(text)

    def pre_tokenize(self, normalized: str) -> list[tuple[int, int]]:
        return [(0, len(normalized))]

    def piece_context(self, token_id: int) -> str:
        return "word_start" if self.token_bytes(token_id).startswith(b" ") else "continuation"

    def special_tokens(self) -> dict[str, int]:
        return {
            self._pieces[i]: i
            for i in range(self.vocab_size)
            if self.processor.is_control(i) or self.processor.is_unknown(i)
        }

    def unknown_char_counts(self, texts: Sequence[str]) -> list[int]:
        if self.unk_id < 0:
            return [0] * len(texts)
        counts = []
        for text in texts:
            proto = self.processor.encode_as_immutable_proto(text)
            raw = text.encode("utf-8")
            covered = sum(
                len(raw[p.begin : p.end].decode("utf-8", errors="replace")) for p in proto.pieces if p.id == self.unk_id
            )
            counts.append(covered)
        return counts

    def analyse(self, texts: Sequence[str], num_threads: int = 1) -> TokenAnalysis:
        ids = self.encode_batch(texts, num_threads)
        flat = self._flat(texts, ids)
        ends = np.split(flat.ends, np.cumsum(flat.counts)[:-1]) if ids else []
        return TokenAnalysis(ids, ends, flat.unk_chars.tolist())

    def analyse_flat(self, texts: Sequence[str]) -> FlatAnalysis:
        return self._flat(texts, self.encode_batch(texts))  # not via analyse: no per-text split and re-join

    def _flat(self, texts: Sequence[str], ids: list[list[int]]) -> FlatAnalysis:
        unk = [0] * len(texts) if self.byte_fallback else self.unknown_char_counts(texts)
        flat = FlatAnalysis.from_analysis(TokenAnalysis(ids, None, unk))
        flat.ends = self.flat_ends(flat)
        return flat

    def flat_ends(self, flat: FlatAnalysis) -> np.ndarray:
        """Token end offsets in each text's bytes, all texts at once: a running sum of token byte
        lengths restarted at every text. Token byte lengths include the dummy-prefix space
        SentencePiece adds before the text, so the offsets are shifted back by it."""
        prefix = 1 if self._proto.normalizer_spec.add_dummy_prefix else 0
        running = np.concatenate([[0], np.cumsum(self.byte_lengths[flat.ids])])
        first_token = np.cumsum(flat.counts) - flat.counts
        return np.maximum(running[1:] - np.repeat(running[first_token], flat.counts) - prefix, 0)

    def describe(self) -> dict:
        info = super().describe()
        norm = self._proto.normalizer_spec
        info["normalizer"] = {
            "rule": norm.name,
            "add_dummy_prefix": norm.add_dummy_prefix,
            "remove_extra_whitespaces": norm.remove_extra_whitespaces,
        }
        info["pre_tokenizer"] = "whitespace as ▁ (SentencePiece)"
        info["byte_fallback"] = self.byte_fallback
        return info
