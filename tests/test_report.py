"""`toklab report`: its numbers are the analyzers' numbers, its HTML stands alone (no network), and a
real browser shows every language without a console error."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import polars as pl
import pytest

from tests.browser import chromium, open_in_browser, screenshot
from tests.conftest import run_cli
from toklab.errors import SpecError

LANGS = "eng_Latn,fra_Latn,hin_Deva,mya_Mymr,jpn_Jpan"
TOKENIZERS = ("tiktoken:cl100k_base", "bytes:utf8")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One small report (5 languages × cl100k and bytes, three priced models), built once."""
    from tests.conftest import shared_path

    patch = pytest.MonkeyPatch()
    patch.setenv("TIKTOKEN_CACHE_DIR", str(shared_path("tiktoken_cache")))
    patch.setenv("TOKLAB_DATA", str(shared_path("corpora/flores200").parent))
    from corpora import load_corpus
    from toklab.registry import load_tokenizer
    from toklab.report import ReportOptions, collect

    corpus = load_corpus(f"flores200?split=devtest&langs={LANGS}")
    adapters = [load_tokenizer(t) for t in TOKENIZERS]
    options = ReportOptions(resamples=200, models=("gpt-4o", "claude-sonnet-4-5", "gpt-3.5-turbo"), glitch_words=False)
    yield collect(adapters, corpus, options)
    patch.undo()


def test_premiums_and_intervals_are_the_audits(report):
    from toklab.premium import AuditOptions, BootstrapOptions, run_audit

    audit = run_audit(report.tokenizers, report.corpus, AuditOptions(bootstrap=BootstrapOptions(resamples=200)))
    mine = report.languages.select("tokenizer", "lang", "premium", "premium_lo", "premium_hi", "byte_premium")
    theirs = audit.rows.select(mine.columns)
    assert mine.sort("tokenizer", "lang").equals(theirs.sort("tokenizer", "lang"))


def test_loss_is_the_loss_analyzers(report):
    from toklab.loss import run_loss

    loss = run_loss(report.tokenizers, report.corpus).rows.select("tokenizer", "lang", "chars_lost", "roundtrip_exact")
    mine = report.languages.select(loss.columns)
    assert mine.sort("tokenizer", "lang").equals(loss.sort("tokenizer", "lang"))


def test_prices_are_the_price_analyzers(report):
    from toklab.premium import AuditOptions, BootstrapOptions, run_audit
    from toklab.premium.pricing import load_prices, price_audit, select

    prices, signature = load_prices()
    chosen = select(prices, list(report.options.models))
    audit = run_audit(report.tokenizers, report.corpus, AuditOptions(bootstrap=BootstrapOptions(resamples=200)))
    expected = price_audit(audit, {"tiktoken:cl100k_base": "tiktoken:cl100k_base"}, chosen, signature, "eng_Latn",
                           1_000_000, None).table
    # o200k is not among the report's tokenizers: the report measured it for gpt-4o and claude only
    assert "tiktoken:o200k_base" not in report.languages["tokenizer"].to_list()
    gpt35 = report.price_rows.filter(pl.col("model") == "gpt-3.5-turbo").sort("lang")
    assert gpt35["content_cost"].to_list() == expected.filter(pl.col("model") == "gpt-3.5-turbo").sort("lang")[
        "content_cost"].to_list()
    claude = report.price_rows.filter(pl.col("model") == "claude-sonnet-4-5")
    assert claude["estimate"].all() and claude.height == 5


