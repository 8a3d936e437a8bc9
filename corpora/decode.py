"""Strict UTF-8 decoding with errors that name the file, line and byte offset."""

from __future__ import annotations

from pathlib import Path

from toklab.errors import CorpusError

REPLACEMENT = "\ufffd"


def decode_utf8(raw: bytes, path: Path, *, replace: bool = False) -> tuple[str, int]:
    """Return (text, number of invalid sequences replaced).

    Strict by default: bytes are the ground truth, and silently dropping them would hide loss.
    """
    try:
        return raw.decode("utf-8"), 0
    except UnicodeDecodeError as exc:
        if not replace:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise CorpusError(
                f"{path}: invalid UTF-8 at byte offset {exc.start} (line {line}: "
                f"{raw[exc.start:exc.start + 4]!r}); fix the file or add '?errors=replace' to the corpus spec "
                "to replace (and count) invalid bytes"
            ) from None
    text = raw.decode("utf-8", errors="replace")
    replaced = text.count(REPLACEMENT) - raw.count(REPLACEMENT.encode())
    return text, replaced


def split_lines(text: str) -> list[str]:
    """Lines of a text file: a final newline ends the last line and adds no empty document."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines
