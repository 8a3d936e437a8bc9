"""Per-file sha256 manifests of named sources, shipped in the package and checked after every
download, so a tampered, truncated or incomplete copy is refused with the file named.

A manifest line is `sha256  relative/path` (the output of `sha256sum`). `flores200.sha256`
lists the 411 files of the official `flores200_dataset.tar.gz` (dev/, devtest/, metadata, README).
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from toklab.errors import CorruptFileError


def read_manifest(name: str) -> dict[str, str]:
    """relative path → sha256, from the manifest `name` under corpora/data/ (or a path)."""
    path = Path(name)
    text = path.read_text(encoding="ascii") if path.is_absolute() else \
        resources.files("corpora").joinpath("data", name).read_text(encoding="ascii")
    entries = {}
    for line in text.splitlines():
        digest, _, relative = line.strip().partition("  ")
        if digest:
            entries[relative] = digest
    return entries


def verify_tree(root: Path, manifest: dict[str, str], origin: str) -> None:
    """Every file the manifest lists exists under `root` with the listed sha256."""
    for relative, expected in sorted(manifest.items()):
        path = root / relative
        if not path.is_file():
            raise CorruptFileError(f"{origin}: {relative} is missing from the download (incomplete copy); "
                                   "delete it and retry, or use a mirror via TOKLAB_FLORES200_URL")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            raise CorruptFileError(f"{origin}: {relative} has sha256 {digest[:16]}…, the release has "
                                   f"{expected[:16]}… (tampered or damaged); the copy was not used")