def test_glitch_exposure_equals_a_recount_from_the_encoder(report):
    """The exposure, recounted without the cached histograms: encode every document, count the ids the
    scan puts in a glitch category or in the top of its ranking."""
    from toklab.glitch import scan

    cl100k = report.tokenizers[0]
    ranking = scan(cl100k, None, words=False).frame
    flagged = set(ranking.filter(pl.col("category") != "ok")["id"].to_list())
    ranked = ranking.filter((pl.col("category") == "ok") & pl.col("evidence").is_not_null()).sort("rank")
    flagged |= set(ranked.head(report.options.glitch_top)["id"].to_list())
    rows = report.languages.filter(pl.col("tokenizer") == cl100k.name)
    for lang, part in report.corpus.by_lang().items():
        ids = np.concatenate([np.asarray(doc) for doc in cl100k.encode_batch(part["text"].to_list())])
        expected = np.isin(ids, list(flagged)).mean()
        assert rows.filter(pl.col("lang") == lang)["exposure"].item() == pytest.approx(expected, rel=1e-12)
    burmese = rows.filter(pl.col("lang") == "mya_Mymr").row(0, named=True)
    english = rows.filter(pl.col("lang") == "eng_Latn").row(0, named=True)
    assert burmese["fragment_share"] > 0.5 > english["exposure"]  # Burmese is mostly byte pieces under cl100k
    assert report.languages.filter(pl.col("tokenizer") == "bytes:utf8")["exposure"].is_null().all()


class Structure(HTMLParser):
    """What a reader (or a script) finds in the document: title, rows per table, external references."""

    def __init__(self):
        super().__init__()
        self.title, self.rows, self.external, self.images = "", {}, [], []
        self._in_title, self._table, self._in_body = False, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self._in_title = True
        elif tag == "table":
            self._table = attrs.get("id")
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows[self._table] = self.rows.get(self._table, 0) + 1
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            # a link a reader may follow (a citation) is not something the page fetches
            cited = tag == "a" and value.startswith("https://")
            if value and not value.startswith(("data:", "#")) and not cited:
                self.external.append(value)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag == "link" or (tag == "script" and "src" in attrs):
            self.external.append(str(attrs))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def test_html_stands_alone_with_every_language_and_the_same_numbers(report):
    from toklab.report.html import render_html

    html = render_html(report)
    structure = Structure()
    structure.feed(html)
    assert structure.title == "What the same text costs in 5 languages"
    assert structure.rows["table-languages"] == 5 * 2  # a row and its breakdown per language
    assert structure.rows["table-summary"] == 2
    assert not structure.external, structure.external  # nothing fetched from anywhere
    assert structure.images and all(src.startswith("data:image/png;base64,") for src in structure.images)
    hindi = report.languages.filter((pl.col("tokenizer") == "tiktoken:cl100k_base") & (pl.col("lang") == "hin_Deva")
                                    ).row(0, named=True)
    assert f'data-v="{hindi["premium"]}"' in html  # the exact number sorts the column
    assert f"{hindi['premium']:.2f}× [{hindi['premium_lo']:.2f}–{hindi['premium_hi']:.2f}]" in html
    assert report.corpus.content_hash in html and "claude-sonnet-4-5 (estimate)" in html
    for provenance in report.provenance.values():
        assert f'id="prov-{provenance.key}"' in html and f'href="#prov-{provenance.key}"' in html


def test_markdown_writes_pngs_beside_it_and_never_overwrites(report, tmp_path):
    from toklab.report import write_report

    written = write_report(report, tmp_path / "audit.md", "md")
    text = (tmp_path / "audit.md").read_text(encoding="utf-8")
    pngs = [p for p in written if p.suffix == ".png"]
    assert pngs and all(p.read_bytes().startswith(b"\x89PNG") and f"]({p.name})" in text for p in pngs)
    assert text.count("\n| ") >= 5 + 2
    before = (tmp_path / "audit.md").stat().st_mtime_ns
    with pytest.raises(SpecError, match="already exist"):
        write_report(report, tmp_path / "audit.md", "md")
    assert (tmp_path / "audit.md").stat().st_mtime_ns == before
    write_report(report, tmp_path / "audit.md", "md", overwrite=True)


