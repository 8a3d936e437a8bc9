"""Language and script names for codes like `eng_Latn` (ISO 639-3 + ISO 15924)."""

from __future__ import annotations

import csv
import functools
import re
from importlib import resources

SCRIPTS = {
    "Arab": "Arabic", "Armn": "Armenian", "Beng": "Bengali", "Cyrl": "Cyrillic", "Deva": "Devanagari",
    "Ethi": "Ethiopic", "Geor": "Georgian", "Grek": "Greek", "Gujr": "Gujarati", "Guru": "Gurmukhi",
    "Hang": "Hangul", "Hans": "Han (Simplified)", "Hant": "Han (Traditional)", "Hebr": "Hebrew",
    "Jpan": "Japanese", "Khmr": "Khmer", "Knda": "Kannada", "Laoo": "Lao", "Latn": "Latin",
    "Mlym": "Malayalam", "Mymr": "Myanmar", "Olck": "Ol Chiki", "Orya": "Odia", "Sinh": "Sinhala",
    "Taml": "Tamil", "Telu": "Telugu", "Tfng": "Tifinagh", "Thai": "Thai", "Tibt": "Tibetan",
}

#: Scripts written without spaces between words: fertility is counted per character there.
SPACELESS_SCRIPTS = frozenset({"Hans", "Hant", "Jpan", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"})


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    with resources.files("toklab.data").joinpath("languages.csv").open(encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh)}


def script_of(code: str) -> str:
    return code.split("_", 1)[1] if "_" in code else ""


def language_name(code: str) -> str:
    """`eng_Latn` → 'English (Latin)'; unknown codes come back as they are."""
    lang, _, script = code.partition("_")
    name = _names().get(lang)
    if name is None:
        return code
    return f"{name} ({SCRIPTS.get(script, script)})" if script else name


# ISO 639 (2 or 3 letters), then BCP-47-style subtags joined by - or _: a script (Latn), a region
# (BR, 419) or a variant (valencia, 1996). FLORES codes (fra_Latn) are one case. Words like README,
# LICENSE or notes are not: their first part is longer than 3 letters.
_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_](?:[A-Za-z]{4}|[A-Za-z]{2}|[0-9]{3}|[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*")


def is_language_code(name: str) -> bool:
    """Whether `name` is shaped like a language code.

    >>> [is_language_code(n) for n in ("fra_Latn", "en", "fra", "zh-Hant", "pt_BR", "es-419", "README", "notes")]
    [True, True, True, True, True, True, False, False]
    """
    return _CODE.fullmatch(name) is not None


def is_spaceless(code: str) -> bool:
    return script_of(code) in SPACELESS_SCRIPTS
