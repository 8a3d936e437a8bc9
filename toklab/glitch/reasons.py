"""The evidence behind a token's place in the ranking, in words.

>>> reasons([{"id": 188, "bytes": "10", "category": "ok", "reason": None, "char_class": "control character U+0010",
...           "frequency": None, "corpus_count": 0}], "bpe")
['control character U+0010; never produced by the reference texts; single byte (id 188)']
>>> reasons([{"id": 1271, "bytes": "3b0d", "category": "ok", "reason": None, "char_class": None, "frequency": 0.0,
...           "judged_by": "prose+code", "unseen_characters": "U+000D", "corpus_count": 0}], "bpe")
['string occurs in no reference text: none holds U+000D (carriage return); never produced by the reference texts; merge rank 1,271']
"""

from __future__ import annotations

UNREACHABLE = {"pretokenizer": "the pre-tokenizer splits its string",
               "normalizer": "the normaliser rewrites its string",
               "shadowed": "other pieces always win over it",
               "not_measurable": "its string encodes to other ids"}


def category_reason(row: dict) -> str | None:
    category = row["category"]
    if category == "special":
        return "special token"
    if category == "invalid_byte":
        return f"byte 0x{row['bytes'].upper()} never occurs in UTF-8"
    if category == "unreachable":
        return "never producible: " + UNREACHABLE.get(row["reason"] or "", "its string encodes to other ids")
    if category == "byte_fallback" and row.get("reachable") is False:
        return "never producible: an ordinary piece always covers this byte"
    return None


def frequency_reason(row: dict) -> str | None:
    frequency = row.get("frequency")
    if frequency is None:
        return None
    if row.get("unseen_characters"):
        return f"string occurs in no reference text: none holds {character_names(row['unseen_characters'])}"
    if frequency == 0:
        return f"string occurs in no reference text ({row['judged_by']})" if row.get("judged_by") else \
            "string occurs in no reference text"
    where = f" (commonest in {row['judged_by']})" if row.get("judged_by") else ""
    return f"string frequency {frequency:.1e} per word{where}"


def character_names(codes: str) -> str:
    """'U+000D U+0085' as 'U+000D (carriage return), U+0085 (next line)'."""
    import unicodedata

    named = []
    for code in codes.split():
        char = chr(int(code[2:], 16))
        name = CONTROL_NAMES.get(char) or unicodedata.name(char, "").lower()
        named.append(f"{code} ({name})" if name else code)
    return ", ".join(named)


CONTROL_NAMES = {"\r": "carriage return", "\n": "line feed", "\t": "tab", "\v": "vertical tab", "\f": "form feed",
                 "\x85": "next line", "\x00": "null", "\x1b": "escape"}


def production_reason(row: dict) -> str | None:
    count = row.get("corpus_count")
    if count is None:
        return None
    if count == 0:
        return "never produced by the reference texts"
    survived = row.get("survival")
    leftover = f", {survived:.1%} of its string's occurrences" if survived is not None and survived < 0.1 else ""
    return f"produced {count:,}× by the reference texts{leftover}"


def position_reason(row: dict, family: str) -> str:
    if len(row["bytes"]) == 2:
        return f"single byte (id {row['id']})"
    return f"merge rank {row['id']:,}" if family == "bpe" else f"id {row['id']:,}"


def weight_reason(row: dict) -> str | None:
    if row.get("near_untrained") is None:
        return None
    return "embedding row near the untrained rows" if row["near_untrained"] else "embedding row looks trained"


def reasons(rows: list[dict], family: str) -> list[str]:
    out = []
    for row in rows:
        certain = category_reason(row)
        measured = [frequency_reason(row), production_reason(row)] if certain is None else []
        parts = [certain, row.get("char_class"), *measured, position_reason(row, family), weight_reason(row)]
        out.append("; ".join(p for p in parts if p))
    return out
