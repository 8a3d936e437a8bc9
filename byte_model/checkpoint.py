"""Checkpoints written atomically with an integrity header, so a truncated or corrupt file is
detected and named, never loaded.

Layout: `TOKLABCKPT1 <sha256 of payload> <payload length>\\n` followed by a torch.save payload
that holds only tensors and plain containers. Loading uses `torch.load(weights_only=True)`: a
checksum proves the file is intact, not that it is harmless, so nothing in it is unpickled
beyond tensors, numbers, strings and containers — a crafted file cannot run code.
"""

from __future__ import annotations

import io
from pathlib import Path

import torch

from toklab.errors import CorruptFileError, MissingFileError
from toklab.integrity import seal, unseal
from toklab.paths import atomic_write_bytes

MAGIC = b"TOKLABCKPT1"


def save_checkpoint(path: Path, payload: dict) -> None:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write_bytes(path, seal(buffer.getvalue(), MAGIC))


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict:
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"checkpoint {path} does not exist")
    data, problem = unseal(path.read_bytes(), MAGIC)
    if problem == "bad header":
        raise CorruptFileError(f"{path}: not a toklab checkpoint (bad header); pass a run directory "
                               "written by `toklab byte train`")
    if problem:
        raise CorruptFileError(f"{path}: corrupt checkpoint ({problem}); resume from an earlier run directory "
                               "or retrain")
    try:
        return torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)
    except Exception as exc:  # pickle.UnpicklingError and friends: refused content, not a bug
        raise CorruptFileError(f"{path}: refused to load: it holds objects other than tensors and plain "
                               f"containers ({_refusal_reason(exc)}); only load checkpoints you trained") from None


def _refusal_reason(exc: Exception) -> str:
    """The line of torch's message that names what was refused (its advice to disable the check
    is exactly what must not be done here)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    named = [ln for ln in lines if "GLOBAL" in ln or "Unsupported" in ln]
    return (named or lines or [type(exc).__name__])[0][:160]
