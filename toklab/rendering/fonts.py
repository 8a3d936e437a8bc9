"""A font set on disk (Google Noto, as Debian's fonts-noto-core and fonts-noto-cjk install it),
and the choice of font for every character.

Fonts are chosen the way text renderers fall back: a character of a script is drawn by the Noto
Sans font made for that script (Latin, Greek and Cyrillic by Noto Sans itself, Han, Kana and
Hangul by Noto Sans CJK); failing that by the first Noto Sans font that has it, then by any other
font of the set (a serif, Kufi or symbols font: a *fallback*); characters common to scripts
(spaces, digits, punctuation) and combining marks stay in the font of the text around them when
it has them, so shaping never breaks a cluster. A character no font has is drawn as the
`.notdef` box (*tofu*): information lost before a model sees anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import unicodedata
from functools import cached_property
from pathlib import Path

from toklab.errors import ToklabError

FONT_DIRS_VARIABLE = "TOKLAB_FONTS"
DEBIAN_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
INSTALL_HINT = ("install Debian's Noto fonts (apt-get install fonts-noto-core fonts-noto-cjk) or set "
                f"{FONT_DIRS_VARIABLE} to a folder of Noto .ttf/.otf/.ttc files")
# Noto Sans fonts that are variants or symbol sets, not the font of a script
NOT_A_SCRIPT_FONT = re.compile(r"^NotoSans(Display|Mono|Symbols2?|Math|IndicSiyaqNumbers|MayanNumerals)\b|Unjoined|"
                               r"^NotoSansTifinagh[A-Z]")
REGULAR = re.compile(r"^Noto[A-Za-z]*-Regular\.(ttf|otf|ttc)$")
# Unicode scripts whose Noto Sans font is not named after them
FONT_OF_SCRIPT = {"Latin": "NotoSans", "Greek": "NotoSans", "Cyrillic": "NotoSans", "Han": "NotoSansCJK",
                  "Hiragana": "NotoSansCJK", "Katakana": "NotoSansCJK", "Hangul": "NotoSansCJK",
                  "Bopomofo": "NotoSansCJK"}
COMMON_SCRIPTS = frozenset({"Zyyy", "Zinh", "Zzzz"})


class FontsMissing(ToklabError):
    """No font set where the scheme looks for one."""


@dataclasses.dataclass(frozen=True)
class Font:
    path: Path
    name: str  # the file's stem, e.g. NotoSansDevanagari-Regular
    primary: bool  # a Noto Sans font made for a script (else: a fallback)
    codepoints: frozenset[int]


def font_dirs() -> list[Path]:
    configured = os.environ.get(FONT_DIRS_VARIABLE)
    return [Path(p) for p in configured.split(os.pathsep) if p] if configured is not None else list(DEBIAN_DIRS)


def regular_font_files(dirs: list[Path]) -> list[Path]:
    """Every Regular Noto file under the folders; a name found in two folders is taken from the
    first (as PATH is searched)."""
    found: dict[str, Path] = {}
    for folder in dirs:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if REGULAR.match(path.name):
                found.setdefault(path.name, path)
    return [found[name] for name in sorted(found)]


def describe_dirs(dirs: list[Path]) -> str:
    """The folders searched, each with what is wrong with it when it is not a folder."""
    if not dirs:
        return f"no folder ({FONT_DIRS_VARIABLE} is set but names none)"
    return ", ".join(str(d) if d.is_dir() else f"{d} ({'a file, not a folder' if d.exists() else 'does not exist'})"
                     for d in dirs)


def script_of(char: str) -> str:
    from fontTools import unicodedata as ucd

    return ucd.script(char)


class FontSet:
    """The Regular fonts of a Noto set, ordered: Noto Sans, the script fonts, CJK, then fallbacks."""

    def __init__(self, dirs: list[Path] | None = None):
        self.dirs = dirs or font_dirs()
        files = regular_font_files(self.dirs)
        if not any(p.stem == "NotoSans-Regular" for p in files):
            raise FontsMissing(f"no Noto Sans (NotoSans-Regular.ttf) in {describe_dirs(self.dirs)}; {INSTALL_HINT}")
        self.fonts = sorted((self._load(p) for p in files), key=self._rank)
        self._by_script = self._script_fonts()
        self._choice: dict[str, tuple[bool, int | None]] = {}  # char → (common to scripts, its font)

    @staticmethod
    def _load(path: Path) -> Font:
        import uharfbuzz as hb

        face = hb.Face(hb.Blob.from_file_path(str(path)))  # face 0 of a collection (CJK: Japanese forms)
        if face.glyph_count == 0:  # HarfBuzz reads any bytes as an empty face: a broken file would draw only tofu
            raise FontsMissing(f"{path} is not a readable font (no glyphs): reinstall its package, or remove it from "
                               f"the folders {FONT_DIRS_VARIABLE} names")
        primary = path.stem.startswith("NotoSans") and not NOT_A_SCRIPT_FONT.search(path.stem)
        return Font(path, path.stem, primary, frozenset(face.unicodes))

    @staticmethod
    def _rank(font: Font) -> tuple:
        return (not font.primary, font.name != "NotoSans-Regular", font.name)

    def _script_fonts(self) -> dict[str, int]:
        """Script code (Deva) → index of the Noto Sans font made for it."""
        from fontTools import unicodedata as ucd

        by_stem = {f.name.removesuffix("-Regular"): i for i, f in enumerate(self.fonts) if f.primary}
        table = {}
        for code in ucd.Scripts.NAMES:
            name = ucd.script_name(code, default="")
            stem = FONT_OF_SCRIPT.get(name, "NotoSans" + re.sub(r"[^A-Za-z]", "", name.title()))
            if stem in by_stem:
                table[code] = by_stem[stem]
        return table

    @cached_property
    def sha256(self) -> str:
        """One hash over every font file the set draws with (names and contents, in order)."""
        digest = hashlib.sha256()
        for font in self.fonts:
            digest.update(font.name.encode() + b"\0")
            with open(font.path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()

    def covering(self, codepoint: int, primary_only: bool) -> int | None:
        return next((i for i, f in enumerate(self.fonts) if codepoint in f.codepoints and (f.primary or not primary_only)),
                    None)

    def font_for(self, char: str, current: int | None) -> int | None:
        """The font that draws `char` after text drawn in font `current` (None: no font has it)."""
        common, chosen = self._choice.get(char) or self._choose(char)
        if common and current is not None and ord(char) in self.fonts[current].codepoints:
            return current
        return chosen

    def _choose(self, char: str) -> tuple[bool, int | None]:
        code, script = ord(char), script_of(char)
        preferred = self._by_script.get(script)
        if preferred is not None and code in self.fonts[preferred].codepoints:
            chosen = preferred
        else:
            chosen = self.covering(code, primary_only=True)
            chosen = chosen if chosen is not None else self.covering(code, primary_only=False)
        self._choice[char] = (script in COMMON_SCRIPTS, chosen)
        return self._choice[char]

def draws_nothing(char: str) -> bool:
    """Characters a renderer never draws a box for: format characters (ZWJ, ZWNJ, direction
    marks, soft hyphen) and variation selectors. (Line breaks and tabs are drawn as spaces, see
    toklab.rendering.line; other control characters are drawn as boxes.)"""
    return unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F or 0xE0100 <= ord(char) <= 0xE01EF
