"""Verified cache entries: a cache can be missing, read-only or corrupt, and never answers wrongly.

Every entry is written atomically in the lab's integrity framing (`toklab.integrity`: magic,
sha256 and length of the payload) and checked on every read. A truncated, corrupt or foreign file is
deleted (when possible), reported in one warning line and treated as a miss, so the caller
recomputes. A cache root that cannot be written (read-only, full) is reported once; the run
finishes without caching.

Files that other libraries must open by path (a trained tokenizer's JSON or SentencePiece model)
are verified with a digest kept beside them (`verify_sidecar` / `write_with_sidecar`).

>>> import tempfile, pathlib
>>> entry = pathlib.Path(tempfile.mkdtemp()) / "x.bin"
>>> write_entry(entry, b"payload")
True
>>> read_entry(entry)
b'payload'
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

from toklab.integrity import digest, seal, unseal
from toklab.paths import atomic_write_bytes, cache_root, file_sha256, short_hash

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


def write_entry(path: Path, payload: bytes) -> bool:
    """Store `payload` with its checksum; False (reported once) when the cache cannot be written."""
    try:
        atomic_write_bytes(path, seal(payload, MAGIC))
    except OSError as exc:
        _report_unwritable(path.parent, exc)
        return False
    return True


def read_entry(path: Path) -> bytes | None:
    """The verified payload, or None when the entry is absent or fails verification."""
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


def keyed_entry(kind: str, *key_parts: str, suffix: str) -> Path | None:
    """Where the result computed under `key_parts` is kept: `$TOKLAB_HOME/<kind>/<hash><suffix>`.
    The parts must name everything the result depends on (tokenizer, corpus and checkpoint content
    hashes, options, the code's version), so an entry never answers for content it did not measure."""
    folder = cache_dir_or_none(kind)
    return None if folder is None else folder / f"{short_hash(chr(10).join(key_parts), 32)}{suffix}"


def frame_entry(kind: str, *key_parts: str) -> Path | None:
    """`keyed_entry` for a table (parquet)."""
    return keyed_entry(kind, *key_parts, suffix=".parquet")


def read_frame(path: Path | None):
    """The verified table at `path` (a polars DataFrame), or None on a miss."""
    import polars as pl

    payload = read_entry(path) if path is not None else None
    return None if payload is None else pl.read_parquet(io.BytesIO(payload))


def write_frame(path: Path | None, frame) -> None:
    if path is not None:
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        write_entry(path, buffer.getvalue())


def write_with_sidecar(path: Path, payload: bytes) -> bool:
    """Write a file other libraries open by path, plus the digest that `verify_sidecar` checks."""
    try:
        atomic_write_bytes(path, payload)
        atomic_write_bytes(_sidecar(path), digest(payload).encode())
    except OSError as exc:
        _report_unwritable(path.parent, exc)
        return False
    return True


def verify_sidecar(path: Path) -> bool:
    """True when `path` exists and matches its recorded digest; a mismatch is discarded."""
    if not path.exists():
        return False
    try:
        expected = _sidecar(path).read_text(encoding="ascii").strip()
        ok = file_sha256(path) == expected
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
