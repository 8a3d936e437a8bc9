"""`pixels:noto?height=16&patch=16` — text rendered to one line of pixels and read as square
patches, as a pixel language model reads it (PIXEL, Rust et al., ICLR 2023: Noto fonts on a
16-pixel line, 16×16 patches, at most 529 of them).

The scheme's "tokens" are the patches: ⌈rendered width / patch⌉ per line. A patch has no
vocabulary id; each distinct run of text that a patch begins gets the next free id the first time
this adapter meets it (labels for one process, never stored), so the audit's per-document counts,
intervals and word statistics apply unchanged. What rendering loses is exact: a character that no
font of the set has is drawn as the `.notdef` box (tofu) — it decodes to U+FFFD and counts as an
unknown character, so `toklab loss` reports it; characters drawn by a fallback font (no Noto Sans
font has them) are counted apart (`fallback_char_counts`). A patch that lies wholly inside one
wide glyph begins no character: its span is empty. A scheme without a vocabulary has no Rényi
efficiency (null in the audit).
"""

from __future__ import annotations

import functools
import subprocess
from typing import Sequence

import numpy as np

from toklab.adapters.base import TokenAnalysis
from toklab.adapters.labels import PatchAdapter
from toklab.errors import SpecError
from toklab.numeric import parse_int
from toklab.signature import Signature
from toklab.spec import Spec

USAGE = "pixels:noto?height=16&patch=16 (text rendered with Noto fonts, read as square patches; PIXEL's setting)"
KEYS = frozenset({"height", "patch", "max_patches"})
FONT_SETS = ("noto",)
TOFU = "\ufffd"


def geometry_of(spec: Spec):
    from toklab.rendering.line import Geometry

    params, where = dict(spec.params), f"{spec.canonical}: "
    height = parse_int(params.get("height", "16"), "height", low=8, high=256, example="16", where=where)
    patch = parse_int(params.get("patch", str(height)), "patch", low=2, high=1024, example="16", where=where)
    most = parse_int(params.get("max_patches", "529"), "max_patches", low=1, high=1_000_000, example="529", where=where)
    return Geometry(height, patch, height * 5 / 6, most)


@functools.lru_cache(maxsize=1)
def debian_package_versions() -> str:
    """The installed versions of Debian's Noto packages, when dpkg knows them ('' elsewhere)."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Package}@${Version} ", "fonts-noto-core", "fonts-noto-cjk"],
                             capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return ",".join(out.split())


class PixelAdapter(PatchAdapter):
    library = "uharfbuzz"

    def __init__(self, spec: Spec):
        import uharfbuzz

        from toklab.rendering.fonts import FontSet
        from toklab.rendering.line import LineShaper

        if spec.target not in FONT_SETS:
            raise SpecError(f"{spec.canonical}: unknown font set {spec.target!r}; known: {', '.join(FONT_SETS)} "
                            "(write pixels:noto)")
        self.spec = spec
        self.geometry = geometry_of(spec)
        self.fonts = FontSet()
        self.shaper = LineShaper(self.fonts, self.geometry)
        self.library_version = uharfbuzz.__version__
        self.artifact_hash = self.fonts.sha256
        super().__init__()

    # -- measuring ----------------------------------------------------------------------------
    def _ids(self, text: str, ends: np.ndarray, tofu: list[int]) -> list[int]:
        """Labels of each patch's span of the text as drawn (a tofu character as U+FFFD)."""
        bounds = list(zip([0, *ends.tolist()[:-1]], ends.tolist()))
        if not tofu:
            data = text.encode("utf-8")
            return self.labels.ids(data[a:b] for a, b in bounds)
        shown = list(text)
        for i in tofu:
            shown[i] = TOFU
        char_of_byte = _char_index(text)
        return self.labels.ids("".join(shown[char_of_byte[a]:char_of_byte[b]]).encode("utf-8") for a, b in bounds)

    def analyse(self, texts: Sequence[str], num_threads: int = 1) -> TokenAnalysis:
        measured = [self.shaper.measure(text) for text in texts]
        ids = [self._ids(t, m.ends, m.tofu) for t, m in zip(texts, measured)]
        return TokenAnalysis(ids, [m.ends for m in measured], [len(m.tofu) for m in measured],
                             [set(m.tofu) for m in measured])

    def unknown_char_counts(self, texts: Sequence[str]) -> list[int]:
        return self.analyse(texts).unk_chars

    def fallback_char_counts(self, texts: Sequence[str]) -> list[int]:
        return [self.shaper.runs(text)[2] for text in texts]

    # -- descriptive --------------------------------------------------------------------------
    @property
    def signature(self) -> Signature:
        import fontTools

        g = self.geometry
        from toklab.rendering.fonts import DEBIAN_DIRS

        from_debian = any(str(f.path).startswith(tuple(f"{d}/" for d in DEBIAN_DIRS)) for f in self.fonts.fonts)
        debian = debian_package_versions() if from_debian else ""
        return Signature.of(("tok", self.spec.canonical), ("family", self.family),
                            ("geometry", f"h{g.height}xpatch{g.patch}xfont{g.font_px:.2f}px,max{g.max_patches}"),
                            ("fonts_sha256", self.artifact_hash[:16]), ("fonts", len(self.fonts.fonts)),
                            ("debian", debian) if debian else None,
                            (self.library, self.library_version), ("fonttools", fontTools.version))

    @property
    def code_modules(self) -> tuple[str, ...]:
        """The renderer's modules too: a change in how lines are shaped or cut must not be
        answered from a cache filled before it."""
        return (*super().code_modules, "toklab.rendering.fonts", "toklab.rendering.line")

    def describe(self) -> dict:
        return {**super().describe(), "fonts": [str(d) for d in self.fonts.dirs], "font_files": len(self.fonts.fonts),
                "geometry": vars(self.geometry) | {"font_px": round(self.geometry.font_px, 3)}}


def _char_index(text: str) -> list[int]:
    """For every UTF-8 byte offset of `text` (and its end), the character it falls in."""
    index = []
    for i, char in enumerate(text):
        index.extend([i] * len(char.encode("utf-8")))
    index.append(len(text))
    return index
