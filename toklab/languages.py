"""Language and script names for codes like `eng_Latn` (ISO 639-3 + ISO 15924)."""

from __future__ import annotations

import csv
import functools
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


def is_spaceless(code: str) -> bool:
    return script_of(code) in SPACELESS_SCRIPTS
