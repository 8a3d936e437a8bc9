"""The report as its readers see it, checked in a real browser (headless Chromium) and on paper (its
PDF, read back with poppler-utils): what the first screen says, that every term of the lead is
defined, that a phone shows numbers without scrolling the page sideways, that the table's header
stays in view and prints on every page, that a figure prints on one page with its caption and with
no text under 8 pt. Each check is also run on a page made to fail it, so it cannot pass vacuously."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import polars as pl
import pytest

from tests.browser import chromium, measure, pdf_images, pdf_pages, poppler, print_to_pdf

LANGS_EVERY = 5  # every 5th FLORES language (41) and English: a table longer than one printed page


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """A report of 42 languages × cl100k and bytes, two priced models (one an estimate), written once."""
    from tests.conftest import shared_path

    patch = pytest.MonkeyPatch()
    patch.setenv("TIKTOKEN_CACHE_DIR", str(shared_path("tiktoken_cache")))
    root = shared_path("corpora/flores200")
    patch.setenv("TOKLAB_DATA", str(root.parent))
    from corpora import load_corpus
    from toklab.registry import load_tokenizer
    from toklab.report import ReportOptions, collect, write_report

    langs = sorted(p.name.split(".")[0] for p in (root / "devtest").iterdir())[::LANGS_EVERY]
    corpus = load_corpus("flores200?split=devtest&langs=" + ",".join(sorted(set(langs) | {"eng_Latn"})))
    data = collect([load_tokenizer(t) for t in ("tiktoken:cl100k_base", "bytes:utf8")], corpus,
                   ReportOptions(resamples=100, models=("gpt-4o", "claude-sonnet-4-5"), glitch_words=False))
    page = tmp_path_factory.mktemp("report") / "report.html"
    write_report(data, page)
    yield data, page
    patch.undo()


@pytest.fixture
def browser():
    if chromium() is None:
        pytest.skip("no chromium: `.ci/run` installs Debian's chromium with apt-get; it was not installable here")


@pytest.fixture
def paper(browser):
    if not poppler():
        pytest.skip("no pdftotext/pdfimages: `.ci/run` installs Debian's poppler-utils; it was not installable here")


def variant(page, name: str, css: str):
    """A copy of the report with extra CSS: a page made to fail a check."""
    copy = page.with_name(f"{name}.html")
    copy.write_text(page.read_text(encoding="utf-8").replace("</style>", css + "</style>", 1), encoding="utf-8")
    return copy


# -- words ---------------------------------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.term_links, self.downloads = set(), [], {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "term" in (attrs.get("class") or ""):
            self.term_links.append(attrs["href"])
        if tag == "a" and "download" in attrs:
            self.downloads[attrs["download"]] = attrs["href"]


def test_every_term_of_the_lead_is_defined_on_the_page(wide):
    from toklab.report.glossary import glossary
    from toklab.report.lead import Term, lead, summary

    data, page = wide
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    assert len(links.term_links) >= 6
    for href in links.term_links:
        assert href.startswith("#def-") and href[1:] in links.ids, href
    defined = {d.key for d in glossary(data)}
    used = {part.key for paragraph in [summary(data), *lead(data)] for part in paragraph if isinstance(part, Term)}
    assert used <= defined, used - defined
    terms = {d.term for d in glossary(data)}
    assert {"Premium", "95 % interval", "Gini", "Glitch exposure"} <= terms
    glitch = next(d.text for d in glossary(data) if d.key == "glitch-exposure")
    assert "counts every token of every language" in glitch and "median language's is" in glitch


def test_the_lead_says_the_finding_with_the_numbers_of_the_tables(wide):
    from toklab.report.lead import key_numbers, plain, summary

    data, _ = wide
    text = plain(summary(data))
    cl100k = data.languages.filter((pl.col("tokenizer") == "tiktoken:cl100k_base") & (pl.col("lang") != "eng_Latn"))
    dearest = cl100k.sort("premium").row(-1, named=True)
    median = data.summary.filter(pl.col("tokenizer") == "tiktoken:cl100k_base")["median_premium"][0]
    assert f"the median of {cl100k.height + 1} languages needs {median:.2f}×" in text
    assert f"{cl100k.filter(pl.col('premium') >= 2).height} of {cl100k.height} need at least twice" in text
    assert dearest["lang_name"] in text and "95 % interval" in text
    # gpt-4o, the first model counted exactly, counts with o200k, which this report does not show
    assert "Under the cl100k_base tokenizer, the median" in text
    numbers = dict((label, value) for value, label in key_numbers(data))
    shown = f"{dearest['premium']:.1f}×" if dearest["premium"] >= 10 else f"{dearest['premium']:.2f}×"
    assert numbers[f"the dearest language: {dearest['lang_name']}"] == shown


def test_csv_inside_the_page_holds_every_number_at_full_precision(wide):
    data, page = wide
    links = Links()
    links.feed(page.read_text(encoding="utf-8"))
    text = unquote(links.downloads["toklab-languages.csv"].removeprefix("data:text/csv;charset=utf-8,"))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == data.languages.height
    expected = {(r["tokenizer"], r["lang"]): r["premium"] for r in data.languages.iter_rows(named=True)}
    assert all(float(r["premium"]) == expected[(r["tokenizer"], r["lang"])] for r in rows)
    prices = unquote(links.downloads["toklab-prices.csv"].split(",", 1)[1])
    assert len(list(csv.DictReader(io.StringIO(prices)))) == data.price_rows.height


def test_a_spreadsheet_formula_in_a_name_stays_text():
    from toklab.report.language_table import csv_text

    text = csv_text(pl.DataFrame({"name": ["=HYPERLINK(1)", "-1", "ok"], "value": [-1.5, None, 2.0]}))
    assert text.splitlines()[1:] == ["'=HYPERLINK(1),-1.5", "'-1,", "ok,2.0"]


# -- screens -----------------------------------------------------------------------------------------


def test_first_screen_holds_the_finding_and_how_sure_it_is(browser, wide):
    _, page = wide
    for width, height in ((1440, 900), (390, 844)):
        seen = measure(page, """
            var summary = document.querySelector('.summary p').getBoundingClientRect();
            var numbers = document.querySelector('aside.numbers').getBoundingClientRect();
            return {summary: summary.bottom, numbers: numbers.top,
                    text: document.querySelector('.summary p').textContent};""", width, height)
        assert "premium" in seen["text"] and "95 % interval" in seen["text"]
        if width > 900:  # a phone has room for the title and the start of the finding
            assert seen["summary"] <= height and seen["numbers"] <= height, seen


PHONE = """
    var table = document.getElementById('table-languages');
    var first = table ? table.tBodies[0].rows[0] : null;
    var number = first ? first.querySelector('td[data-g="premium"]') : null;
    var box = number ? number.getBoundingClientRect() : null;
    return {page: document.documentElement.scrollWidth, window: window.innerWidth,
            number_right: box ? box.right : null, number: number ? number.textContent : null};"""


def test_a_phone_shows_numbers_and_never_scrolls_the_page_sideways(browser, wide):
    _, page = wide
    seen = measure(page, PHONE, 390, 844)
    assert seen["window"] == 390 and seen["page"] <= seen["window"], seen
    assert seen["number"] and "×" in seen["number"] and seen["number_right"] <= seen["window"], seen
    wider = measure(variant(page, "too-wide", "header { min-width: 600px; }"), PHONE, 390, 844)
    assert wider["page"] > wider["window"]  # the check sees a page that does scroll sideways


HEADER = """
    var table = document.getElementById('table-languages'), box = table.parentElement;
    box.scrollIntoView(); box.scrollTop = 400;
    var head = table.tHead.rows[0].cells[0].getBoundingClientRect();
    return {scrolled: box.scrollTop, offset: head.top - box.getBoundingClientRect().top,
            text: table.tHead.rows[0].cells[0].textContent};"""


def test_the_header_row_stays_in_view_while_the_table_scrolls(browser, wide):
    _, page = wide
    seen = measure(page, HEADER, 1280, 900)
    assert seen["scrolled"] == 400 and abs(seen["offset"]) <= 1 and seen["text"] == "language", seen
    static = measure(variant(page, "static-header", "th { position: static !important; }"), HEADER, 1280, 900)
    assert static["offset"] <= -300  # a header that scrolls away is seen to


def test_breakdowns_open_by_click_and_travel_with_their_row_when_sorting(browser, wide):
    _, page = wide
    seen = measure(page, """
        var table = document.getElementById('table-languages');
        var rows = function () { return Array.prototype.slice.call(table.tBodies[0].rows); };
        var closed = rows().filter(function (r) { return r.classList.contains('detail') && !r.hidden; }).length;
        var button = table.querySelector('button.open');
        button.click();
        var opened = document.getElementById(button.getAttribute('aria-controls'));
        var shown = !opened.hidden && opened.textContent;
        table.tHead.rows[0].cells[2].click();
        var pairs = rows().every(function (r, i, all) {
            return !r.classList.contains('detail') || all[i - 1].id === r.id.replace('detail-', '');
        });
        var exposure = table.querySelector('td[data-g="exposure"]');
        var hidden = getComputedStyle(exposure).display;
        document.querySelector('input[data-group="exposure"]').click();
        return {closed: closed, shown: shown, pairs: pairs, hidden: hidden,
                after: getComputedStyle(exposure).display};""", 1280, 900)
    assert seen["closed"] == 0 and "Premium:" in seen["shown"] and "Characters lost:" in seen["shown"]
    assert seen["pairs"], "a breakdown row left its language when the table was sorted"
    assert seen["hidden"] == "none" and seen["after"] == "table-cell"  # a column group shown on request


# -- paper -------------------------------------------------------------------------------------------

ROW = re.compile(r"\d+\.\d\d× \[")  # a premium with its interval: a row of the table of every language


def pages_missing_the_header(pages: list[str]) -> list[int]:
    """The printed pages that hold rows of the table of every language but not its header's words."""
    table = [i for i, text in enumerate(pages) if ROW.search(text)]
    return [i for i in table if not all(word in pages[i] for word in ("language", "premium", "gpt-4o"))]


