"""`hf:PATH` (a tokenizer.json or a directory holding one) and `hf:ORG/REPO` (the hub).

Padding and truncation are always switched off (many published files ship with both on), and
special tokens are added only when the spec says `specials=1`.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np
import polars as pl

from toklab.adapters.base import Adapter, FlatAnalysis, TokenAnalysis
from toklab.adapters.bytemap import byte_fallback_value, byte_level_bytes
from toklab.adapters.rust_errors import PROBE, library_failures
from toklab.errors import CorruptFileError, MissingFileError
from toklab.paths import not_a_file
from toklab.spec import Spec
from toklab.token_offsets import joined_bytes

MODEL_FAMILIES = {"BPE": "bpe", "WordPiece": "wordpiece", "Unigram": "unigram", "WordLevel": "wordpiece"}


def _resolve_local(target: str) -> Path | None:
    path = Path(target).expanduser()
    if path.is_dir():
        path = path / "tokenizer.json"
        if not path.is_file():
            raise not_a_file(path, "tokenizer file", "hf: needs a tokenizer.json or a directory holding one")
        return path
    if path.is_file():
        return path
    return None


def _looks_like_repo(target: str) -> bool:
    parts = target.split("/")
    return len(parts) == 2 and all(parts) and not target.startswith((".", "~")) and not target.endswith(".json")


def _load_file(path: Path):
    from tokenizers import Tokenizer

    try:
        json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CorruptFileError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "is the file truncated?"
        ) from exc
    except UnicodeDecodeError as exc:
        raise CorruptFileError(f"{path}: not UTF-8 text at byte offset {exc.start}") from exc
    try:
        with library_failures(path, "tokenizers"):  # a panic is a BaseException: not caught below
            tokenizer = Tokenizer.from_file(str(path))
    except CorruptFileError:
        raise
    except Exception as exc:  # tokenizers raises a bare Exception on a bad schema
        raise CorruptFileError(f"{path}: not a tokenizers JSON file ({str(exc).splitlines()[0][:200]})") from exc
    with library_failures(path, "tokenizers", catch_errors=True):  # e.g. a WordPiece whose [UNK] is missing
        tokenizer.encode(PROBE)
    _refuse_shared_ids(tokenizer, path)
    return tokenizer


def _refuse_shared_ids(tokenizer, path: Path) -> None:
    """Two tokens of the model's vocabulary with one id: decoding that id would spell only one of
    them, and counts of the other would be silently wrong."""
    seen: dict[int, str] = {}
    for token, token_id in tokenizer.get_vocab(with_added_tokens=False).items():
        if token_id in seen:
            raise CorruptFileError(f"{path}: id {token_id} is given to two tokens ({seen[token_id]!r} and {token!r}); "
                                   "each id names one token — the file is damaged, use the one shipped with the model")
        seen[token_id] = token


def _load_hub(repo: str):
    import warnings

    from tokenizers import Tokenizer

    # Not silent: ORG/REPO and a relative path look alike, and a mistyped path must not turn
    # into a network request without a word.
    if os.environ.get("HF_HUB_OFFLINE", "0") in ("0", "", "false"):
        warnings.warn(f"hf:{repo}: no such local path (relative to {Path.cwd()}); reading {repo} from the "
                      "Hugging Face hub", stacklevel=2)
    try:
        return Tokenizer.from_pretrained(repo)
    except Exception as exc:
        raise MissingFileError(
            f"hf:{repo} is neither a local path (relative to {Path.cwd()}) nor a hub repository that could be "
            f"fetched ({_first_sentence(str(exc))}); give an existing tokenizer.json or model directory, or, "
            "for the hub, go online or set HF_HOME to a cache that holds it"
        ) from None


def _first_sentence(message: str) -> str:
    """The first sentence of a library's message, whole (never cut mid-word)."""
    first = message.strip().splitlines()[0] if message.strip() else "no reason given"
    return first.split(". ")[0].rstrip(".")


class HFAdapter(Adapter):
    library = "tokenizers"

    def __init__(self, spec: Spec):
        import tokenizers

        local = _resolve_local(spec.target)
        if local is None and not _looks_like_repo(spec.target):
            raise not_a_file(Path(spec.target).expanduser(), "tokenizer file",
                             "hf: needs a tokenizer.json, a directory holding one, or ORG/REPO")
        self.tokenizer = _load_file(local) if local else _load_hub(spec.target)
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.add_special = spec.get("specials", "0") == "1"
        target = str(local.resolve()) if local else spec.target
        self.spec = Spec(spec.scheme, target, spec.params).without_defaults({"specials": "0"})
        self._local = local
        self.library_version = tokenizers.__version__
        self.config = json.loads(self.tokenizer.to_str())
        self.model_type = self.config["model"]["type"]
        self.family = MODEL_FAMILIES.get(self.model_type, "bpe")
        self.vocab_size = self.tokenizer.get_vocab_size(with_added_tokens=True)
        self._vocab = {i: t for t, i in self.tokenizer.get_vocab(with_added_tokens=True).items()}
        self.unk_id = self._find_unk()
        self._byte_level = "ByteLevel" in json.dumps(self.config.get("decoder")) or "ByteLevel" in json.dumps(
            self.config.get("pre_tokenizer")
        )
        self._specials = {t.content: i for i, t in self.tokenizer.get_added_tokens_decoder().items() if t.special}

    def _find_unk(self) -> int | None:
        unk = self.config["model"].get("unk_token")
        if self.model_type == "Unigram":
            unk_id = self.config["model"].get("unk_id")
            return unk_id if unk_id is not None else None
        return self.tokenizer.token_to_id(unk) if unk else None

    @functools.cached_property  # hashed once: every signature names it
    def artifact_hash(self) -> str:  # type: ignore[override]
        from toklab.paths import file_sha256, short_hash

        return file_sha256(self._local) if self._local else short_hash(self.tokenizer.to_str(), 64)

    # -- surface ------------------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=self.add_special).ids

    def encode_batch(self, texts: Sequence[str], num_threads: int = 1) -> list[list[int]]:
        encodings = self.tokenizer.encode_batch_fast(list(texts), add_special_tokens=self.add_special)
        return [e.ids for e in encodings]

    def encode_with_offsets(self, texts: Sequence[str]):
        return self.tokenizer.encode_batch(list(texts), add_special_tokens=self.add_special)

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=False)

    def token_string(self, token_id: int) -> str:
        return self._vocab.get(token_id, "")

    # -- pipeline: the tokenizer's own normaliser and pre-tokenizer, when it has them ----------
    def normalize(self, text: str) -> str:
        normalizer = self.tokenizer.normalizer
        return normalizer.normalize_str(text) if normalizer is not None else text

    def pre_tokenize(self, normalized: str) -> list[tuple[int, int]]:
        pre_tokenizer = self.tokenizer.pre_tokenizer
        if pre_tokenizer is None:
            return [(0, len(normalized))]
        return [span for _piece, span in pre_tokenizer.pre_tokenize_str(normalized)]

    def byte_fallback_ids(self) -> np.ndarray:
        ids = [i for i, token in self._vocab.items() if byte_fallback_value(token) is not None]
        return np.asarray(sorted(ids), dtype=np.int64)

    def piece_context(self, token_id: int) -> str:
        if self.family == "wordpiece" and self.token_string(token_id).startswith("##"):
            return "continuation"
        return "whole"

    def token_bytes(self, token_id: int) -> bytes:
        token = self._vocab.get(token_id, "")
        if token_id in self._specials.values():
            return token.encode()
        value = byte_fallback_value(token)
        if value is not None:
            return bytes([value])
        if self._byte_level:
            return byte_level_bytes(token)
        if self.family == "wordpiece":
            return token[2:].encode() if token.startswith("##") else token.encode()
        return token.replace("\u2581", " ").encode()

    def special_tokens(self) -> dict[str, int]:
        return dict(self._specials)

    # -- exact analysis hooks -----------------------------------------------------------------
    def unknown_char_counts(self, texts: Sequence[str]) -> list[int]:
        if self.unk_id is None:
            return [0] * len(texts)
        return [len(unknown_positions(e, self.unk_id)) for e in self.encode_with_offsets(texts)]

    @functools.cached_property
    def _spells_text(self) -> bool:
        """Byte-level, no normaliser, no unknown token: the tokens' bytes are the text's bytes, so token
        ends follow from token lengths and no offsets are needed (checked per batch all the same)."""
        normalizer = self.config.get("normalizer")
        empty = normalizer is None or (normalizer.get("type") == "Sequence" and not normalizer.get("normalizers"))
        return self._byte_level and empty and self.unk_id is None

    def analyse_flat(self, texts: Sequence[str]) -> FlatAnalysis:
        if not self._spells_text:
            return super().analyse_flat(texts)
        encodings = self.tokenizer.encode_batch_fast(list(texts), add_special_tokens=self.add_special)
        arrays = [np.array(e.ids, dtype=np.uint32) for e in encodings]
        counts = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
        ids = np.concatenate(arrays) if arrays else np.zeros(0, np.uint32)
        spelled = np.bincount(np.repeat(np.arange(len(arrays)), counts), weights=self.byte_lengths[ids],
                              minlength=len(arrays))
        if not np.array_equal(spelled, [len(t.encode("utf-8")) for t in texts]):  # an added token matched text
            return super().analyse_flat(texts)
        return FlatAnalysis(ids, counts, None, np.zeros(len(counts), dtype=np.int64))

    def analyse(self, texts: Sequence[str], num_threads: int = 1) -> TokenAnalysis:
        encodings = self.encode_with_offsets(texts)
        ids = [e.ids for e in encodings]
        positions = [unknown_positions(e, self.unk_id, doc_ids) for e, doc_ids in zip(encodings, ids)]
        return TokenAnalysis(ids, byte_ends(texts, encodings), [len(p) for p in positions], positions)

    def describe(self) -> dict:
        info = super().describe()
        info["normalizer"] = self.config.get("normalizer")
        info["pre_tokenizer"] = self.config.get("pre_tokenizer")
        info["decoder"] = self.config.get("decoder")
        info["model"] = self.model_type
        info["unk_token"] = self._vocab.get(self.unk_id) if self.unk_id is not None else None
        info["byte_fallback"] = bool(self.config["model"].get("byte_fallback"))
        info["padding_truncation"] = "switched off"
        return info


