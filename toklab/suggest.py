"""Nearest-name hints for error messages."""

from __future__ import annotations

import difflib
from typing import Iterable


def nearest(word: str, choices: Iterable[str], n: int = 3) -> str:
    close = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.5)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def some_names(names: Iterable[str], n: int = 10) -> str:
    """Up to `n` names, comma-separated, and how many more there are."""
    names = list(names)
    shown = ", ".join(names[:n])
    return shown + (f" and {len(names) - n} more" if len(names) > n else "")


def nearest_language(code: str, langs: Iterable[str]) -> str | None:
    """The corpus language most likely meant by `code`: the closest spelling, else one sharing its
    language part's first letters ('en' or 'eng' for eng_Latn)."""
    langs = list(langs)
    close = difflib.get_close_matches(code, langs, n=1, cutoff=0.5)
    if close:
        return close[0]
    stem = code.split("_")[0].lower()
    return next((lang for lang in langs if len(lang.split("_")[0]) >= 2
                 and stem.startswith(lang.split("_")[0].lower())), None)
