"""Checks shared by the files a user hands the pricing: a price file (`--prices`) and a counts file
(`--counts`). Each problem is one line naming the file and, where there is one, the field."""

from __future__ import annotations

import json
from pathlib import Path

from toklab.errors import CorruptFileError, MissingFileError, lone_surrogate
from toklab.paths import not_a_file

BOM = "\ufeff"


def require_regular_file(path: Path, what: str) -> None:
    """`path` is a regular file (after links), or one line saying what it is instead."""
    try:
        regular = path.is_file()
    except OSError as exc:
        raise MissingFileError(f"{what} {path} cannot be read ({exc.strerror or exc}); check that you may "
                               "read it") from None
    if not regular:
        raise not_a_file(path, what, f"name a {what} saved as a regular file")


def load_json(text: str, origin: str):
    """`text` parsed as JSON; an error names `origin` (a file, or a file and a line)."""
    try:
        return json.loads(text.removeprefix(BOM))
    except json.JSONDecodeError as exc:
        raise CorruptFileError(f"{origin}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise CorruptFileError(f"{origin}: not valid JSON (nested too deeply); write a flat JSON document") from None


def check_text(value: str, origin: str, field: str) -> str:
    """`value` unless it holds a lone surrogate (a `\\udc00` escape), which no UTF-8 output can carry."""
    problem = lone_surrogate(value)
    if problem:
        raise CorruptFileError(f"{origin}: {field} {problem}")
    return value
