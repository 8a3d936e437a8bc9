"""Character classes that ordinary text does not contain: a token made of them was merged from
machine output (control codes, broken encodings), not from writing.

`character_flag(text)` names the first such class found, in words, or None:

- control characters other than tab, line feed and carriage return (C0, DEL, C1);
- private-use, unassigned (in this Python's Unicode version) and surrogate code points;
- U+FFFD, the replacement character a decoder writes for bytes it could not read;
- mojibake: UTF-8 that was read as Latin-1/cp1252 ('Ã©' for 'é'), or runs of the lead-byte letters
  'Ã'/'Â' that repeated double encoding leaves behind.

>>> character_flag("\\x10")
'control character U+0010'
>>> character_flag("Ã©t")
"mojibake ('Ã©t' is 'ét' read as cp1252)"
>>> character_flag(" the") is None
True
"""

from __future__ import annotations

import re
import unicodedata

ORDINARY_CONTROLS = frozenset("\t\n\r")
CLASS_NAMES = {"Cc": "control character", "Co": "private-use character", "Cn": "unassigned code point",
               "Cs": "surrogate code point"}
LEAD_BYTE_RUN = re.compile("[ÃÂ]{2}")


def character_flag(text: str | None) -> str | None:
    if not text:
        return None
    for char in text:
        category = unicodedata.category(char)
        if category in CLASS_NAMES and char not in ORDINARY_CONTROLS:
            return f"{CLASS_NAMES[category]} U+{ord(char):04X}"
        if char == "\ufffd":
            return "replacement character U+FFFD (bytes a decoder could not read)"
    return mojibake(text)


def mojibake(text: str) -> str | None:
    if LEAD_BYTE_RUN.search(text):
        return "mojibake (a run of 'Ã'/'Â', left by repeated double encoding)"
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
        if fixed != text:  # only non-ASCII text changes: it was UTF-8 bytes shown one per character
            return f"mojibake ({text!r} is {fixed!r} read as {codec})"
    return None
