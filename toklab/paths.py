"""Where the lab reads data and writes its cache; atomic writes.

Every location comes from configuration, never from a hard-coded machine path:
`TOKLAB_HOME` (cache root, default `$XDG_CACHE_HOME/toklab`) and `TOKLAB_DATA` (a directory of
local corpus copies, e.g. one holding `flores200/`).
"""

from __future__ import annotations

import hashlib
import os
import stat
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


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))


def not_a_file(path: Path, what: str, fix: str):
    """The one-line error for a `what` at `path` that is not a regular file: missing, or what it is
    instead (a directory, a device, a pipe) — "does not exist" would send the user looking in vain."""
    from toklab.errors import MissingFileError

    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return MissingFileError(f"{what} {path} does not exist; {fix}")
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return MissingFileError(f"{what} {path} is {kind}, not a regular file; {fix}")


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