def unknown_positions(encoding, unk_id: int | None, ids: list[int] | None = None) -> set[int]:
    """Character positions of the original text covered by unknown tokens, from their offsets."""
    ids = encoding.ids if ids is None else ids
    if unk_id is None or unk_id not in ids:  # the usual case, decided in C
        return set()
    return {i for token_id, (start, end) in zip(ids, encoding.offsets) if token_id == unk_id
            for i in range(start, end)}


def byte_ends(texts: Sequence[str], encodings) -> list[np.ndarray]:
    """Each text's token end offsets in UTF-8 bytes, from the encodings' character offsets: all
    texts at once, through the byte offset of every character of the texts joined with `\n`."""
    series = pl.Series(list(texts), dtype=pl.Utf8)
    data, doc_bytes = joined_bytes(series)
    doc_chars = np.concatenate([[0], np.cumsum(series.str.len_chars().to_numpy().astype(np.int64) + 1)[:-1]])
    char_byte = np.append(np.flatnonzero((data & 0xC0) != 0x80), data.size)  # where character k starts
    counts = np.fromiter((len(e.offsets) for e in encodings), dtype=np.int64, count=len(encodings))
    pairs = itertools.chain.from_iterable(e.offsets for e in encodings)  # (start, end) per token, read in C
    ends = np.fromiter(pairs, dtype=np.dtype((np.int64, 2)), count=int(counts.sum()))[:, 1]
    doc_of = np.repeat(np.arange(len(encodings)), counts)
    ends = char_byte[doc_chars[doc_of] + ends] - doc_bytes[doc_of]
    return np.split(ends, np.cumsum(counts)[:-1]) if len(encodings) else []
