"""One text on one line, shaped with HarfBuzz, measured in patches.

The text is cut into runs of one font and one bidirectional level (fonts chosen per character by
`FontSet.font_for`, levels by `toklab.rendering.bidi`; odd levels shaped right to left), each run shaped by HarfBuzz with its script's
shaping rules (conjuncts, contextual Arabic forms, Myanmar reordering), so no cluster is ever
drawn a character at a time. The line's width is the sum of the shaped advances; a pixel model
reads it as ⌈width / patch⌉ square patches (the blank end of the last one, and the end-of-text
patch PIXEL appends, not counted).

A text wider than `max_patches` patches (PIXEL's 529) cannot be drawn on one line: it is broken
between characters into lines of at most that many patches, each counted on its own, and the
number of lines is returned so callers can say so (a cluster wider than a whole line takes a line
of its own, wider than the limit). A non-empty line takes at least one patch, even when it draws
nothing wider than zero (combining marks alone, a zero-width space).
"""

from __future__ import annotations

import dataclasses
import math
import numpy as np

from toklab.rendering import bidi
from toklab.rendering.fonts import FontSet, draws_nothing

# One line holds no line breaks or tabs: a renderer drawing one line draws them as spaces (any
# other control character has no glyph in any font, and is drawn, and counted, as tofu)
AS_SPACE = str.maketrans({c: " " for c in "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029"})


@dataclasses.dataclass(frozen=True)
class Geometry:
    """Pixel size of the rendered line and of the patches a model reads."""

    height: int = 16
    patch: int = 16
    font_px: float = 16 * 5 / 6  # PIXEL: 8 pt at 120 dpi = 13.3 px on a 16-px line
    max_patches: int = 529

    @property
    def max_width(self) -> int:
        return self.max_patches * self.patch


@dataclasses.dataclass
class Run:
    start: int  # first character, in the text's logical order
    text: str
    font: int
    level: int  # bidirectional embedding level: odd runs are shaped right to left
    glyphs: list[tuple[int, int, float, float, float]] = dataclasses.field(default_factory=list)
    # (glyph id, cluster: character in the run, x advance, x offset, y offset) in pixels, visual order


@dataclasses.dataclass
class Measured:
    patches: int
    width: float  # pixels, all lines
    lines: int
    tofu: list[int]  # characters drawn as .notdef
    fallback: int  # characters drawn by a fallback font
    ends: np.ndarray  # UTF-8 byte offset where each patch ends, along the text's logical order
    starts: list[int]  # the character each line begins with


class LineShaper:
    """Shapes texts with one font set at one geometry (HarfBuzz fonts made once, reused)."""

    def __init__(self, fonts: FontSet, geometry: Geometry):
        import uharfbuzz as hb

        self.fonts, self.geometry = fonts, geometry
        self._hb = hb
        self._faces: dict[int, tuple] = {}

    def _font(self, index: int):
        if index not in self._faces:
            hb = self._hb
            face = hb.Face(hb.Blob.from_file_path(str(self.fonts.fonts[index].path)))
            self._faces[index] = (hb.Font(face), self.geometry.font_px / face.upem)
        return self._faces[index]

    def runs(self, text: str) -> tuple[list[Run], list[int], int]:
        """Runs in logical order, the characters no font has, and how many a fallback draws."""
        runs: list[Run] = []
        tofu, fallback = [], 0
        font, level, start = None, None, 0
        fonts = self.fonts.fonts
        text = text.translate(AS_SPACE)  # one character for one: positions are unchanged
        char_levels = bidi.levels(text)
        for i, char in enumerate(text):
            chosen = self.fonts.font_for(char, font)
            if chosen is None:
                if not draws_nothing(char):
                    tofu.append(i)
                chosen = font if font is not None else 0
            elif not fonts[chosen].primary:
                fallback += 1
            if i and (chosen != font or char_levels[i] != level):
                runs.append(Run(start, text[start:i], font, level))
                start = i
            font, level = chosen, char_levels[i]
        if text:
            runs.append(Run(start, text[start:], font, level))
        return runs, tofu, fallback

    def shape(self, run: Run) -> Run:
        hb = self._hb
        font, scale = self._font(run.font)
        buffer = hb.Buffer()
        buffer.add_str(run.text)
        buffer.guess_segment_properties()
        buffer.direction = "rtl" if run.level % 2 else "ltr"
        hb.shape(font, buffer, {})
        run.glyphs = [(info.codepoint, info.cluster, pos.x_advance * scale, pos.x_offset * scale, pos.y_offset * scale)
                      for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions)]
        return run

    def advances(self, text: str) -> tuple[np.ndarray, list[Run], list[int], int]:
        """Each character's share of the line's width (a cluster's width on its first character)."""
        runs, tofu, fallback = self.runs(text)
        widths = np.zeros(len(text))
        for run in runs:
            for _gid, cluster, advance, _dx, _dy in self.shape(run).glyphs:
                widths[run.start + cluster] += advance
        return widths, runs, tofu, fallback

    def measure(self, text: str) -> Measured:
        widths, _runs, tofu, fallback = self.advances(text)
        patch, limit = self.geometry.patch, self.geometry.max_width
        byte_ends = np.cumsum([len(c.encode("utf-8")) for c in text], dtype=np.int64)
        ends, patches, starts = [], 0, []
        cursor = np.concatenate([[0.0], np.cumsum(widths)])  # x where each character begins
        begin = 0  # first character of the current line
        for i in range(len(text) + 1):
            if i == len(text) or (cursor[i + 1] - cursor[begin] > limit and i > begin):
                line_width = cursor[i] - cursor[begin]
                # a line of marks or invisible characters still takes a patch: its ink (or its
                # characters) must not vanish from the count
                count = max(1, math.ceil(line_width / patch - 1e-9)) if i > begin else 0
                # the character that begins at or after each patch's right edge starts the next patch
                edges = cursor[begin] + patch * np.arange(1, count + 1)
                inside = np.searchsorted(cursor[begin:i], edges, side="left") + begin
                ends.extend(np.where(inside > 0, byte_ends[np.maximum(inside - 1, 0)], 0).tolist())
                patches += count
                starts.append(begin)
                begin = i
        if ends:
            ends[-1] = int(byte_ends[-1]) if len(text) else 0
        starts = starts if text else []
        return Measured(patches, float(cursor[-1]), len(starts), tofu, fallback, np.asarray(ends, dtype=np.int64),
                        starts)
