"""Where the lab reads data and writes its cache; atomic writes.

Every location comes from configuration, never from a hard-coded machine path:
`TOKLAB_HOME` (cache root, default `$XDG_CACHE_HOME/toklab`) and `TOKLAB_DATA` (a directory of
local corpus copies, e.g. one holding `flores200/`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


def cache_root() -> Path:
    env = os.environ.get("TOKLAB_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "toklab"


def cache_dir(kind: str) -> Path:
    path = cache_root() / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_root() -> Path | None:
    env = os.environ.get("TOKLAB_DATA")
    return Path(env).expanduser() if env else None


def short_hash(text: str | bytes, n: int = 16) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:n]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside `final`; rename it into place only on success.

    An interrupted writer leaves at most a stray temporary file, never a corrupt result.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(final: Path, data: bytes) -> None:
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)


def stamp(target: str) -> tuple:
    """What changes when the file (or the files directly in the directory) at `target` changes:
    part of every in-process memo key, so a memo never answers for content edited since."""
    path = Path(target).expanduser()
    try:
        if path.is_dir():
            return tuple(sorted((p.name, *_file_stamp(p)) for p in path.iterdir() if p.is_file()))
        return _file_stamp(path) if path.exists() else ()
    except OSError:
        return ()


def _file_stamp(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_mtime_ns, info.st_size, info.st_ino
