"""Where the lab reads data and writes its cache; atomic writes.

Every location comes from configuration, never from a hard-coded machine path:
`TOKLAB_HOME` (cache root, default `$XDG_CACHE_HOME/toklab`) and `TOKLAB_DATA` (a directory of
local corpus copies, e.g. one holding `flores200/`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


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


# Atomic writes live in toklab.outputs (permissions under the umask, links followed, devices
# written in place, one-line errors); re-exported here, where every writer imports them from.
from toklab.outputs import atomic_path, atomic_write_bytes  # noqa: E402,F401


def stamp(target: str) -> tuple:
    """What changes when the file (or the files anywhere under the directory) at `target` changes:
    part of every in-process memo key, so a memo never answers for content edited since."""
    path = Path(target).expanduser()
    try:
        if path.is_dir():
            return tuple(sorted((str(p.relative_to(path)), *_file_stamp(p)) for p in path.rglob("*") if p.is_file()))
        return _file_stamp(path) if path.exists() else ()
    except OSError:
        return ()


def _file_stamp(path: Path) -> tuple[int, int, int, int]:
    """Size, inode, mtime and ctime. The ctime is the kernel's: any write or `utime` sets it to now,
    so a file edited in place under restored size, mtime and inode still gets a new stamp."""
    info = path.stat()
    return info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino
