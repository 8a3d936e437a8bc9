"""Writing files people keep: whole or not at all, readable as the umask says, never destroying
what is not ours to replace, and one-line errors when the disk says no.

Rules every writer of the lab follows by going through `atomic_path`:

- **Atomic.** A regular file is written beside its final name and renamed into place only when
  complete: an interrupted or failing writer (disk full, a bug) leaves the previous file untouched
  and removes its temporary file.
- **Permissions.** A new file gets what a plain `open(path, "w")` would give: 0666 minus the umask
  (the kernel applies the umask, so default ACLs apply too); folders 0777 minus the umask. A file
  that is replaced keeps its own permission bits, as `open(path, "w")` on it would (a report a
  person made group-readable stays so).
- **Links are followed.** A symbolic link is never replaced by a file: its target is written
  (atomically), and the link stays a link. A dangling link is written through when its target's
  folder exists, else refused.
- **Only regular files are replaced.** A character device (/dev/null, a terminal), a pipe, or
  /dev/stdout and friends are written in place (opened for appending, never renamed over); a
  folder, a block device (a disk) or a socket is refused.
- **Errors.** Any OSError while writing becomes an `OutputError` naming the file, the system's
  reason and errno, and what to do; `OutputError` is an OSError too, so callers that degrade
  gracefully on an unwritable cache keep doing so.

A run folder (`folder_lock`) is written by one process at a time: a second one is refused in one
line naming the holder's pid; the lock dies with its process, so a killed run can be resumed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Iterator

from toklab.errors import FolderInUseError, OutputError

# Paths that name an already-open stream of this process: written in place, never renamed over
# (when stdout is redirected to a file, /dev/stdout resolves to that regular file).
_STREAM_PATH = re.compile(r"^/(dev/(stdout|stderr|fd/\d+)|proc/(self|thread-self|\d+)/fd/\d+)$")

_HINTS = {
    errno.ENOSPC: "free space, or write it elsewhere",
    errno.EDQUOT: "free space within your quota, or write it elsewhere",
    errno.EACCES: "choose a location you can write to",
    errno.EPERM: "choose a location you can write to",
    errno.EROFS: "the file system is read-only; choose another location",
    errno.ENAMETOOLONG: "choose a shorter name",
    errno.EISDIR: "name a file, not a folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder; fix the path",
    errno.ENOENT: "create the folder first, or fix the path",
    errno.EFBIG: "the file is larger than this file system allows; write it elsewhere",
    errno.EIO: "the disk reported an input/output error; check it, or write elsewhere",
}


def shown(path: os.PathLike | str) -> str:
    """A path as one printable line: control characters (a newline, an escape) are written as
    escapes, so a hostile file name can neither break an error line nor drive the terminal."""
    text = os.fspath(path)
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def _errno_of(exc: BaseException) -> int | None:
    """The errno of an OSError, or the one a library (polars) wrote into its message."""
    if isinstance(exc, OSError) and exc.errno:
        return exc.errno
    found = re.search(r"\(os error (\d+)\)", str(exc))
    return int(found.group(1)) if found else None


def is_write_failure(exc: BaseException) -> bool:
    """An OSError, or a library error wrapping one (polars reports a full disk as ComputeError)."""
    if isinstance(exc, OutputError):
        return False  # already said in one line
    return isinstance(exc, OSError) or (type(exc).__module__.startswith("polars") and _errno_of(exc) is not None)


def output_error(path: os.PathLike | str, exc: BaseException, what: str = "") -> OutputError:
    """One line: which file, the system's reason (with errno) and what to do about it."""
    code = _errno_of(exc)
    reason = (exc.strerror if isinstance(exc, OSError) and exc.strerror else
              os.strerror(code) if code else str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    hint = _HINTS.get(code, "check the disk and the path, or write elsewhere")
    errno_text = f" (errno {code})" if code else ""
    return OutputError(f"could not write {what + ' ' if what else ''}{shown(path)}: {reason}{errno_text}; {hint}",
                       code, reason)


def write_target(final: Path) -> tuple[Path, os.stat_result | None]:
    """Where writing `final` really goes, and what is there now (None: nothing).

    A symbolic link is followed to its target, so the link stays a link; a dangling link's
    target is written when its folder exists. A folder, a block device or a socket is refused."""
    final = Path(final)
    try:
        target = Path(os.path.realpath(final)) if final.is_symlink() else final
        info = target.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:  # a name too long, a loop of links, a folder we may not enter
        raise output_error(final, exc) from None
    if info is None and target != final and not target.parent.is_dir():
        raise OutputError(f"could not write {shown(final)}: it is a symbolic link to {shown(target)}, whose folder "
                          f"does not exist; create {shown(target.parent)} or remove the link", errno.ENOENT)
    if info is not None:
        refusal = _refusal(info.st_mode)
        if refusal:
            raise OutputError(f"will not write {shown(final)}: {refusal}",
                              errno.EISDIR if stat.S_ISDIR(info.st_mode) else errno.EINVAL)
    return target, info


def _refusal(mode: int) -> str | None:
    if stat.S_ISDIR(mode):
        return "it is a folder; name a file inside it"
    if stat.S_ISBLK(mode):
        return "it is a block device (a disk), which an output would destroy; name a regular file"
    if stat.S_ISSOCK(mode):
        return "it is a socket; name a regular file or a pipe"
    return None


def writes_in_place(final: Path) -> bool:
    """True for /dev/null, a terminal, a pipe, /dev/stdout: opened and written, never renamed over."""
    if _STREAM_PATH.match(os.path.abspath(final)):  # before resolving: a pipe has no path to resolve
        return True
    _target, info = write_target(Path(final))
    return info is not None and not stat.S_ISREG(info.st_mode)


def check_writable(final: Path) -> None:
    """Raise the OutputError that writing `final` would raise for where it is (a folder, a disk,
    a dangling link, a folder without write permission), before any work is done."""
    final = Path(final)
    if writes_in_place(final):  # opened, not created: the device or pipe itself must be writable
        if not os.access(final, os.W_OK):
            raise OutputError(f"could not write {shown(final)}: permission denied; choose a file you can write to",
                              errno.EACCES)
        return
    try:
        tmp = _new_temporary(write_target(final)[0])
        os.unlink(tmp)
    except OSError as exc:
        raise output_error(final, exc) from None


def replaces_a_file(final: Path) -> bool:
    """Whether writing `final` would replace an existing regular file (through a link too)."""
    final = Path(final)
    if _STREAM_PATH.match(os.path.abspath(final)):
        return False
    target = Path(os.path.realpath(final))
    return target.is_file()


@contextlib.contextmanager
def atomic_path(final: Path, what: str = "") -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes `final` (see the module's rules).

    `what` names the file in errors ("checkpoint", "report"); the path is always named."""
    final = Path(final)
    if writes_in_place(final):
        with _in_place(final, what) as tmp:
            yield tmp
        return
    target, info = write_target(final)
    with _replacing(final, target, info, what) as tmp:
        yield tmp


@contextlib.contextmanager
def _replacing(final: Path, target: Path, info: os.stat_result | None, what: str) -> Iterator[Path]:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # 0777 minus the umask
        tmp = _new_temporary(target)
    except OSError as exc:
        raise output_error(final, exc, what) from exc
    try:
        yield tmp
        if info is not None:  # keep the replaced file's permissions, as open(path, "w") would
            os.chmod(tmp, stat.S_IMODE(info.st_mode) & 0o777)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if is_write_failure(exc):
            raise output_error(final, exc, what) from exc
        raise


def _new_temporary(target: Path) -> Path:
    """An empty file beside `target`, created by the kernel with mode 0666 minus the umask
    (mkstemp would make it 0600, and the rename would carry that to the output)."""
    stem = target.name[:80]  # a long name plus the suffix must still fit the file system's limit
    for _ in range(100):
        tmp = target.parent / f".{stem}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.parent))


@contextlib.contextmanager
def _in_place(final: Path, what: str) -> Iterator[Path]:
    """Write into a private temporary file, then copy it into the device or pipe: the caller's
    writer may want a real file (parquet seeks), and a failing writer sends nothing half-made."""
    with tempfile.TemporaryDirectory(prefix="toklab-out-") as folder:
        tmp = Path(folder) / "output"
        try:
            yield tmp
        except BaseException as exc:
            if is_write_failure(exc):
                raise output_error(final, exc, what) from exc
            raise
        try:
            _copy_into(tmp, _open_in_place(final, what))
        except OSError as exc:
            if isinstance(exc, OutputError):
                raise
            raise output_error(final, exc, what) from exc


def _open_in_place(final: Path, what: str) -> int:
    """A descriptor to write `final` in place. A pipe is opened without waiting: with no reader
    it would block forever, so that is an error instead."""
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(final, flags | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputError(f"could not write {what + ' ' if what else ''}{shown(final)}: no process is reading "
                              "this pipe; start the reader first", errno.ENXIO) from None
        raise
    os.set_blocking(fd, True)
    return fd


def _copy_into(source: Path, fd: int) -> None:
    try:
        with open(source, "rb") as data, open(fd, "wb", closefd=False) as out:
            shutil.copyfileobj(data, out, 1 << 20)
    finally:
        os.close(fd)


def atomic_write_bytes(final: Path, data: bytes, what: str = "") -> None:
    with atomic_path(final, what) as tmp:
        tmp.write_bytes(data)


def append_text(path: Path, text: str, header: str = "", what: str = "") -> None:
    """Append to a log (a run's metrics), writing `header` first into a new or empty file; a
    failing write is one OutputError naming the file."""
    try:
        with open(path, "a", encoding="utf-8") as fh:
            if header and fh.tell() == 0:
                fh.write(header)
            fh.write(text)
    except OSError as exc:
        raise output_error(path, exc, what) from None


LOCK_NAME = ".lock"


@contextlib.contextmanager
def folder_lock(folder: Path, what: str = "run folder",
                hint: str = "wait for it to finish, or choose another --out") -> Iterator[Path]:
    """Hold `folder` (created if absent) for writing by this process alone, until the block ends.

    A second holder, in this process or another, is refused with one line naming the first's
    pid. The lock is the kernel's (`flock` on `folder/.lock`, which stays behind): it is released
    when its process ends, however it ends, so a killed run can be resumed at once."""
    folder = Path(folder)
    try:
        import fcntl
    except ImportError:  # no flock on this platform: unlocked, as before
        yield folder
        return
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        raise output_error(folder / LOCK_NAME, exc, f"the lock of {what}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderInUseError(f"{what} {shown(folder)} is in use by another toklab process "
                                   f"({_holder(fd)}); {hint}") from None
        except OSError:
            pass  # a file system without flock (some network mounts): unlocked, as before
        _record_holder(fd)
        yield folder
    except BaseException:
        if created:  # a refused start leaves no folder behind (only if nothing but the lock was written)
            _remove_if_only_lock(folder)
        raise
    finally:
        os.close(fd)  # releases the lock


def _remove_if_only_lock(folder: Path) -> None:
    with contextlib.suppress(OSError):
        if [p.name for p in folder.iterdir()] == [LOCK_NAME]:
            (folder / LOCK_NAME).unlink()
            folder.rmdir()


def _record_holder(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return f"pid {text}" if text.isdigit() else "pid unknown"
