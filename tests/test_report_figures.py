"""The report's figures are legible at print size: at most 8 inches wide, no text under 8 pt (a check
that can fail), estimates drawn differently from measured prices, intervals drawn where the numbers
say, scripts ordered by their median premium. Real numbers from a small real report."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
import pytest
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure

from toklab.report import figures

LANGS = "eng_Latn,fra_Latn,hin_Deva,mya_Mymr,jpn_Jpan"
TOKENIZERS = ("tiktoken:cl100k_base", "bytes:utf8")
ESTIMATE = "claude-sonnet-4-5"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One small report (5 languages × cl100k and bytes, three priced models, one an estimate)."""
    from tests.conftest import shared_path

    patch = pytest.MonkeyPatch()
    patch.setenv("TIKTOKEN_CACHE_DIR", str(shared_path("tiktoken_cache")))
    patch.setenv("TOKLAB_DATA", str(shared_path("corpora/flores200").parent))
    from corpora import load_corpus
    from toklab.registry import load_tokenizer
    from toklab.report import ReportOptions, collect

    corpus = load_corpus(f"flores200?split=devtest&langs={LANGS}")
    adapters = [load_tokenizer(t) for t in TOKENIZERS]
    options = ReportOptions(resamples=200, models=("gpt-4o", ESTIMATE, "gpt-3.5-turbo"), glitch_words=False)
    yield collect(adapters, corpus, options)
    patch.undo()


def pivot_name(report) -> str:
    return report.languages.filter(pl.col("lang") == report.pivot)["lang_name"][0]


def lossy(languages: pl.DataFrame) -> pl.DataFrame:
    """The real frame with Hindi and Burmese losing characters (the real tokenizers lose none)."""
    hit = pl.col("lang").is_in(["hin_Deva", "mya_Mymr"])
    return languages.with_columns(chars_lost=pl.when(hit).then(0.04).otherwise(pl.col("chars_lost")),
                                  unknown=pl.when(hit).then(0.03).otherwise(pl.col("unknown")),
                                  decoder=pl.when(hit).then(0.01).otherwise(pl.col("decoder")))


def every_figure(report) -> dict[str, Figure]:
    name, languages = pivot_name(report), report.languages
    labels = {"tiktoken:cl100k_base": "cl100k", "bytes:utf8": "UTF-8 bytes"}
    return {
        "script_dots": figures.script_dots(languages, TOKENIZERS[0], name),
        "scripts_by_tokenizer": figures.scripts_by_tokenizer(languages, labels, name),
        "ranked_languages": figures.ranked_languages(languages, TOKENIZERS[0], name),
        "ranked_split": figures.ranked_languages(languages, TOKENIZERS[0], name, n=1),
        "model_prices": figures.model_prices(report.price_rows, report.pivot, name),
        "loss_by_stage": figures.loss_by_stage(lossy(languages), ""),
        "premium_vs_bpb": figures.premium_vs_bpb(languages.with_columns(bpb=pl.col("premium").log() * 0.3 + 0.8), ""),
    }


def test_every_figure_fits_the_page_and_no_text_is_under_8_points(report):
    drawn = every_figure(report)
    for key, figure in drawn.items():
        assert isinstance(figure, Figure), key
        width, height = figure.get_size_inches()
        assert width <= figures.MAX_WIDTH == 8.0 and 1.0 < height < 30, (key, width, height)
        assert figures.MIN_FONT <= figures.min_font_points(figure) < float("inf"), key
        assert not figure.get_suptitle(), key  # the page titles figures
        assert figures.save_png(figure).startswith(b"\x89PNG"), key


def test_the_font_check_fails_a_figure_with_tiny_text(report):
    figure = figures.script_dots(report.languages, TOKENIZERS[0], pivot_name(report))
    figure.axes[0].tick_params(axis="y", labelsize=5)
    assert figures.min_font_points(figure) == 5
    small = Figure(figsize=(4, 3))
    small.subplots().set_xlabel("tiny", fontsize=4)
    assert figures.min_font_points(small) == 4
    small.axes[0].xaxis.label.set_visible(False)  # a hidden text is not read
    assert figures.min_font_points(small) > 4


