"""Language and script names for codes like `eng_Latn` (ISO 639-3 + ISO 15924), in English.

Names come from CLDR (Unicode's Common Locale Data Repository, through `babel`) where CLDR names the
language, and from the ISO 639-3 code table (through `pycountry`) where it does not (CLDR names about
a quarter of FLORES-200's languages by their 3-letter code, most others through their 2-letter
equivalent; the rest, e.g. `acm` Mesopotamian Arabic, only ISO 639-3 names). A FLORES code for one
variety of a macrolanguage (`prs` Dari, `pes` Iranian Persian) keeps its own name: CLDR would call
both "Persian". Both packages are pinned and named in every signature (`library_versions`).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable

#: Scripts written without spaces between words: fertility is counted per character there.
SPACELESS_SCRIPTS = frozenset({"Hans", "Hant", "Jpan", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"})

# CLDR names these two scripts by an adjective alone ("Chinese (Simplified)"); as a script of its own
# a reader needs the noun. The lab's wording, not data.
_ADJECTIVE_SCRIPTS = {"Hans": "Simplified Han", "Hant": "Traditional Han"}
# CLDR's likely script for Korean is Kore (Hangul with Han): FLORES writes it in Hangul alone.
_WITHIN = {"Kore": {"Hang"}}


@functools.lru_cache(maxsize=1)
def _cldr():
    from babel import Locale
    from babel.core import get_global

    english = Locale("en")
    return english.languages, english.scripts, get_global("likely_subtags"), get_global("language_aliases")


@functools.lru_cache(maxsize=None)
def _iso639_3(code: str):
    import pycountry

    return pycountry.languages.get(alpha_3=code)


def _base_name(lang: str) -> str | None:
    """CLDR's name for the code itself, or for its exact 2-letter equivalent; else ISO 639-3's."""
    names = _cldr()[0]
    if lang in names:
        return names[lang]
    entry = _iso639_3(lang)
    if entry is None:
        return None
    two = getattr(entry, "alpha_2", None)
    if two and two in names:
        return names[two]
    return re.sub(r" \((individual language|macrolanguage)\)$", "", entry.name)


@functools.lru_cache(maxsize=None)
def base_language_name(lang: str) -> str:
    """`hin` → 'Hindi', `prs` → 'Dari', `ajp` (retired, CLDR's alias apc) → 'Levantine Arabic'; an
    unknown code comes back as it is."""
    name = _base_name(lang)
    if name is None:
        alias = _cldr()[3].get(lang, "").split("_")[0]
        name = _base_name(alias) if alias else None
    return name or lang


def _likely_script(lang: str) -> str | None:
    likely = _cldr()[2]
    entry = _iso639_3(lang)
    candidates = [lang, getattr(entry, "alpha_2", None) if entry else None, _cldr()[3].get(lang, "").split("_")[0]]
    for candidate in filter(None, candidates):
        if candidate in likely:
            return likely[candidate].split("_")[1]
    return None


def script_name(script: str) -> str:
    """`Latn` → 'Latin', `Mymr` → 'Myanmar', `Hans` → 'Simplified Han' (CLDR's names)."""
    return _ADJECTIVE_SCRIPTS.get(script) or _cldr()[1].get(script, script)


def script_label(script: str) -> str:
    """A script's name that cannot be read as a country or a language: 'Myanmar script',
    'Simplified Han script'."""
    if script not in _cldr()[1]:
        return script_name(script)
    return f"{script_name(script)} script"


def _qualifier(script: str) -> str:
    return _cldr()[1].get(script, script) if script in _ADJECTIVE_SCRIPTS else script_label(script)


def script_of(code: str) -> str:
    return code.split("_", 1)[1] if "_" in code else ""


def language_name(code: str, show_script: bool | None = None) -> str:
    """`hin_Deva` → 'Hindi'; the script is named only where it is not the language's usual one
    (CLDR's likely script) or when asked: `arb_Latn` → 'Standard Arabic (Latin script)',
    `zho_Hant` → 'Chinese (Traditional)'. Unknown codes come back as they are.

    >>> [language_name(c) for c in ("hin_Deva", "tam_Taml", "shn_Mymr", "prs_Arab", "kas_Deva", "zho_Hant")]
    ['Hindi', 'Tamil', 'Shan', 'Dari', 'Kashmiri (Devanagari script)', 'Chinese (Traditional)']
    """
    lang, _, script = code.partition("_")
    name = base_language_name(lang)
    if name == lang:
        return code
    if show_script is None:
        likely = _likely_script(lang)
        show_script = bool(script) and script != likely and script not in _WITHIN.get(likely, ())
    return f"{name} ({_qualifier(script)})" if show_script and script else name


def language_names(codes: Iterable[str]) -> dict[str, str]:
    """Names for a set of codes that tell every one apart: the script is named for a language written
    in two of them (`zho_Hans`, `zho_Hant`), and a name two codes share gets its code.

    >>> language_names(["zho_Hans", "zho_Hant", "apc_Arab", "ajp_Arab"])["zho_Hans"]
    'Chinese (Simplified)'
    """
    codes = list(dict.fromkeys(codes))
    scripts_per_language = Counter(code.partition("_")[0] for code in codes)
    names = {code: language_name(code, True if scripts_per_language[code.partition("_")[0]] > 1 else None)
             for code in codes}
    repeated = Counter(names.values())
    return {code: f"{name} ({code})" if repeated[name] > 1 else name for code, name in names.items()}


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
