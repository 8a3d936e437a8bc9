"""Tokenizer files that make a Rust library fail, said as one line naming the file.

tiktoken and tokenizers are Rust behind pyo3: a file they cannot handle can make them *panic*,
and pyo3 raises `PanicException`, which derives from BaseException — `except Exception` lets it
through as a traceback. It is matched by name (pyo3_runtime is not importable), only around
loading a user's file and a probe encode right after, so a real bug elsewhere keeps its traceback.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from toklab.errors import CorruptFileError

# Encoded once after loading: ASCII, punctuation, digits, Latin, CJK and an emoji reach most of
# a vocabulary's code paths (byte fallback, unknown tokens, merges).
PROBE = "Hello, world! 123 café 中文 🙂"


@contextlib.contextmanager
def library_failures(path: Path | str, kind: str, catch_errors: bool = False):
    """Turn a panic (and, with `catch_errors`, any error) of the library reading `path` into a
    CorruptFileError naming the file."""
    try:
        yield
    except BaseException as exc:
        panicked = type(exc).__name__ == "PanicException"
        if not (panicked or (catch_errors and isinstance(exc, Exception))):
            raise
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise CorruptFileError(f"{path}: the {kind} library {'panicked' if panicked else 'failed'} on this file "
                               f"({reason}); the file is damaged or not a {kind} file — use the one shipped with "
                               "the model") from None
