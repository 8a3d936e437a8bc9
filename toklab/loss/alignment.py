"""Which characters of a text a round trip failed to reproduce, by alignment.

The alignment is a minimum edit script (Levenshtein: substitutions, deletions, insertions of one
character each), computed by rapidfuzz in C. Characters of the original that the script
substitutes or deletes are lost; `edits` is the Levenshtein distance, so the character error
rate derived from it is exact.
"""

from __future__ import annotations

import dataclasses

from rapidfuzz.distance import Levenshtein

METHOD = "levenshtein(rapidfuzz)"  # named in loss signatures


@dataclasses.dataclass(frozen=True)
class Alignment:
    lost: tuple[int, ...]  # positions of the original not reproduced
    edits: int  # substitutions + deletions + insertions


def align(original: str, roundtrip: str) -> Alignment:
    if original == roundtrip:
        return Alignment((), 0)
    lost: list[int] = []
    edits = 0
    for op in Levenshtein.opcodes(original, roundtrip):
        if op.tag == "equal":
            continue
        lost.extend(range(op.src_start, op.src_end))  # empty for an insertion
        edits += max(op.src_end - op.src_start, op.dest_end - op.dest_start)
    return Alignment(tuple(lost), edits)


def lost_and_edits(original: str, roundtrip: str) -> tuple[int, int]:
    """`len(align(...).lost)` and `align(...).edits` without listing positions (every lossy
    document needs the counts; only the attributed and shown ones need the positions)."""
    lost = edits = 0
    if original == roundtrip:
        return 0, 0
    for op in Levenshtein.opcodes(original, roundtrip):
        if op.tag != "equal":
            lost += op.src_end - op.src_start
            edits += max(op.src_end - op.src_start, op.dest_end - op.dest_start)
    return lost, edits
