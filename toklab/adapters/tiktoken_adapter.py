"""`tiktoken:NAME` (a registered encoding) and `tiktoken:PATH?pattern=NAME` (a ranks file).

Named encodings honour `TIKTOKEN_CACHE_DIR`; offline with no cached file, the error names the
file tiktoken looks for and the variable that supplies it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from toklab.adapters.base import Adapter, FlatAnalysis
from toklab.adapters.rust_errors import PROBE, library_failures
from toklab.errors import CorruptFileError, MissingFileError, SpecError
from toklab.paths import not_a_file
from toklab.spec import Spec

_CL100K = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_GPT2 = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""

#: Pre-tokenizer patterns a ranks file can be paired with (`?pattern=`).
PATTERNS = {"gpt2": _GPT2, "r50k": _GPT2, "p50k": _GPT2, "cl100k": _CL100K, "o200k": _O200K}


def _tiktoken_version() -> str:
    import tiktoken

    return getattr(tiktoken, "__version__", "")


# Encodings that tiktoken builds from other files than `<name>.tiktoken`.
SOURCE_URLS = {
    "gpt2": ("https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/vocab.bpe",
             "https://openaipublic.blob.core.windows.net/gpt-2/encodings/main/encoder.json"),
}
SAME_RANKS = {"gpt2": "r50k_base"}  # identical ranks and pattern, from one .tiktoken file


def tiktoken_cache() -> tuple[str, str]:
    """(the folder tiktoken reads cached files from, where that choice came from), decided as
    `tiktoken.load.read_file_cached` decides it."""
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if variable in os.environ:
            folder = os.environ[variable]
            return folder, f"{variable}={folder}" if folder else f"{variable} is empty, which turns the cache off"
    import tempfile

    return os.path.join(tempfile.gettempdir(), "data-gym-cache"), "tiktoken's default, TIKTOKEN_CACHE_DIR being unset"


def _cache_file_for(name: str) -> str:
    """Where tiktoken would look for a named encoding's file(s), and why there (for the error message)."""
    urls = SOURCE_URLS.get(name, (f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken",))
    cache, origin = tiktoken_cache()
    if not cache:
        return f"no cached file ({origin})"
    files = [f"{os.path.join(cache, hashlib.sha1(url.encode()).hexdigest())} ({url.rsplit('/', 1)[-1]} from {url})"
             for url in urls]
    return ("files " if len(files) > 1 else "file ") + " and ".join(files) + f" ({origin})"


def load_named_encoding(name: str):
    import tiktoken

    if name not in tiktoken.list_encoding_names():
        from toklab.suggest import nearest

        raise SpecError(
            f"tiktoken has no encoding {name!r}; known: {', '.join(tiktoken.list_encoding_names())}"
            + nearest(name, tiktoken.list_encoding_names())
        )
    try:
        return tiktoken.get_encoding(name)
    except (OSError, ValueError, Exception) as exc:  # requests/urllib errors when offline
        raise MissingFileError(
            f"tiktoken encoding {name!r} is not cached and could not be downloaded "
            f"({type(exc).__name__}); expected {_cache_file_for(name)}. Set TIKTOKEN_CACHE_DIR "
            "to a directory holding tiktoken's cache files, or go online once."
            + (f" (tiktoken:{SAME_RANKS[name]} has the same ranks and pattern)" if name in SAME_RANKS else "")
        ) from exc


def load_ranks_file(path: Path) -> dict[bytes, int]:
    """A `.tiktoken` ranks file, checked as tiktoken's Rust core needs it: a duplicate rank or a
    missing single byte makes it panic (pyo3's PanicException is a BaseException, not an
    Exception), a duplicate token would silently keep only one rank, and a gap would be an id
    with no bytes. Each is one line naming the file and line."""
    import base64
    import binascii

    if not path.is_file():
        raise not_a_file(path, "ranks file", "give the path of a .tiktoken ranks file after 'tiktoken:'")
    ranks: dict[bytes, int] = {}
    lines_of_rank: dict[int, int] = {}
    with open(path, "rb") as fh:
        for line_no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                token, rank_text = line.split()
                if not re.fullmatch(rb"[A-Za-z0-9+/=]*", token):  # b64decode would drop these bytes silently
                    raise ValueError("not base64")
                token = base64.b64decode(token)  # lenient, as tiktoken and Whisper ('=' for b'') read it
            except (ValueError, binascii.Error) as exc:
                raise CorruptFileError(
                    f"{path}, line {line_no}: expected '<base64 token> <rank>', got {line[:60]!r}"
                ) from exc
            rank = _rank(rank_text, path, line_no)
            if token in ranks:
                raise CorruptFileError(f"{path}, line {line_no}: token {token!r} already has rank {ranks[token]}; "
                                       "each token may appear once: remove the duplicate line")
            if rank in lines_of_rank:
                raise CorruptFileError(f"{path}, line {line_no}: rank {rank} is already given on line "
                                       f"{lines_of_rank[rank]}; each rank names one token: renumber the file")
            ranks[token], lines_of_rank[rank] = rank, line_no
    check_complete_ranks(ranks, path)
    return ranks


def _rank(text: bytes, path: Path, line_no: int) -> int:
    if not re.fullmatch(rb"[0-9]+", text) or int(text) >= 2**32:  # tiktoken's ranks are u32
        raise CorruptFileError(f"{path}, line {line_no}: rank {text[:20]!r} is not a whole number from 0 to "
                               f"{2**32 - 1} in ASCII digits; write '<base64 token> <rank>'")
    return int(text)


def check_complete_ranks(ranks: dict[bytes, int], path: Path) -> None:
    if not ranks:
        raise CorruptFileError(f"{path}: holds no ranks; a .tiktoken file has one '<base64 token> <rank>' per line")
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        raise CorruptFileError(f"{path}: no rank for the single byte 0x{missing[0]:02x}"
                               + (f" (and {len(missing) - 1} more bytes)" if len(missing) > 1 else "")
                               + "; a byte-level BPE needs all 256 bytes, or text holding them cannot be encoded")
    if max(ranks.values()) != len(ranks) - 1:
        present = set(ranks.values())
        gap = next(r for r in range(len(ranks)) if r not in present)
        raise CorruptFileError(f"{path}: ranks skip {gap} (highest {max(ranks.values())}, {len(ranks)} tokens); "
                               "ranks must run from 0 without gaps, or an id would have no token")


class TiktokenAdapter(Adapter):
    family = "bpe"
    library = "tiktoken"

    def __init__(self, spec: Spec, encoding, artifact: Path | None = None):
        self.spec = spec
        self.encoding = encoding
        self.vocab_size = encoding.n_vocab
        self.library_version = _tiktoken_version()
        self._artifact = artifact

    @classmethod
    def from_spec(cls, spec: Spec) -> "TiktokenAdapter":
        looks_like_path = "/" in spec.target or spec.target.endswith(".tiktoken")
        if not looks_like_path:
            if spec.get("pattern"):
                raise SpecError(f"{spec}: 'pattern' applies only to a ranks file path")
            return cls(spec, load_named_encoding(spec.target))
        return cls.from_file(spec)

    @classmethod
    def from_file(cls, spec: Spec) -> "TiktokenAdapter":
        import tiktoken

        pattern = spec.get("pattern", "gpt2")
        if pattern not in PATTERNS:
            from toklab.suggest import nearest

            raise SpecError(
                f"{spec}: unknown pattern {pattern!r}; known: {', '.join(PATTERNS)}"
                + nearest(pattern, PATTERNS)
            )
        path = Path(spec.target).expanduser()
        ranks = load_ranks_file(path)
        with library_failures(path, "tiktoken"):  # checked above; a panic left is still one line
            encoding = tiktoken.Encoding(
                name=path.stem, pat_str=PATTERNS[pattern], mergeable_ranks=ranks, special_tokens={}
            )
            encoding.encode_ordinary(PROBE)
        canonical = Spec(spec.scheme, str(path.resolve()), (("pattern", pattern),))
        return cls(canonical, encoding, artifact=path)

    # -- surface ------------------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        return self.encoding.encode_ordinary(text)

    def encode_batch(self, texts: Sequence[str], num_threads: int = 1) -> list[list[int]]:
        if num_threads > 1:  # tiktoken releases the GIL, so threads scale
            return self.encoding.encode_ordinary_batch(list(texts), num_threads=num_threads)
        return [self.encoding.encode_ordinary(t) for t in texts]

    def analyse_flat(self, texts: Sequence[str]) -> FlatAnalysis:
        # The ids stay in tiktoken's buffers (no Python int per token) and are joined once. With no
        # special token allowed, the core's buffer encoder encodes exactly as encode_ordinary (the
        # adapter contract test checks it); called directly, it skips encode_to_numpy's per-call
        # argument checks and numpy wrapping (1.5 µs a text: 8 % of the audit).
        core_encode = getattr(self.encoding._core_bpe, "encode_to_tiktoken_buffer", None)
        if core_encode is None:  # a tiktoken without it: the public, slower way
            arrays = [self.encoding.encode_to_numpy(text, disallowed_special=()) for text in texts]
            counts = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
            ids = np.concatenate(arrays) if arrays else np.zeros(0, np.uint32)
        else:
            nothing_special: set[str] = set()
            encoded = [bytes(core_encode(text, nothing_special)) for text in texts]
            counts = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) // 4
            ids = np.frombuffer(b"".join(encoded), dtype=np.uint32)
        return FlatAnalysis(ids, counts, None, np.zeros(len(counts), dtype=np.int64))

    def decode(self, ids: Sequence[int]) -> str:
        return self.encoding.decode_bytes(list(ids)).decode("utf-8", errors="replace")

    def token_bytes(self, token_id: int) -> bytes:
        try:
            return self.encoding.decode_single_token_bytes(token_id)
        except KeyError:
            return b""  # an id the encoding leaves unassigned

    def special_tokens(self) -> dict[str, int]:
        return dict(self.encoding._special_tokens)

    # -- pipeline: no normaliser; a regex splits the text before merges -----------------------
    def normalize(self, text: str) -> str:
        return text

    def pre_tokenize(self, normalized: str) -> list[tuple[int, int]]:
        import regex

        return [m.span() for m in regex.finditer(self.pre_tokenizer_pattern(), normalized)]

    def pre_tokenizer_pattern(self) -> str:
        return self.encoding._pat_str  # tiktoken keeps the pattern private; read only here

    @functools.cached_property
    def artifact_hash(self) -> str:  # type: ignore[override]
        if self._artifact is not None:
            from toklab.paths import file_sha256

            return file_sha256(self._artifact)
        digest = hashlib.sha256()
        for token_id in range(self.vocab_size):
            digest.update(self.token_bytes(token_id) + b"\x00")
        return digest.hexdigest()

    def describe(self) -> dict:
        info = super().describe()
        info["pre_tokenizer"] = f"regex {self.pre_tokenizer_pattern()}"
        info["normalizer"] = "none"
        return info
