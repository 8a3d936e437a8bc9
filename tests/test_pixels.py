"""The pixels: scheme: real shaping, patches as PIXEL counts them, tofu and fallback fonts, the
rendered image, and bad input in one line each. Needs Debian's Noto fonts (noto_fonts)."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from PIL import Image

from tests.conftest import run_cli
from toklab import load_tokenizer
from toklab.rendering.line import Geometry, LineShaper
from toklab.rendering import bidi

SCRIPTS = {"Deva": "नमस्ते दुनिया, क्षत्रिय", "Arab": "مرحبا بالعالم", "Mymr": "မင်္ဂလာပါ ကမ္ဘာ",
           "Hang": "안녕하세요 세계", "Latn": "Hello, world", "Hans": "你好，世界"}


@pytest.fixture
def shaper(noto_fonts):
    return LineShaper(noto_fonts, Geometry())


def test_patches_are_the_shaped_width_cut_in_squares(shaper):
    for text in SCRIPTS.values():
        measured = shaper.measure(text)
        assert measured.patches == math.ceil(measured.width / 16) and measured.lines == 1
        assert len(measured.ends) == measured.patches
        assert np.all(np.diff(measured.ends) >= 0) and measured.ends[-1] == len(text.encode("utf-8"))
    assert shaper.measure("").patches == 0
    for invisible in ("\u200b", "\u0301\u0301"):  # draws nothing wide: still one patch, its characters kept
        assert shaper.measure(invisible).patches == 1 and shaper.measure(invisible).ends.tolist() == [len(invisible.encode())]


def test_text_is_shaped_as_a_whole_never_a_character_at_a_time(shaper):
    """Conjuncts, joined Arabic and Myanmar clusters: the shaped line is not the sum of its
    characters drawn one by one (what a per-character fallback renderer would draw)."""
    for script in ("Deva", "Arab", "Mymr"):
        text = SCRIPTS[script]
        alone = sum(shaper.measure(char).width for char in text)
        assert abs(shaper.measure(text).width - alone) > 5, script
    # Latin has no shaping to speak of: kerning aside, the same width
    assert shaper.measure("Hello").width == pytest.approx(sum(shaper.measure(c).width for c in "Hello"), rel=0.05)


def test_right_to_left_runs_in_visual_order(shaper):
    def left_to_right(text: str) -> list[str]:
        runs, _, _ = shaper.runs(text)
        return [run.text.strip() for run in bidi.reorder(runs, [run.level for run in runs]) if run.text.strip()]

    assert left_to_right("שלום 123 עולם") == ["עולם", "123", "שלום"]
    assert left_to_right("abc שלום עולם def") == ["abc", "שלום עולם", "def"]
    # numbers after Arabic letters are Arabic numbers (W2); the bracket between Latin and Arabic
    # takes the paragraph's direction (N2): abc (123 ابحرم) def
    assert left_to_right("abc (مرحبا 123) def") == ["abc (", "123", "مرحبا", ") def"]
    assert bidi.levels("a 1,000.5 b") == [0] * 11  # one number, in Latin text


@pytest.fixture
def few_fonts(tmp_path, noto_fonts, monkeypatch):
    """A font set with Noto Sans and Noto Serif Tibetan only: Devanagari has no font (tofu),
    Tibetan only a fallback."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    for font in noto_fonts.fonts:
        if font.name in ("NotoSans-Regular", "NotoSerifTibetan-Regular"):
            os.symlink(font.path, folder / font.path.name)
    monkeypatch.setenv("TOKLAB_FONTS", str(folder))
    return folder


def test_tofu_is_lost_and_fallback_counted(few_fonts):
    adapter = load_tokenizer("pixels:noto")
    text = "ok नमस्ते ཀུན"
    analysis = adapter.analyse([text])
    assert analysis.unk_chars == [6] and analysis.unk_positions == [set(range(3, 9))]
    assert adapter.decode(analysis.ids[0]) == "ok " + "\ufffd" * 6 + " ཀུན"
    assert adapter.fallback_char_counts([text]) == [3]
    assert adapter.analyse(["a\u200db\ufe0f"]).unk_chars == [0]  # format characters draw nothing: no box
    assert adapter.analyse(["a\tb\nc"]).unk_chars == [0]  # one line: a tab and a break are drawn as spaces
    assert adapter.analyse(["a\x07b\x1bc"]).unk_chars == [2]  # other controls have no glyph: boxes


