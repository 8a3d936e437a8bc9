"""Embedding levels of one paragraph without explicit embeddings, after the Unicode bidirectional
algorithm (UAX #9): the paragraph level from its first strong character (P2, P3); the weak-type
rules that matter for running text — marks take the type before them (W1), European digits after
Arabic letters are Arabic numbers (W2), a separator between two digits and a terminator next to
digits join the number (W4, W5), digits after Latin text are Latin (W7); neutrals take the
direction around them when both sides agree, else the paragraph's (N1, N2); levels (I1, I2); and
the reordering of runs (L2). Explicit embeddings, isolates and mirrored brackets are not handled.
"""

from __future__ import annotations

import unicodedata
from typing import Sequence, TypeVar

STRONG_RTL = frozenset({"R", "AL"})
NUMBERS = frozenset({"EN", "AN"})
T = TypeVar("T")


def paragraph_level(text: str) -> int:
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in STRONG_RTL:
            return 1
        if kind == "L":
            return 0
    return 0


def levels(text: str, base: int | None = None) -> list[int]:
    """The embedding level of every character (even: left to right, odd: right to left)."""
    base = paragraph_level(text) if base is None else base
    start = "R" if base % 2 else "L"
    kinds = [unicodedata.bidirectional(c) for c in text]
    previous = start
    for i, kind in enumerate(kinds):  # W1
        if kind == "NSM":
            kinds[i] = previous
        previous = kinds[i]
    strong = start
    for i, kind in enumerate(kinds):  # W2, W3, W7
        if kind in ("L", "R", "AL"):
            strong = kind
            kinds[i] = "R" if kind == "AL" else kind
        elif kind == "EN":
            kinds[i] = "AN" if strong == "AL" else "L" if strong == "L" else "EN"
    for i in range(1, len(kinds) - 1):  # W4: 1,000 and 3.14 stay one number
        if kinds[i] in ("ES", "CS") and kinds[i - 1] == kinds[i + 1] and kinds[i - 1] in ("EN", "L"):
            kinds[i] = kinds[i - 1] if kinds[i] == "CS" or kinds[i - 1] == "EN" else kinds[i]
    for i, kind in enumerate(kinds):  # W5: $100, 50 %
        if kind == "ET" and ((i and kinds[i - 1] == "EN") or (i + 1 < len(kinds) and kinds[i + 1] == "EN")):
            kinds[i] = "EN"
    direction = ["L" if k == "L" else "R" if k in ("R", "EN", "AN") else None for k in kinds]
    i = 0
    while i < len(kinds):  # N1, N2
        if direction[i] is not None:
            i += 1
            continue
        end = i
        while end < len(kinds) and direction[end] is None:
            end += 1
        before = direction[i - 1] if i else start
        after = direction[end] if end < len(kinds) else start
        fill = before if before == after else start
        direction[i:end] = [fill] * (end - i)
        i = end
    out = []
    for kind, side in zip(kinds, direction):  # I1, I2
        if base % 2 == 0:
            out.append(base + (2 if kind in NUMBERS else 1 if side == "R" else 0))
        else:
            out.append(base + (1 if side == "L" or kind in NUMBERS else 0))
    return out


def reorder(items: Sequence[T], item_levels: Sequence[int]) -> list[T]:
    """Items (runs, each already in its own visual order) left to right on the line (L2: from the
    highest level down to the lowest odd one, reverse every stretch at that level or above)."""
    order = list(range(len(items)))
    if not items:
        return []
    lowest_odd = min(level for level in item_levels if level % 2) if any(lv % 2 for lv in item_levels) else None
    if lowest_odd is None and max(item_levels) == 0:
        return list(items)
    for level in range(max(item_levels), (lowest_odd or 1) - 1, -1):
        i = 0
        while i < len(order):
            if item_levels[order[i]] >= level:
                end = i
                while end < len(order) and item_levels[order[end]] >= level:
                    end += 1
                order[i:end] = reversed(order[i:end])
                i = end
            else:
                i += 1
    return [items[k] for k in order]
