"""Which characters of a text a round trip failed to reproduce, by alignment.

Equal-length strings are compared position by position (a substitution per differing
character); otherwise difflib's SequenceMatcher (autojunk off) aligns them after trimming the
common prefix and suffix. Its matching blocks are a longest-common-substring alignment, not a
minimum edit script, so the character error rate derived from it is an upper bound on the
Levenshtein rate (exact when the strings differ only by substitutions).
"""

from __future__ import annotations

import dataclasses
import difflib


@dataclasses.dataclass(frozen=True)
class Alignment:
    lost: tuple[int, ...]  # positions of the original not reproduced
    edits: int  # substitutions + deletions + insertions


def align(original: str, roundtrip: str) -> Alignment:
    if original == roundtrip:
        return Alignment((), 0)
    if len(original) == len(roundtrip):
        lost = tuple(i for i, (a, b) in enumerate(zip(original, roundtrip)) if a != b)
        return Alignment(lost, len(lost))
    head = 0
    limit = min(len(original), len(roundtrip))
    while head < limit and original[head] == roundtrip[head]:
        head += 1
    tail = 0
    while tail < limit - head and original[-1 - tail] == roundtrip[-1 - tail]:
        tail += 1
    a, b = original[head : len(original) - tail], roundtrip[head : len(roundtrip) - tail]
    lost: list[int] = []
    edits = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        lost.extend(range(head + i1, head + i2))
        edits += max(i2 - i1, j2 - j1)
    return Alignment(tuple(lost), edits)
