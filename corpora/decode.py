"""Strict UTF-8 decoding with errors that name the file, line and byte offset."""

from __future__ import annotations

from pathlib import Path

from toklab.errors import CorpusError

REPLACEMENT = "\ufffd"


def decode_utf8(raw: bytes, path: Path, *, replace: bool = False, offset: int = 0,
                first_line: int = 1) -> tuple[str, int]:
    """Return (text, number of invalid sequences replaced).

    Strict by default: bytes are the ground truth, and silently dropping them would hide loss.
    `raw` may be a block of a larger file that starts at byte `offset`, on line `first_line`.
    """
    try:
        return raw.decode("utf-8"), 0
    except UnicodeDecodeError as exc:
        if not replace:
            line = raw.count(b"\n", 0, exc.start) + first_line
            raise CorpusError(
                f"{path}: invalid UTF-8 at byte offset {offset + exc.start} (line {line}: "
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


BOM = "\ufeff"


def clean_text(text: str, keep: frozenset[str] = frozenset()) -> tuple[str, dict[str, int]]:
    """Strip a leading UTF-8 byte-order mark and turn CRLF line ends into LF, unless kept.

    Both are artefacts of the editor that saved the file, not content: counted as content they
    add a token per line to one language and not to another (a French premium +15 % seen).
    Returns the text and how many of each were removed, for the corpus signature.
    """
    counts = {"bom_stripped": 0, "crlf_normalised": 0}
    if "bom" not in keep and text.startswith(BOM):
        text, counts["bom_stripped"] = text[1:], 1
    if "crlf" not in keep:
        counts["crlf_normalised"] = text.count("\r\n")
        if counts["crlf_normalised"]:
            text = text.replace("\r\n", "\n")
    return text, counts


def parse_keep(value: str | None, where: str) -> frozenset[str]:
    from toklab.errors import SpecError

    kept = frozenset(v.strip() for v in (value or "").split(",") if v.strip())
    if kept - {"bom", "crlf"}:
        raise SpecError(f"{where}: keep={value!r}: name bom, crlf or both (keep=bom,crlf)")
    return kept
