"""Fetch a named source once into the cache, with progress, atomically, then check its layout."""

from __future__ import annotations

import os
import shutil
import tarfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from corpora.manifest import read_manifest, verify_tree
from corpora.sources import Source
from toklab.errors import CorruptFileError, MissingFileError
from toklab.paths import atomic_path

Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


def source_url(source: Source) -> str:
    return os.environ.get(source.url_env) or source.url


def download(url: str, dest: Path, progress: Progress | None = None, timeout: float = 30.0) -> Path:
    """Download `url` to `dest` atomically (an interrupted download leaves no partial file)."""
    try:
        response = urllib.request.urlopen(url, timeout=timeout)
    except (urllib.error.URLError, OSError) as exc:
        raise MissingFileError(str(exc)) from exc
    total = int(response.headers.get("Content-Length") or 0) or None
    done = 0
    try:
        with response, atomic_path(dest) as tmp, open(tmp, "wb") as out:
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
    except OSError as exc:  # a full or read-only disk, or the connection dropped mid-way
        raise MissingFileError(f"download of {url} into {dest} failed after {done:,} bytes ({exc.strerror or exc}); "
                               "free space, set TOKLAB_HOME to a writable folder, or retry") from None
    return dest


def extract_source(archive: Path, source: Source, target: Path) -> Path:
    """Unpack `archive` so that `target` holds the source's split folders; atomic by rename."""
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise CorruptFileError(f"{archive}: not a readable tar.gz archive ({exc}); delete it and retry") from exc
    root = staging / source.archive_root
    if not root.is_dir():
        shutil.rmtree(staging, ignore_errors=True)
        raise CorruptFileError(f"{archive}: expected a top-level folder {source.archive_root}/ in the archive")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(root, target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def fetch_source(source: Source, cache: Path, progress: Progress | None = None, looked: str = "") -> Path:
    url = source_url(source)
    archive = cache / f"{source.name}.tar.gz"
    try:
        download(url, archive, progress)
    except MissingFileError as exc:
        raise MissingFileError(
            f"{source.name} is not available locally ({looked}) and could not be downloaded from {url} "
            f"({exc}); set TOKLAB_DATA to a directory holding {source.name}/ (with "
            f"{'/ and '.join(source.splits)}/ inside), or name the copy with --corpus \"{source.name}?path=DIR\""
        ) from None
    staging = extract_source(archive, source, cache / f"{source.name}.unverified")
    archive.unlink(missing_ok=True)
    if source.manifest:
        try:
            verify_tree(staging, read_manifest(source.manifest), url)
        except CorruptFileError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    target = cache / source.name
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    return target
