"""In-process memos (loaded tokenizers, corpora, prepared texts), registered by name so there is
one public way to forget them: `clear_memos()` (all) or `clear_memos("corpora")`.

Memos only save reloading within one process; their keys include each file's identity (path,
size, mtime, inode), so a changed file is never served from one.

>>> cache = memo_dict("demo")
>>> cache["k"] = 1
>>> clear_memos("demo"); cache
{}
"""

from __future__ import annotations

_MEMOS: dict[str, dict] = {}


def memo_dict(name: str) -> dict:
    """The process-wide memo called `name` (created empty on first use)."""
    return _MEMOS.setdefault(name, {})


def clear_memos(*names: str) -> None:
    """Empty the named memos, or all of them when no name is given."""
    for name in names or tuple(_MEMOS):
        _MEMOS.get(name, {}).clear()
