"""The evidence behind a token's place in the ranking, in words.

>>> reasons([{"id": 188, "bytes": "10", "category": "ok", "reason": None, "char_class": "control character U+0010",
...           "frequency": None, "corpus_count": 0}], "bpe")
['control character U+0010; never produced by the reference corpus; single byte (id 188)']
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
    if frequency == 0:
        return "string occurs in no reference text"
    return f"string frequency {frequency:.1e} per word"


def production_reason(row: dict) -> str | None:
    count = row.get("corpus_count")
    if count is None:
        return None
    return "never produced by the reference corpus" if count == 0 else f"produced {count:,}× by the reference corpus"


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
