"""Checkpoints written atomically with an integrity header, so a truncated or corrupt file is
detected and named, never loaded.

Layout: `TOKLABCKPT1 <sha256 of payload> <payload length>\\n` followed by a torch.save payload.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import torch

from toklab.errors import CorruptFileError, MissingFileError
from toklab.paths import atomic_write_bytes

MAGIC = b"TOKLABCKPT1"


def save_checkpoint(path: Path, payload: dict) -> None:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    header = MAGIC + b" " + hashlib.sha256(data).hexdigest().encode() + b" " + str(len(data)).encode() + b"\n"
    atomic_write_bytes(path, header + data)


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict:
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"checkpoint {path} does not exist")
    raw = path.read_bytes()
    newline = raw.find(b"\n")
    parts = raw[:newline].split(b" ") if newline > 0 else []
    if len(parts) != 3 or parts[0] != MAGIC:
        raise CorruptFileError(f"{path}: not a toklab checkpoint (bad header)")
    digest, length = parts[1].decode(), int(parts[2])
    data = raw[newline + 1 :]
    if len(data) != length:
        raise CorruptFileError(f"{path}: truncated checkpoint ({len(data)} of {length} payload bytes); "
                               "resume from an earlier run directory or retrain")
    if hashlib.sha256(data).hexdigest() != digest:
        raise CorruptFileError(f"{path}: checkpoint checksum mismatch (the file is corrupt)")
    return torch.load(io.BytesIO(data), map_location=map_location, weights_only=False)
