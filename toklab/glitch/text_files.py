"""The code and markup reference: plain-text files read exactly as they are.

Prose (FLORES sentences, word lists) says nothing about code, markup, logs or boilerplate, where
the under-trained tokens of code-heavy vocabularies live (`});\\r`, `\\n\\t\\t\\t`, `>\\n</`). Every
installation already holds a large body of ordinary code: the Python standard library's own
sources (`stdlib_files`), about 12 MB of code, docstrings, comments and a few licences and data
files. Users add their own files or folders (`--reference-files`): logs, markup, another
language's code.

Files are read as bytes and decoded strictly as UTF-8, line endings as they are (a CRLF file keeps
its `\\r`, so tokens holding one can be found), one row per file. A file that is not UTF-8 text is
skipped and counted. The signature holds the number of files, their bytes and a sha256 over every
file's name and content, so a cached scan never answers for files that changed.
"""

from __future__ import annotations

import hashlib
import sys
import sysconfig
from pathlib import Path

import polars as pl

from toklab.errors import MissingFileError
from toklab.glitch.reference import Reference, running_text_reference
from toklab.signature import Signature

# Text, not binaries or compiled files; the stdlib's test suite is left out: it holds deliberately
# odd strings (fuzzing inputs, broken encodings) that no ordinary text contains.
TEXT_SUFFIXES = frozenset({".py", ".pyi", ".txt", ".rst", ".md", ".html", ".htm", ".xml", ".json", ".cfg", ".ini",
                           ".toml", ".css", ".js", ".csv", ".c", ".h", ".sh", ".bat", ".ps1", ".tex", ".yml", ".yaml"})
STDLIB_LEFT_OUT = frozenset({"test", "tests", "idlelib", "site-packages", "dist-packages", "__pycache__", "lib2to3"})


def stdlib_files() -> list[Path]:
    """The interpreter's standard library sources, without its tests and installed packages."""
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(p for p in root.rglob("*") if p.suffix in TEXT_SUFFIXES and p.is_file()
                  and not STDLIB_LEFT_OUT.intersection(p.relative_to(root).parts))


def named_files(paths: list[Path]) -> list[Path]:
    """Every file a user named: a file as it is (whatever its name), a folder's text files."""
    found: list[Path] = []
    for path in paths:
        path = Path(path).expanduser()
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise MissingFileError(f"--reference-files {path}: no such file or folder; name plain-text files or "
                                   "folders holding them")
    return found


def files_reference(files: list[Path], label: str) -> Reference:
    """A running-text reference of `files` (one row each), signed by their content."""
    digest, texts, names, skipped, size = hashlib.sha256(), [], [], 0, 0
    for path in files:
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            skipped += 1  # unreadable or not UTF-8 text: nothing of it is measured, and the count says so
            continue
        digest.update(len(path.name.encode()).to_bytes(4, "big") + path.name.encode() + hashlib.sha256(raw).digest())
        texts.append(text)
        names.append(path.name)
        size += len(raw)
    if not texts:
        raise MissingFileError(f"{label}: none of the {len(files)} files is readable UTF-8 text; name plain-text files")
    signature = Signature.of(("files", label), ("n", len(texts)), ("skipped", skipped), ("bytes", size),
                             ("content", digest.hexdigest()[:16]))
    frame = pl.DataFrame({"text": texts, "lang": [label] * len(texts)})
    return running_text_reference(frame, signature, name=label)


def code_reference(extra: list[Path] | None = None, stdlib: bool = True) -> Reference | None:
    """The standard library's sources (`stdlib`) and the files a user named, as one reference."""
    files = (stdlib_files() if stdlib else []) + named_files(extra or [])
    if not files:
        return None
    label = "+".join(([f"python{sys.version_info.major}.{sys.version_info.minor}-stdlib"] if stdlib else [])
                     + (["files"] if extra else []))
    return files_reference(files, label)
