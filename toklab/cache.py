"""Verified cache entries: a cache can be missing, read-only or corrupt, and never answers wrongly.

Every entry is written atomically in the lab's integrity framing (`toklab.integrity`: magic,
sha256 and length of the payload) and checked on every read. A truncated, corrupt or foreign file is
deleted (when possible), reported in one warning line and treated as a miss, so the caller
recomputes. Every result goes through `store`/`load` under a `CacheKey`, whose digest names the file
and is sealed inside it: a valid entry moved under another key is refused too. A cache root that cannot be written (read-only, full) is reported once; the run
finishes without caching.

Files that other libraries must open by path (a trained tokenizer's JSON or SentencePiece model)
are verified with a digest kept beside them (`verify_sidecar` / `write_with_sidecar`).

>>> key = cache_key("demo", "input-signature", "content-hash", code=["toklab.cache"])
>>> store(key, b"payload")
True
>>> load(key)
b'payload'
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path

from toklab.integrity import digest, seal, unseal
from toklab.paths import atomic_write_bytes, cache_root, file_sha256

MAGIC = b"TOKLABCACHE2"
SIDECAR_SUFFIX = ".sha256"


class CacheWarning(UserWarning):
    """A cache problem that was handled (recomputed or skipped); shown as one line by the CLI."""


_unwritable_reported: set[str] = set()


def cache_dir_or_none(kind: str) -> Path | None:
    """`$TOKLAB_HOME/<kind>`, created; None (reported once) when it cannot be created."""
    path = cache_root() / kind
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _report_unwritable(path, exc)
        return None
    return path


@dataclasses.dataclass(frozen=True)
class CacheKey:
    """Everything a cached result depends on, as one value: the kind of result, its inputs
    (tokenizer and corpus signatures, content hashes, options) and a digest of the source of the code that
    computes it (`source_digest`; no version number to remember to bump). The entry's file is
    named by the key's digest and its seal holds that digest, so an entry copied or moved under
    another key is refused on reading."""

    kind: str
    inputs: tuple[str, ...]
    code: str
    suffix: str = ""
    name: str = ""  # a readable file name, for entries that are listed (a price refresh by date)

    @property
    def text(self) -> str:
        return "\n".join([f"kind:{self.kind}", f"code:{self.code}", *self.inputs])

    @functools.cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()

    def path(self) -> Path | None:
        """Where the entry lives; None (reported once) when the cache cannot be written."""
        folder = cache_dir_or_none(self.kind)
        return None if folder is None else folder / (self.name or f"{self.digest[:32]}{self.suffix}")


def cache_key(kind: str, *inputs: object, code: Sequence[str], suffix: str = "", name: str = "") -> CacheKey:
    """The key of a result of `kind` computed from `inputs` by the modules named in `code`."""
    return CacheKey(kind, tuple(str(part) for part in inputs), source_digest(*code), suffix, name)


@functools.lru_cache(maxsize=None)
def source_digest(*modules: str) -> str:
    """sha256 of the toklab version and the source of `modules`: editing the code that computes a
    result misses its old entries, which a hand-kept version number could forget to do."""
    import importlib.util

    from toklab import __version__

    state = hashlib.sha256(__version__.encode())
    for module in sorted(set(modules)):
        found = importlib.util.find_spec(module)
        origin = found.origin if found is not None else None
        state.update(module.encode() + b"\0")
        state.update(Path(origin).read_bytes() if origin and origin != "built-in" else b"?")
    return state.hexdigest()[:32]


def load(key: CacheKey) -> bytes | None:
    """The verified payload stored under `key`, or None (a miss). An entry whose seal names another
    key (copied or moved here) is discarded like a corrupt one."""
    path = key.path()
    raw = read_entry(path) if path is not None else None
    if raw is None:
        return None
    stored, _, payload = raw.partition(b"\n")
    if stored != key.digest.encode():
        _discard(path, "was written for another key (copied or moved from elsewhere in the cache)")
        return None
    return payload


def store(key: CacheKey, payload: bytes) -> bool:
    """Keep `payload` under `key`; False (reported once) when the cache cannot be written."""
    path = key.path()
    return path is not None and write_entry(path, key.digest.encode() + b"\n" + payload)


def load_frame(key: CacheKey):
    """The verified table stored under `key` (a polars DataFrame), or None on a miss."""
    import polars as pl

    payload = load(key)
    return None if payload is None else pl.read_parquet(io.BytesIO(payload))


def store_frame(key: CacheKey, frame) -> bool:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return store(key, buffer.getvalue())


def write_entry(path: Path, payload: bytes) -> bool:
    """Store `payload` at `path` with its checksum (the framing under `store`); False (reported
    once) when the cache cannot be written."""
    try:
        atomic_write_bytes(path, seal(payload, MAGIC))
    except OSError as exc:
        _report_unwritable(path.parent, exc)
        return False
    return True


def read_entry(path: Path) -> bytes | None:
    """The verified payload at `path`, or None when the entry is absent or fails verification."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        _discard(path, f"unreadable ({exc.strerror})")
        return None
    payload, problem = unseal(raw, MAGIC)
    if problem:
        _discard(path, "not a toklab cache entry" if problem == "bad header" else problem)
    return payload


def write_with_sidecar(path: Path, payload: bytes, key: CacheKey) -> bool:
    """Write a file other libraries open by path, plus the digests (of the file, and of the key it
    was made for) that `verify_sidecar` checks."""
    try:
        atomic_write_bytes(path, payload)
        atomic_write_bytes(_sidecar(path), f"{digest(payload)} {key.digest}".encode())
    except OSError as exc:
        _report_unwritable(path.parent, exc)
        return False
    return True


def verify_sidecar(path: Path, key: CacheKey) -> bool:
    """True when `path` exists, matches its recorded digest and was made for `key`; a mismatch is
    discarded."""
    if not path.exists():
        return False
    try:
        expected = _sidecar(path).read_text(encoding="ascii").split()
        ok = expected == [file_sha256(path), key.digest]
    except (OSError, UnicodeDecodeError):
        ok = False
    if not ok:
        _discard(path, "does not match its recorded checksum")
        _remove(_sidecar(path))
    return ok


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def _discard(path: Path, why: str) -> None:
    _remove(path)
    warnings.warn(f"cache entry {path} {why}: discarded, recomputing", CacheWarning, stacklevel=3)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _report_unwritable(path: Path, exc: OSError) -> None:
    key = str(cache_root())
    if key in _unwritable_reported:
        return
    _unwritable_reported.add(key)
    warnings.warn(f"cache {path} is not writable ({exc.strerror or exc}); results are not cached "
                  "(set TOKLAB_HOME to a writable directory)", CacheWarning, stacklevel=3)


def work_dir(kind: str, name: str) -> Path:
    """`$TOKLAB_HOME/<kind>/<name>` for work the lab keeps (trained tokenizers, experiment runs),
    or the same name in a private temporary folder when the cache is not writable."""
    root = cache_dir_or_none(kind) or Path(tempfile.mkdtemp(prefix=f"toklab-{kind}-"))
    return root / name
