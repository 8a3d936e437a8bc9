"""The last line of defence against `NaN` and `inf` in results.

Analyzers turn a number that does not exist (a ratio over zero tokens, a score nobody could
compute) into a null at the source. A non-finite float that still reaches an export or a table
is a broken number, not a result: it is refused with one line naming the column and the rows,
so no `NaN` ever leaves with exit code 0.
"""

from __future__ import annotations

import math
from typing import Any

from toklab.errors import ToklabError

SHOWN_ROWS = 3  # rows named in the message; the rest are counted


class NonFiniteResultError(ToklabError):
    """A result holds NaN or an infinity: nothing is printed or written."""

    exit_code = 5


def check_finite(frame, what: str = "result") -> None:
    """Raise NonFiniteResultError when any float column of the polars `frame` holds NaN or ±inf."""
    bad = {}
    for column, dtype in frame.schema.items():
        if dtype.is_float():
            mask = ~frame[column].is_finite().fill_null(True)
            if mask.any():
                bad[column] = mask
    if not bad:
        return
    column, mask = next(iter(bad.items()))
    rows = _row_names(frame, mask)
    values = sorted({str(v) for v in frame[column].filter(mask).to_list()})
    raise NonFiniteResultError(
        f"{what}: column{'s' if len(bad) > 1 else ''} {', '.join(bad)} hold{'' if len(bad) > 1 else 's'} "
        f"{'/'.join(values)} in {rows} (nothing was printed or written): a number could not be computed (an empty "
        "language, a diverged model?): check those inputs, or report this with the command line")


def check_finite_values(payload: Any, what: str = "result") -> None:
    """Raise NonFiniteResultError when a JSON-like payload (dicts, lists, numbers) holds NaN or ±inf."""
    found = list(_non_finite(payload, ""))
    if found:
        shown = ", ".join(f"{path or 'value'}={value}" for path, value in found[:SHOWN_ROWS])
        more = f" and {len(found) - SHOWN_ROWS} more" if len(found) > SHOWN_ROWS else ""
        raise NonFiniteResultError(
            f"{what}: {shown}{more} is not a finite number (nothing was printed or written): a number could not be "
            "computed (an empty language, a diverged model?): check those inputs, or report this with the "
            "command line")


def finite_or_none(value: float | None) -> float | None:
    """A float that exists, or None (a null in a table) where it does not."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _non_finite(value: Any, path: str):
    if isinstance(value, float) and not math.isfinite(value):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _non_finite(item, f"{path}[{index}]")


def _row_names(frame, mask) -> str:
    """'rows lang=xxx, lang=yyy and 3 more' by the first text column, else by row number."""
    import polars as pl

    count = int(mask.sum())
    keys = [c for c, dtype in frame.schema.items() if dtype == pl.Utf8 and c != "signature"]
    if keys:
        names = [f"{keys[0]}={value}" for value in frame[keys[0]].filter(mask).head(SHOWN_ROWS).to_list()]
    else:
        names = [f"#{index}" for index in mask.arg_true().head(SHOWN_ROWS).to_list()]
    more = f" and {count - SHOWN_ROWS} more" if count > SHOWN_ROWS else ""
    return f"row{'s' if count > 1 else ''} {', '.join(names)}{more}"
