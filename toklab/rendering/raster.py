"""The shaped line drawn with FreeType, with its patch grid, so a person can check the rendering.

Glyphs come from the same HarfBuzz shaping that measures the line (`LineShaper`), its runs placed
in visual order by their bidirectional levels (`toklab.rendering.bidi`). A text too wide for one line is drawn as the lines it was measured in.
"""

from __future__ import annotations

import math

import numpy as np

from toklab.rendering import bidi
from toklab.rendering.line import LineShaper

BASELINE = 0.78  # of the line height: room below for descenders, as PIXEL's renderer leaves


class Rasterizer:
    def __init__(self, shaper: LineShaper):
        self.shaper = shaper
        self._faces: dict[int, object] = {}

    def _face(self, index: int):
        import freetype

        if index not in self._faces:
            face = freetype.Face(str(self.shaper.fonts.fonts[index].path), 0)
            face.set_char_size(int(round(self.shaper.geometry.font_px * 64)), 0, 72, 72)
            self._faces[index] = face
        return self._faces[index]

    def line(self, text: str) -> np.ndarray:
        """Grey levels (0 = ink, 255 = paper) of one line, as wide as its patches."""
        import freetype

        g = self.shaper.geometry
        runs, _tofu, _fallback = self.shaper.runs(text)
        runs = [self.shaper.shape(run) for run in runs]
        width = sum(advance for run in runs for _g, _c, advance, _dx, _dy in run.glyphs)
        canvas = np.zeros((g.height, max(1, math.ceil(width / g.patch)) * g.patch), dtype=np.float32)
        baseline, pen = g.height * BASELINE, 0.0
        for run in bidi.reorder(runs, [run.level for run in runs]):
            face = self._face(run.font)
            for gid, _cluster, advance, dx, dy in run.glyphs:
                face.load_glyph(gid, freetype.FT_LOAD_RENDER | freetype.FT_LOAD_TARGET_NORMAL)
                slot = face.glyph
                bitmap = slot.bitmap
                if bitmap.rows and bitmap.width:
                    ink = np.array(bitmap.buffer, dtype=np.float32).reshape(bitmap.rows, bitmap.pitch)[:, :bitmap.width]
                    _blend(canvas, ink / 255.0, round(baseline - dy - slot.bitmap_top), round(pen + dx + slot.bitmap_left))
                pen += advance
        return (255 * (1 - np.clip(canvas, 0, 1))).astype(np.uint8)

    def lines(self, text: str) -> list[np.ndarray]:
        measured = self.shaper.measure(text)
        bounds = measured.starts + [len(text)]
        return [self.line(text[a:b]) for a, b in zip(bounds, bounds[1:])] or [self.line("")]


def _blend(canvas: np.ndarray, ink: np.ndarray, top: int, left: int) -> None:
    """Add a glyph's coverage at (top, left), clipped to the canvas."""
    h, w = canvas.shape
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + ink.shape[0], h), min(left + ink.shape[1], w)
    if y0 < y1 and x0 < x1:
        canvas[y0:y1, x0:x1] = np.maximum(canvas[y0:y1, x0:x1], ink[y0 - top:y1 - top, x0 - left:x1 - left])


def with_patch_grid(lines: list[np.ndarray], patch: int, scale: int = 4) -> np.ndarray:
    """The lines stacked, enlarged `scale` times (nearest neighbour), as RGB with every patch's
    edge drawn in red."""
    width = max(line.shape[1] for line in lines)
    rows = [np.pad(line, ((0, 0), (0, width - line.shape[1])), constant_values=255) for line in lines]
    grey = np.kron(np.vstack(rows), np.ones((scale, scale), dtype=np.uint8))
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    step, height = patch * scale, lines[0].shape[0] * scale
    red = np.array([220, 40, 40], dtype=np.uint8)
    rgb[:, ::step] = red
    rgb[:, -1] = red
    rgb[::height] = red
    rgb[-1] = red
    return rgb
