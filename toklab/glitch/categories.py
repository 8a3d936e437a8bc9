"""Glitch-token categories from the tokenizer alone.

Every id gets a category:

- `special`       — a control/special token (never produced from text by `encode`);
- `invalid_byte`  — a single byte that never occurs in valid UTF-8 (0xC0, 0xC1, 0xF5–0xFF);
- `partial_utf8`  — a byte fragment that is not valid UTF-8 on its own;
- `byte_fallback` — a SentencePiece/HF `<0xNN>` piece (`reachable` says whether text can yield it;
                    the pieces of bytes that never occur in UTF-8 are `invalid_byte`);
- `in_context`    — its own string encodes to something else, but the encoder produces it next to
                    a digit or punctuation (SentencePiece's bare word-boundary piece `▁` before
                    a digit), or the reference texts' encoding produced it (`scan.py`);
- `unreachable`   — its own string encodes to something else, also next to digits and
                    punctuation; `reason` says why:
                    `pretokenizer` (the split pattern cuts the string), `normalizer` (the
                    normaliser rewrites it), `shadowed` (other merges/pieces win) or
                    `not_measurable` (the adapter exposes no normaliser or pre-tokenizer);
- `ok`            — its own string encodes back to exactly this id.

WordPiece continuation pieces (`##x`) are reachable when some word produces them: the piece is
tried behind a few single-letter word starts; a `##` piece the pre-tokenizer would split off
(punctuation, CJK ideographs) can never be produced.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from toklab.adapters.base import Adapter, NotMeasurable
from toklab.adapters.bytemap import byte_fallback_value

INVALID_UTF8_BYTES = frozenset([0xC0, 0xC1, *range(0xF5, 0x100)])
# Word starts a continuation piece is tried behind; many, because a start may merge with the piece.
WORD_STARTS = tuple("abcdefghijklmnopqrstuvwxyz") + ("qz", "xq", "zx", "jj")
# What a string is tried before once it does not encode to its own id alone: digits and punctuation
# split off into pieces of their own, which leaves a word-boundary piece or a prefix standing alone.
FOLLOWERS = tuple("0123456789") + tuple(".,;:!?()[]{}'\"-/")


@dataclasses.dataclass(frozen=True)
class Verdict:
    category: str
    reason: str | None = None
    reachable: bool | None = None


def token_display(adapter: Adapter, token_id: int) -> str:
    piece = adapter.token_string(token_id)
    if piece is not None:
        return repr(piece)
    raw = adapter.token_bytes(token_id)
    try:
        return repr(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return repr(raw)


def byte_verdict(raw: bytes) -> Verdict | None:
    if len(raw) == 1 and raw[0] in INVALID_UTF8_BYTES:
        return Verdict("invalid_byte", reachable=False)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return Verdict("partial_utf8", reachable=None)
    return None


class Categoriser:
    """Categorises ids of one adapter; family-specific rules live in small methods."""

    def __init__(self, adapter: Adapter):
        self.adapter = adapter
        self.specials = set(adapter.special_tokens().values())

    def split_count(self, text: str) -> int:
        return len(self.adapter.pre_tokenize(self.adapter.normalize(text)))

    def why_unreachable(self, text: str) -> str:
        """Which stage keeps the string from encoding to its own id; `not_measurable` when the
        adapter exposes neither normaliser nor pre-tokenizer (never a guessed `shadowed`)."""
        try:
            if self.adapter.normalize(text) != text:
                return "normalizer"
            if len(self.adapter.pre_tokenize(text)) > 1:  # text is its own normal form here
                return "pretokenizer"
        except NotMeasurable:
            return "not_measurable"
        return "shadowed"

    def why_continuation_unreachable(self, text: str) -> str:
        """A word-internal piece: first, does the pre-tokenizer split it off the word it ends?"""
        try:
            if self.split_count("a" + text) > 1:
                return "pretokenizer"
        except NotMeasurable:
            return "not_measurable"
        return self.why_unreachable(text)

    def text_verdict(self, token_id: int, text: str, encoded: list[int]) -> Verdict:
        if encoded == [token_id]:
            return Verdict("ok", reachable=True)
        return Verdict("unreachable", self.why_unreachable(text), reachable=False)


def surface_text(adapter: Adapter, token_id: int) -> tuple[str | None, Verdict | None]:
    """The string to encode for an id, or a verdict that needs no encoding."""
    piece = adapter.token_string(token_id)
    value = byte_fallback_value(piece) if piece is not None else None
    if value is not None:
        if value in INVALID_UTF8_BYTES:  # no valid text holds this byte, so no fallback can emit it
            return None, Verdict("invalid_byte", reachable=False)
        return None, Verdict("byte_fallback", reachable=None)
    raw = adapter.token_bytes(token_id)
    verdict = byte_verdict(raw)
    if verdict is not None:
        return None, verdict
    text = raw.decode("utf-8")
    if not text:
        return None, Verdict("special", "unassigned", reachable=False)  # an id with no bytes
    return text, None


def categorise(adapter: Adapter) -> pl.DataFrame:
    """One row per id: id, token, bytes (hex), category, reason, reachable."""
    cat = Categoriser(adapter)
    rows: list[dict] = []
    pending: list[tuple[int, str, str]] = []  # (id, text to encode, kind)
    for token_id in range(adapter.vocab_size):
        raw = adapter.token_bytes(token_id)
        row = {"id": token_id, "token": token_display(adapter, token_id), "bytes": raw.hex()}
        rows.append(row)
        if token_id in cat.specials:
            row.update(category="special", reason=None, reachable=False)
            continue
        text, verdict = surface_text(adapter, token_id)
        if verdict is not None:
            row.update(category=verdict.category, reason=verdict.reason, reachable=verdict.reachable)
            continue
        pending.append((token_id, *encodable(adapter, token_id, text)))
    resolve(adapter, cat, rows, pending)
    frame = pl.DataFrame(rows, schema_overrides={"reachable": pl.Boolean, "reason": pl.Utf8})
    return byte_fallback_reachability(adapter, frame)


def encodable(adapter: Adapter, token_id: int, text: str) -> tuple[str, str]:
    """What to encode to test reachability, and which rule reads the result."""
    context = adapter.piece_context(token_id)
    if context == "word_start":
        return text[1:], "word_start"  # SentencePiece adds the dummy-prefix space itself
    return text, context  # `continuation`: only reachable behind a word start


def resolve(adapter: Adapter, cat: Categoriser, rows: list[dict], pending: list[tuple[int, str, str]]) -> None:
    wholes = [(i, t) for i, t, kind in pending if kind != "continuation"]
    encoded = adapter.encode_batch([t for _i, t in wholes])
    for (token_id, text), ids in zip(wholes, encoded):
        rows[token_id].update(dataclasses.asdict(cat.text_verdict(token_id, text, ids)))
    in_context(adapter, rows, [(i, t) for i, t in wholes if rows[i]["category"] == "unreachable"])
    pieces = [(i, t) for i, t, kind in pending if kind == "continuation"]
    if not pieces:
        return
    probes = [start + text for _i, text in pieces for start in WORD_STARTS]
    results = adapter.encode_batch(probes)
    for n, (token_id, text) in enumerate(pieces):
        tried = results[n * len(WORD_STARTS) : (n + 1) * len(WORD_STARTS)]
        if any(token_id in ids for ids in tried):
            rows[token_id].update(category="ok", reason=None, reachable=True)
        else:
            reason = cat.why_continuation_unreachable(text)
            rows[token_id].update(category="unreachable", reason=reason, reachable=False)


def in_context(adapter: Adapter, rows: list[dict], unreachable: list[tuple[int, str]]) -> None:
    """Strings that do not encode to their own id alone, tried before each of `FOLLOWERS`: an id the
    encoder then emits is producible, only in context."""
    if not unreachable:
        return
    results = adapter.encode_batch([text + follower for _i, text in unreachable for follower in FOLLOWERS])
    for n, (token_id, _text) in enumerate(unreachable):
        if any(token_id in ids for ids in results[n * len(FOLLOWERS): (n + 1) * len(FOLLOWERS)]):
            rows[token_id].update(category="in_context", reason="next to a digit or punctuation", reachable=True)


def byte_fallback_reachability(adapter: Adapter, frame: pl.DataFrame) -> pl.DataFrame:
    """An ASCII byte piece is produced only if its character has no ordinary piece: test each
    inside a word. (Non-ASCII byte pieces stay `reachable` = null: any unseen character uses them.)"""
    shadowed = []
    for row in frame.filter(pl.col("category") == "byte_fallback").iter_rows(named=True):
        value = int(row["bytes"], 16)
        if value < 0x80 and row["id"] not in adapter.encode("a" + chr(value) + "a"):
            shadowed.append(row["id"])
    ascii_piece = (pl.col("category") == "byte_fallback") & (pl.col("bytes").str.slice(0, 1) < "8")
    is_shadowed = pl.col("id").is_in(shadowed)
    return frame.with_columns(
        reachable=pl.when(ascii_piece).then(~is_shadowed).otherwise(pl.col("reachable")),
        reason=pl.when(ascii_piece & is_shadowed).then(pl.lit("shadowed")).otherwise(pl.col("reason")),
    )
