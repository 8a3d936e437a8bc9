"""Numbers read from user text: ASCII digits only, finite, in range — or one line saying why not.

Python's own parsers are too generous for a command line: `int()` takes full-width and other
Unicode digits ('１２' is 12), spaces and underscores ('1_0'); `str.isdigit()` is true for '²',
which `int()` then refuses with a traceback; `float()` takes 'nan' and 'inf'. An argument that
is not plainly a number must never be read as a different number.
"""

from __future__ import annotations

import math
import re

from toklab.errors import SpecError

INT64_MAX = 2**63 - 1  # torch and numpy hold seeds, counts and ids in 64-bit integers
_INT = re.compile(r"[0-9]+")
INT_TEXT = re.compile(r"[+-]?[0-9]+")  # what a signed whole number looks like
FLOAT_TEXT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")  # no nan, inf, '_' or spaces


def is_ascii_int(text: str) -> bool:
    """True for a non-negative whole number written in ASCII digits, nothing else around it."""
    return bool(_INT.fullmatch(text))


def parse_int(text: str, what: str, low: int = 0, high: int = INT64_MAX, example: str = "8000",
              where: str = "") -> int:
    """`text` as an int in [low, high], or a SpecError naming `what` (e.g. 'vocab') and `where` it
    was given (e.g. the spec, as 'SPEC: ')."""
    if not INT_TEXT.fullmatch(text):
        raise SpecError(f"{where}{what}={text!r}: not a whole number written in ASCII digits 0-9; write e.g. "
                        f"{what}={example}")
    value = int(text)
    if not low <= value <= high:
        raise SpecError(f"{where}{what}={text}: must lie between {low:,} and {high:,}")
    return value


def parse_float(text: str, what: str, low: float | None = None, high: float | None = None,
                example: str = "0.5", where: str = "") -> float:
    """`text` as a finite float in [low, high], or a SpecError naming `what` and `where`."""
    if not FLOAT_TEXT.fullmatch(text):
        raise SpecError(f"{where}{what}={text!r}: not a number written in ASCII (digits, '.', 'e'); write e.g. "
                        f"{what}={example}")
    value = float(text)
    if not math.isfinite(value):  # '1e999' overflows to inf
        raise SpecError(f"{where}{what}={text}: too large to be a finite number")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if low is not None and high is not None else (
            f"at least {low:g}" if low is not None else f"at most {high:g}")
        raise SpecError(f"{where}{what}={text}: must be {bounds}")
    return value
