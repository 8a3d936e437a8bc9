"""GPT-2's printable stand-ins for bytes (HF `ByteLevel`), and SentencePiece piece spelling."""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=1)
def byte_level_decoder() -> dict[str, int]:
    """Map each of the 256 printable stand-in characters back to its byte value."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars)}


def byte_level_bytes(token: str) -> bytes:
    table = byte_level_decoder()
    return bytes(table[c] for c in token) if all(c in table for c in token) else token.encode()


_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")


def byte_fallback_value(piece: str) -> int | None:
    """The byte a `<0xNN>` piece stands for, or None."""
    match = _BYTE_PIECE.match(piece)
    return int(match.group(1), 16) if match else None


def metaspace_bytes(piece: str) -> bytes:
    """A SentencePiece piece as text bytes: `▁` is a space, `<0xNN>` is its byte."""
    value = byte_fallback_value(piece)
    if value is not None:
        return bytes([value])
    return piece.replace("\u2581", " ").encode("utf-8")
