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


def _changes(original: str, roundtrip: str) -> list:
    """The operations of a minimum edit script that change something (none for an exact round trip)."""
    if original == roundtrip:
        return []
    return [op for op in Levenshtein.opcodes(original, roundtrip) if op.tag != "equal"]


def _edits(op) -> int:
    return max(op.src_end - op.src_start, op.dest_end - op.dest_start)  # one per character changed


def align(original: str, roundtrip: str) -> Alignment:
    changes = _changes(original, roundtrip)
    lost = tuple(i for op in changes for i in range(op.src_start, op.src_end))  # none for an insertion
    return Alignment(lost, sum(map(_edits, changes)))


def lost_and_edits(original: str, roundtrip: str) -> tuple[int, int]:
    """`len(align(...).lost)` and `align(...).edits` without listing positions (every lossy
    document needs the counts; only the attributed and shown ones need the positions)."""
    changes = _changes(original, roundtrip)
    return sum(op.src_end - op.src_start for op in changes), sum(map(_edits, changes))
