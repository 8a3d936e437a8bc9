"""One framing for every file the lab must trust when it reads it back (cache entries,
checkpoints): `MAGIC <sha256 of payload> <payload length>\\n` followed by the payload.

`unseal` says what is wrong instead of raising, so each caller chooses its reaction: a cache
entry is discarded and recomputed, a checkpoint is a one-line error.

>>> unseal(seal(b"hi", b"DEMO1"), b"DEMO1")
(b'hi', None)
>>> unseal(seal(b"hi", b"DEMO1")[:-1], b"DEMO1")
(None, 'truncated (1 of 2 payload bytes)')
"""

from __future__ import annotations

import hashlib


def digest(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def seal(payload: bytes, magic: bytes) -> bytes:
    return b"%s %s %d\n" % (magic, digest(payload).encode(), len(payload)) + payload


def unseal(raw: bytes, magic: bytes) -> tuple[bytes | None, str | None]:
    """(payload, None) when intact; (None, what is wrong) otherwise."""
    newline = raw.find(b"\n", 0, 128)
    parts = raw[:newline].split(b" ") if newline > 0 else []
    if len(parts) != 3 or parts[0] != magic or not parts[2].isdigit():
        return None, "bad header"
    payload, length = raw[newline + 1:], int(parts[2])
    if len(payload) != length:
        return None, f"truncated ({len(payload)} of {length} payload bytes)"
    if digest(payload) != parts[1].decode("ascii", "replace"):
        return None, "checksum mismatch"
    return payload, None
