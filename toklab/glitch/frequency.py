"""How often ordinary text would produce each token: its string's occurrences in the references
(word lists, prose, code and markup) times its survival under the tokenizer's own encoder, which
reference judged it, and the characters no reference holds."""

from __future__ import annotations

import dataclasses
import unicodedata

import numpy as np

from toklab.glitch.mismatch import FLOOR, is_word_like
from toklab.glitch.reference import Reference, fragment_frequency, is_text, string_frequency, token_pattern

# A token the reference texts produce this often is ordinary text's: its string need not be searched.
PRODUCED_OFTEN = 3


@dataclasses.dataclass(frozen=True)
class Measured:
    """Per token: how often ordinary text would produce it, and what judged that."""
    frequency: np.ndarray  # per word, times survival; NaN where not measured
    word_like: np.ndarray
    floor: np.ndarray  # the finest resolution of the references that judged it
    survival: np.ndarray  # (produced + 1) / (occurrences + 1) over the running texts; NaN where never found
    judged_by: list[str | None]  # the reference where it is commonest; every one that looked, if none holds it
    unseen: list[str | None]  # characters of the token no reference holds, as U+XXXX


def string_frequencies(raws: list[bytes], counts: dict[str, np.ndarray], references: list[Reference]) -> Measured:
    """Per token, how often ordinary text would produce it, per word (NaN where not measured),
    whether it is a word (or a piece of one), and the finest resolution of the references that
    judged it.

    How often its string occurs (words: in every reference; digits, punctuation, symbols, layout and
    byte fragments: in the running texts, prose and code, only) times its survival: the share of the
    string's occurrences in the running texts that the encoder turns into this token,
    (produced + 1) / (occurrences + 1), so that a few occurrences are not a verdict. A piece always
    swallowed by a longer merge (a leftover merge) survives almost nowhere. Tokens the running texts
    produce often are not searched: their production rate stands for their frequency. A token
    holding a character no reference holds occurs nowhere (`unseen_characters`)."""
    n = len(raws)
    word_like = np.array([is_word_like(token_pattern(raw)) for raw in raws])
    measured = Measured(np.full(n, np.nan), word_like, np.full(n, FLOOR), np.full(n, np.nan), [None] * n, [None] * n)
    if not references:
        return measured
    produced = sum(counts.values()) if counts else np.zeros(n)
    often = np.zeros(n, dtype=bool)
    for c in counts.values():
        often |= c >= PRODUCED_OFTEN
    found_in, occurrences = {}, np.zeros(n)
    for reference in references:
        found, occurred = string_frequency([None if o else reference.pattern(r) for r, o in zip(raws, often)], reference)
        found[~(word_like | reference.holds_symbols)] = np.nan  # word lists judge words only
        found_in[reference.name] = found
        if reference.holds_symbols:
            occurrences += np.nan_to_num(occurred, nan=0.0)
    running = [r for r in references if r.holds_symbols]
    if running:
        fragment_frequencies(found_in, occurrences, raws, often, running)
        for r in running:  # produced often: the production rate is the frequency
            found_in[r.name][often] = counts[r.name][often] / r.words
    kept = survival(produced, occurrences)
    judge(measured, found_in, {r.name: r.resolution for r in references}, kept)
    measured.survival[occurrences > 0] = kept[occurrences > 0]
    unseen_characters(measured, raws, references)
    return measured


def judge(measured: Measured, found_in: dict[str, np.ndarray], resolution: dict[str, float], kept: np.ndarray) -> None:
    """Frequency: the largest of the references' times survival; floor: the finest that judged."""
    names = list(found_in)
    stacked = np.vstack([found_in[name] for name in names])
    looked = ~np.isnan(stacked)
    any_looked = looked.any(axis=0)
    best = np.where(looked, stacked, -1.0).argmax(axis=0)
    frequency = np.where(any_looked, np.nanmax(np.where(looked, stacked, -np.inf), axis=0), np.nan) * kept
    measured.frequency[:] = frequency
    floors = np.array([resolution[name] for name in names])[:, None]
    floor = np.where(looked, floors, np.inf).min(axis=0)
    measured.floor[:] = np.where(np.isinf(floor), FLOOR, floor)
    for i in np.flatnonzero(any_looked):
        if frequency[i] > 0:
            measured.judged_by[i] = names[best[i]]
        else:
            measured.judged_by[i] = "+".join(name for name, seen in zip(names, looked[:, i]) if seen)


def unseen_characters(measured: Measured, raws: list[bytes], references: list[Reference]) -> None:
    """Tokens holding a character that no reference holds: none of them could have held the token.
    Where that character is a control, format or layout character (a carriage return, a vertical
    tab, an odd space) — never typed, and stripped or rewritten by most text pipelines — the absence
    takes the finest floor of all. A symbol or letter the references happen to lack (`¶`, `→`) is
    common on the web: its absence counts as any other."""
    held = frozenset().union(*(r.characters() for r in references))
    everyone = "+".join(r.name for r in references)
    finest = min([FLOOR, *(r.resolution for r in references)])
    for i, raw in enumerate(raws):
        text = raw.decode("utf-8") if is_text(raw) else ""
        missing = sorted(set(text) - held)
        if missing:
            measured.unseen[i] = " ".join(f"U+{ord(c):04X}" for c in missing)
            measured.frequency[i], measured.judged_by[i] = 0.0, everyone
            if any(unicodedata.category(c)[0] in "CZ" for c in missing):
                measured.floor[i] = finest


def survival(produced: np.ndarray, occurrences: np.ndarray) -> np.ndarray:
    """(produced + 1) / (occurrences + 1), capped at 1; 1 where the string was not searched or not found."""
    seen = np.nan_to_num(occurrences, nan=0.0) > 0
    out = np.ones(len(produced))
    out[seen] = np.minimum(1.0, (produced[seen] + 1.0) / (occurrences[seen] + 1.0))
    return out


def fragment_frequencies(found_in: dict[str, np.ndarray], occurrences: np.ndarray, raws: list[bytes],
                         often: np.ndarray, running: list[Reference]) -> None:
    """Byte fragments (tokens that are not whole characters): their occurrences in each running
    text's bytes."""
    fragments = {i: raw for i, raw in enumerate(raws) if not is_text(raw) and not often[i]}
    ids = np.array(list(fragments), dtype=np.int64)
    if not ids.size:
        return
    for reference in running:
        found, occurred = fragment_frequency(fragments, reference)
        found_in[reference.name][ids] = found
        occurrences[ids] += occurred