def test_loss_reports_tofu_and_fallback_per_language(few_fonts, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "eng_Latn.txt").write_text("one line\nanother line\n", encoding="utf-8")
    (corpus / "hin_Deva.txt").write_text("एक पंक्ति\nदूसरी\n", encoding="utf-8")
    (corpus / "bod_Tibt.txt").write_text("ཀུན་ལ་\nབཀྲ་ཤིས\n", encoding="utf-8")
    result = run_cli("loss", "-t", "pixels:noto", "--corpus", f"file:{corpus}", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {row["lang"]: row for row in json.loads(result.output)["rows"]}
    assert rows["hin_Deva"]["unknown"] > 0.8 and rows["hin_Deva"]["chars_lost"] == rows["hin_Deva"]["unknown"]
    assert rows["bod_Tibt"]["fallback_font_chars"] == pytest.approx(1.0) and rows["bod_Tibt"]["chars_lost"] == 0
    assert rows["eng_Latn"]["chars_lost"] == 0 and rows["eng_Latn"]["fallback_font_chars"] == 0


def test_a_document_too_wide_for_one_line_is_measured_in_lines(noto_fonts):
    adapter = load_tokenizer("pixels:noto?max_patches=4")
    text = "word " * 20
    measured = adapter.shaper.measure(text)
    assert measured.lines > 1 and measured.patches >= math.ceil(measured.width / 16)
    assert all(n <= 4 for n in np.diff([0, *np.flatnonzero(np.diff(measured.ends) >= 0)]))  # a sanity bound
    assert len(adapter.encode(text)) == measured.patches


def test_the_signature_names_the_fonts_by_content(few_fonts, noto_fonts, monkeypatch):
    few = load_tokenizer("pixels:noto").signature
    monkeypatch.delenv("TOKLAB_FONTS")
    full = load_tokenizer("pixels:noto").signature
    assert "fonts_sha256:" in str(full) and "uharfbuzz:" in str(full) and "h16xpatch16" in str(full)
    assert str(few) != str(full)
    assert "h32xpatch32" in str(load_tokenizer("pixels:noto?height=32").signature)


@pytest.mark.parametrize("spec, expected", [
    ("pixels:noto?height=3", "height=3: must lie between 8 and 256"),
    ("pixels:noto?patch=0", "patch=0: must lie between 2 and 1,024"),
    ("pixels:noto?height=big", "height='big': not a whole number"),
    ("pixels:noto?dpi=120", "dpi"),
    ("pixels:arial", "unknown font set 'arial'"),
])
def test_bad_specs_get_one_line(noto_fonts, spec, expected):
    result = run_cli("encode", spec, "x")
    assert result.exit_code != 0 and expected in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_missing_fonts_name_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKLAB_FONTS", str(tmp_path))
    result = run_cli("encode", "pixels:noto", "x")
    assert result.exit_code != 0 and "fonts-noto-core" in result.output and "TOKLAB_FONTS" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_encode_draws_the_line_and_its_patch_grid(noto_fonts, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = SCRIPTS["Deva"]
    result = run_cli("encode", "pixels:noto", text)
    assert result.exit_code == 0, result.output
    patches = len(load_tokenizer("pixels:noto").encode(text))
    picture = np.asarray(Image.open(tmp_path / "pixels.png"))
    assert picture.shape == (16 * 4, patches * 16 * 4, 3)
    ink = picture[2:-2, 2:-2].min(axis=2) < 128
    assert ink.mean() > 0.05  # glyphs were drawn, not an empty grid
    again = run_cli("encode", "pixels:noto", text)
    assert again.exit_code != 0 and "already exists" in again.output
    other = run_cli("encode", "bytes:utf8", "x", "--image", str(tmp_path / "b.png"))
    assert other.exit_code != 0 and "pixels: scheme" in other.output


def test_audit_counts_patches_per_language(noto_fonts, flores_ready):
    result = run_cli("audit", "-t", "pixels:noto", "-t", "bytes:utf8", "--langs", "eng_Latn,hin_Deva,zho_Hans",
                     "--resamples", "50", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = [row for row in json.loads(result.output)["rows"] if row["tokenizer"] == "pixels:noto"]
    premium = {row["lang"]: row for row in rows}
    assert premium["eng_Latn"]["premium"] == 1.0
    # Han: one square glyph of 13.3 px per character, far fewer patches than English letters
    assert premium["zho_Hans"]["premium_hi"] < 0.8 < premium["hin_Deva"]["premium_lo"] + 0.2


def test_a_streamed_measurement_reads_patches_block_by_block(noto_fonts, tmp_path):
    """Block by block (a file too big to hold) the counts equal the whole corpus's, and a scheme
    without a vocabulary has no Rényi efficiency (its labels grow as it reads)."""
    from corpora import load_corpus, parse_corpus_spec
    from corpora.stream import open_stream
    from toklab.premium.measure import MeasureOptions, measure
    from toklab.premium.stream_measure import measure_stream

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "eng_Latn.txt").write_text("".join(f"line {i} of the text\n" for i in range(40)), encoding="utf-8")
    (folder / "hin_Deva.txt").write_text("".join(f"पाठ की पंक्ति {i}\n" for i in range(40)), encoding="utf-8")
    adapter = load_tokenizer("pixels:noto")
    streamed, _ = measure_stream(adapter, open_stream(parse_corpus_spec(f"file:{folder}"), block_bytes=64),
                                 MeasureOptions(jobs=1), use_cache=False)
    whole = measure(adapter, load_corpus(f"file:{folder}"), MeasureOptions(), use_cache=False)
    for lang in ("eng_Latn", "hin_Deva"):
        assert streamed.totals[lang]["tokens"] == whole.filter(whole["lang"] == lang)["tokens"].sum()
        assert streamed.totals[lang]["renyi_efficiency_vocab"] is None
    assert whole["renyi_efficiency_vocab"].null_count() == whole.height