def test_printed_table_has_its_header_on_every_page(paper, wide, tmp_path):
    _, page = wide
    pages = pdf_pages(print_to_pdf(page, tmp_path / "report.pdf"))
    assert len([text for text in pages if ROW.search(text)]) >= 2  # the table runs over several pages
    assert pages_missing_the_header(pages) == []
    unrepeated = variant(page, "no-repeat", "@media print { thead { display: table-row-group !important; } }")
    assert pages_missing_the_header(pdf_pages(print_to_pdf(unrepeated, tmp_path / "bad.pdf")))


def flat(text: str) -> str:
    return " ".join(text.split())


def test_printed_figures_keep_their_caption_and_8_point_text(paper, wide, tmp_path):
    from toklab.report.figures import DPI, MAX_WIDTH, MIN_FONT, min_font_points
    from toklab.report.layout import figure_plans, figure_specs

    data, page = wide
    pdf = print_to_pdf(page, tmp_path / "report.pdf")
    pages = [flat(text) for text in pdf_pages(pdf)]
    specs = figure_specs(data)
    assert len(specs) >= 4
    for spec in specs:
        holding = [i for i, text in enumerate(pages) if flat(spec.title) in text]
        assert holding and flat(spec.caption)[:60] in pages[holding[0]], spec.key
    smallest = min(min_font_points(figure) for plan in figure_plans(data)
                   if (figure := plan.draw(plan.table, *plan.arguments)) is not None)
    placed = [image for image in pdf_images(pdf) if image["width"] == round(MAX_WIDTH * DPI)]
    assert len(placed) == len(specs)
    for image in placed:  # printed at its design size or larger: a font of N points prints at N or more
        assert smallest * DPI / image["x_ppi"] >= MIN_FONT, image