def test_a_model_priced_through_a_stand_in_tokenizer_is_drawn_hollow_and_says_estimate(report):
    rows = report.price_rows
    estimated = set(rows.filter(pl.col("estimate"))["model"].to_list())
    assert estimated == {ESTIMATE}
    figure = figures.model_prices(rows, report.pivot, pivot_name(report))
    ax = figure.axes[0]
    models = rows["model"].unique(maintain_order=True).to_list()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [m + (" (estimate)" if m in estimated else "") for m in models]
    marks = {c.get_gid(): c for c in ax.collections if c.get_gid()}
    for model in models:
        for part in ("languages", "pivot", "dearest"):
            faces = marks[f"{part}:{model}"].get_facecolors()
            hollow = len(faces) == 0 or (to_rgba_array(faces)[:, 3] == 0).all()
            assert hollow == (model in estimated), (model, part)


def test_the_ranked_chart_draws_each_language_s_own_interval(report):
    name = pivot_name(report)
    cl100k = report.languages.filter((pl.col("tokenizer") == TOKENIZERS[0]) & (pl.col("lang") != report.pivot))
    ends = pl.concat([cl100k.top_k(1, by="premium"), cl100k.bottom_k(1, by="premium")])
    for n, expected in ((15, cl100k), (1, ends)):  # all four once; split into the dearest and the cheapest
        ax = figures.ranked_languages(report.languages, TOKENIZERS[0], name, n=n).axes[0]
        expected = expected.sort("premium", descending=True)
        assert [t.get_text() for t in ax.get_yticklabels()] == expected["lang_name"].to_list()
        (intervals,) = [c for c in ax.collections if c.get_gid() == "intervals"]
        segments = sorted(intervals.get_segments(), key=lambda s: s[0][1])  # top row first (smallest y)
        assert len(segments) == expected.height
        for segment, lo, hi in zip(segments, expected["premium_lo"], expected["premium_hi"]):
            assert (segment[0][0], segment[1][0]) == pytest.approx((lo, hi), rel=1e-12)
        assert any("most expensive" in t.get_text() for t in ax.texts) == (n == 1)  # the groups, once split
        values = sorted((t.get_position()[1], t.get_text()) for t in ax.texts if t.get_text().endswith("×"))
        assert [v for _, v in values] == [f"{p:.2f}×" for p in expected["premium"]]


def test_script_rows_are_ordered_by_their_median_premium(report):
    from toklab.languages import script_label

    for tokenizer in TOKENIZERS:
        ax = figures.script_dots(report.languages, tokenizer, pivot_name(report)).axes[0]
        mine = report.languages.filter((pl.col("tokenizer") == tokenizer) & (pl.col("lang") != report.pivot))
        scripts = mine.group_by("script").agg(pl.col("premium").median(), pl.len()).sort("premium", descending=True)
        assert scripts.height == 4  # Latin stays: French is more than the pivot
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels == [f"{script_label(s)} ({n})" for s, n in scripts.select("script", "len").iter_rows()]
        assert list(ax.get_yticks()) == list(range(scripts.height))
        bottom, top = ax.get_ylim()
        assert top < bottom  # the first (most expensive) row is drawn on top


def test_importing_the_figures_module_loads_no_matplotlib():
    code = "import sys, toklab.report.figures; print('matplotlib' in sys.modules)"
    from tests.conftest import ROOT

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_saved_figures_are_drawn_at_the_module_s_resolution(report):
    """The PNGs are written at figures.DPI: an 8-inch figure is 8 × DPI pixels wide."""
    import struct

    png = figures.save_png(every_figure(report)["model_prices"])
    width = struct.unpack(">I", png[16:20])[0]
    assert width == round(8 * figures.DPI) == 1536