def test_cli_report_one_line_errors(flores_ready, tiktoken_ready, tmp_path):
    out = tmp_path / "r.html"
    result = run_cli("report", "-t", "bytes:utf8", "--langs", "eng_Latn,fra_Latn", "--resamples", "20",
                     "--no-glitch-words", "-m", "gpt-4o", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    # no terminal: a plain line per stage, so a long cold run under nohup or CI is never silent
    stages = [line for line in result.output.splitlines() if line.startswith("report: ")]
    assert stages[0].startswith("report: token counts and intervals: 2 tokenizers × 2 languages (0 of ")
    assert any(line.startswith("report: information loss") for line in stages) and len(stages) >= 5
    again = run_cli("report", "-t", "bytes:utf8", "--langs", "eng_Latn,fra_Latn", "-m", "gpt-4o", "-o", str(out))
    assert again.exit_code != 0 and "already exists: pass --overwrite" in again.output
    assert "Traceback" not in again.output
    wrong = run_cli("report", "-t", "bytes:utf8", "--langs", "eng_Latn,fra_Latn", "-m", "gpt-4x", "-o",
                    str(tmp_path / "x.html"))
    assert wrong.exit_code != 0 and "no price for 'gpt-4x'" in wrong.output and "Traceback" not in wrong.output


# -- in a real browser ---------------------------------------------------------------------------------


@pytest.fixture
def browser():
    if chromium() is None:
        pytest.skip("no chromium: `.ci/run` installs Debian's chromium with apt-get; it was not installable here")


def test_browser_catches_a_console_error(browser, tmp_path):
    """The check below can fail: a page that throws is seen to throw."""
    page = tmp_path / "broken.html"
    page.write_text("<html><head><title>t</title></head><body><script>missing_function();</script></body></html>")
    _, console = open_in_browser(page, "--dump-dom")
    assert any("missing_function" in line for line in console)


def test_report_in_headless_chromium(browser, report, tmp_path):
    from toklab.report import write_report

    page = tmp_path / "report.html"
    write_report(report, page)
    dom, console = open_in_browser(page, "--dump-dom")
    assert not console, console
    assert re.search(r"<title>What the same text costs in 5 languages", dom)
    body = dom[dom.index('id="table-languages"'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    assert body.count('<tr class="row"') == 5 and body.count('<tr class="detail"') == 5
    assert '<span id="filter-count" aria-live="polite">5 of 5 languages</span>' in dom  # the script ran
    assert 'aria-sort="none"' in dom and 'class="open"' in dom  # sortable headers, breakdown buttons
    shot = screenshot(page, tmp_path / "first-screen.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    pdf = tmp_path / "report.pdf"  # printable: the browser's own print to PDF
    open_in_browser(page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    printed = pdf.read_bytes()
    assert printed[:5] == b"%PDF-" and len(re.findall(rb"/Type\s*/Page(?!s)", printed)) >= 2


def test_report_with_a_lossy_tokenizer_and_a_byte_run(flores_ready, tiktoken_ready, tiny_parallel, tmp_path):
    """Loss by stage and bits per byte, as the loss analyzer and the byte model's evaluation give them."""
    import toklab
    from byte_model.evaluate import evaluate_run
    from corpora import load_corpus
    from tests.conftest import shared_path
    from toklab.loss import run_loss
    from toklab.registry import load_tokenizer
    from toklab.report import ReportOptions, collect
    from toklab.report.html import render_html
    from toklab.report.layout import figure_specs

    run = toklab.train_byte_model(tmp_path / "run", preset="tiny", steps=2, corpus="flores200?split=dev&langs=eng_Latn")
    minilm = load_tokenizer(f"hf:{shared_path('models/all-MiniLM-L6-v2')}")  # lower-cases and strips accents
    corpus = load_corpus(f"file:{tiny_parallel}")
    data = collect([minilm], corpus, ReportOptions(resamples=50, models=("gpt-4o",), glitch_words=False, byte_run=run))
    bpb = evaluate_run(run, corpus.spec.canonical, 100).per_lang
    assert dict(zip(data.languages["lang"], data.languages["bpb"])) == dict(zip(bpb["lang"], bpb["bpb"]))
    # a plain byte model pays the same FLOPs at every byte: its compute premium is the byte premium
    for row in data.languages.iter_rows(named=True):
        assert row["compute_premium"] == pytest.approx(row["byte_premium"])
        assert row["compute_low"] <= row["compute_premium"] <= row["compute_high"] and row["bytes_per_position"] == 1
    loss = run_loss([minilm], corpus).rows
    for stage in ("chars_lost", "unknown", "normalizer", "whitespace", "pretokenizer", "decoder"):
        assert data.languages.sort("lang")[stage].to_list() == loss.sort("lang")[stage].to_list()
    assert data.languages.filter(pl.col("lang") == "fra_Latn")["normalizer"].item() > 0  # é → e
    figures = figure_specs(data)
    assert {"scripts", "ranked", "prices", "loss", "bpb"} <= {f.key for f in figures}
    html = render_html(data, figures)
    assert 'id="prov-bpb"' in html and "No figure of characters lost" not in html and "bits per byte, byte model" in html
    assert "compute premium, byte model" in html and 'id="def-compute-premium"' in html


def test_exposure_refuses_another_tokenizers_ranking(report):
    from toklab.glitch import scan
    from toklab.glitch.exposure import exposure

    cl100k, utf8 = report.tokenizers
    with pytest.raises(SpecError, match="another tokenizer"):
        exposure(utf8, report.corpus, scan(cl100k, None, words=False))


def test_figures_are_redrawn_exactly_when_their_numbers_or_drawing_arguments_change(tmp_path, monkeypatch):
    from toklab.report.figures import drawn_png, language_bars

    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "home"))
    frame = pl.DataFrame({"tokenizer": ["t", "t"], "lang": ["eng_Latn", "hin_Deva"], "script": ["Latn", "Deva"],
                          "premium": [1.0, 4.8]})
    drawn = []

    def draw(rows, ylabel="premium", log=False):
        drawn.append(rows["premium"].to_list())
        return language_bars(rows, "premium", "tokenizer", "", ylabel, log)

    first = drawn_png("premium", frame, draw)
    again = drawn_png("premium", frame, draw)
    assert first == again and first.startswith(b"\x89PNG") and len(drawn) == 1
    changed = frame.with_columns(premium=pl.Series([1.0, 4.9]))
    assert drawn_png("premium", changed, draw) != first and len(drawn) == 2
    assert drawn_png("premium", frame, draw, "premium (×)") != first and len(drawn) == 3  # another label
    assert drawn_png("premium", frame, draw, "premium", True) != first and len(drawn) == 4  # log scale

    def nothing(rows):
        return None

    def broken(rows):
        raise AssertionError("a cached 'nothing to draw' is not drawn again")

    broken.__qualname__ = nothing.__qualname__  # the same drawing (same function, same arguments)
    assert drawn_png("loss", frame, nothing) is None and drawn_png("loss", frame, broken) is None


def test_shared_vendor_counts_price_a_closed_model_exactly(report, tmp_path):
    """With a counts file (what `toklab price --vendor-counts --save-counts` writes), the report prices
    Claude from the vendor's counts: not an estimate, premiums equal to the counts' own."""
    import dataclasses

    from toklab.premium.counted_premium import premiums_from_counts
    from toklab.premium.counts_file import read_counts_file, write_counts_file
    from toklab.bootstrap import BootstrapOptions
    from toklab.report import collect

    sample = report.corpus.frame.filter(pl.col("doc_id") < 40)
    counts = sample.select("doc_id", "lang", model=pl.lit("claude-sonnet-4-5"),
                           tokens=pl.col("text").str.len_bytes().cast(pl.Int64) // 3 + 1)
    path = tmp_path / "claude.csv"
    write_counts_file(counts, path)
    options = dataclasses.replace(report.options, counts_file=path, models=("claude-sonnet-4-5",))
    data = collect(report.tokenizers, report.corpus, options)
    claude = data.price_rows.filter(pl.col("model") == "claude-sonnet-4-5").sort("lang")
    expected = premiums_from_counts(read_counts_file(path), "eng_Latn", BootstrapOptions(resamples=200)).sort("lang")
    assert not claude["estimate"].any() and claude["tokenizer"].unique().to_list() == ["counted:claude-sonnet-4-5"]
    assert claude["premium"].to_list() == expected["premium"].to_list()
    assert "counts_file:" in data.provenance["prices"].signature and not data.prices[0].estimate
