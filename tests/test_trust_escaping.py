"""Text from data reaches a terminal, a Markdown file and an HTML page inert: a language name holding
terminal escapes, bidi overrides, a newline, a `|`, HTML or `$…$` neither acts on the terminal nor
breaks a table nor runs in a browser; ordinary text of every script is shown unchanged."""

from __future__ import annotations

import json
import re
import unicodedata
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from toklab.display import (
    html_id,
    html_text,
    json_safe,
    markdown_code,
    markdown_link_target,
    markdown_text,
    plot_label,
    visible,
)

# One of each kind of hostile name: terminal control sequences (CSI, OSC title, BEL, CR, C1 CSI, DEL),
# line breaks, Markdown/HTML syntax, mathtext, bidi overrides and isolates, invisible characters,
# rich markup (an unmatched closing tag raises in rich; a link tag writes OSC 8).
HOSTILE = [
    "x\x1b[2J\x1b]0;title\x07",
    "cr\rover",
    "new\nline\u2028sep",
    "pi|pe",
    "<script>console.error('injected')</script>",
    "<img src=x onerror=console.error('injected')>",
    "$\\frac$ $x^2$",
    "rtl\u202eevil\u2066iso\u2069",
    "c1\x9b31m del\x7f",
    "zw\u2060j\ufeff\u00ad",
    "[/x] [link=http://evil]click[/link]",
    "`tick` *em* _u_ [l](http://e) #h &amp; ~~s~~",
]
# What must never reach a terminal raw: C0 controls but the line break, DEL, C1, bidi controls,
# invisible format characters but ZWSP/ZWNJ/ZWJ, line/paragraph separators.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                         "\u2028\u2029\ufeff]")

# Ordinary text of many scripts, with the invisible characters their spelling needs.
ORDINARY = [
    "Hello, world! 3.5 × 2 = 7",
    "नमस्ते दुनिया, क्‍ष और क्‌ष",  # Devanagari with ZWJ and ZWNJ
    "مرحبا بالعالم، می‌خواهم",  # Arabic, Persian with ZWNJ
    "မႂ်ႇသုင်ၶႃႈ",  # Shan (Myanmar script)
    "ສະບາຍດີ ສະບາຍດີ ภาษาไทย",  # Lao, Thai
    "日本語のテキスト、中文文本、한국어 텍스트",
    "שָׁלוֹם עוֹלָם",  # Hebrew with niqqud
    "வணக்கம் ಕನ್ನಡ മലയാളം ଓଡ଼ିଆ",
    "ሰላም ዓለም ᐊᐃᓐᓇᐅ ꦲꦏ꧀ꦱꦫ",
    "ཀུན་ལ་བཀྲ་ཤིས། សួស្តី\u200bពិភពលោក",  # Tibetan, Khmer (coeng, ZWSP between words)
    "Tiếng Việt có dấu, e\u0301\u0323 combining",
    "👩‍💻 👨‍👩‍👧 🏳️‍🌈 ❤️ 🇫🇷 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # ZWJ, VS16, flags
    "Ελληνικά Кириллица Ქართული Հայերեն",
]


def test_ordinary_text_of_every_script_is_unchanged():
    for text in ORDINARY:
        assert visible(text) == text
        assert html_text(text) == text  # none of & < > " ' in them either
        assert plot_label(text) == text


def test_flores_lines_change_only_at_invisible_characters(flores_ready):
    """Real text of Shan, Hindi, Arabic and more: a line changes only where it holds a control or an
    invisible format character other than ZWSP/ZWNJ/ZWJ (FLORES has a stray U+0008 in shn_Mymr, a
    U+2063 in uig_Arab), and those are all it changes."""
    kept = {"\u200b", "\u200c", "\u200d"}

    def expected(line: str) -> str:
        return "".join(visible(c) if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c not in kept else c
                       for c in line)

    for lang in ("shn_Mymr", "hin_Deva", "arb_Arab", "mya_Mymr", "pes_Arab", "khm_Khmr", "zho_Hans",
                 "amh_Ethi", "uig_Arab", "tha_Thai"):
        lines = (flores_ready / "dev" / f"{lang}.dev").read_text(encoding="utf-8").splitlines()
        assert all(visible(line) == expected(line) for line in lines), lang
        unchanged = sum(visible(line) == line for line in lines)
        assert unchanged >= 0.95 * len(lines), (lang, unchanged, len(lines))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40))
def test_visible_never_outputs_a_control_character(text):
    shown = visible(text)
    assert not RAW_CONTROL.search(shown) and "\n" not in shown
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in shown)
    assert visible(shown) == shown  # idempotent
    # letters, marks, digits, punctuation, symbols and spaces are never touched
    assert all(c in shown for c in text if unicodedata.category(c)[0] in "LMNPS")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_json_safe_is_lossless_and_inert(text):
    written = json_safe(json.dumps({"lang": text}, ensure_ascii=False, indent=1))
    assert json.loads(written) == {"lang": text}
    assert not RAW_CONTROL.search(written)


def _markdown_html(source: str) -> str:
    from markdown_it import MarkdownIt  # a CommonMark parser (rich's own dependency) with GFM tables

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(source)


class _Page(HTMLParser):
    """Start tags, attribute names and the text of each table row's cells."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.rows, self._cell = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.mark.parametrize("name", HOSTILE + ORDINARY)
def test_markdown_cell_shows_the_text_and_nothing_else(name):
    """Rendered by a CommonMark parser: one cell per column, no tag from the data, and the cell's
    text is exactly the name (its invisible characters as escapes)."""
    source = f"| a | b |\n|---|---|\n| {markdown_text(name)} | {markdown_text(name)} |\n\n- {markdown_text(name)}\n"
    page = _page(_markdown_html(source))
    assert set(page.tags) <= {"table", "thead", "tbody", "tr", "th", "td", "ul", "li"}, page.tags
    assert page.rows[1] == [visible(name), visible(name)]
    assert "<" not in markdown_text(name) and "\n" not in markdown_text(name)


@pytest.mark.parametrize("name", HOSTILE + ORDINARY)
def test_markdown_heading_and_code_show_the_text(name):
    for source in (f"# {markdown_text(name)}\n", f"Generated from {markdown_code(name)}.\n"):
        html = _markdown_html(source)
        page = _page(html)
        assert set(page.tags) <= {"h1", "p", "code"}, (source, page.tags)
        assert visible(name) in __import__("html").unescape(re.sub("<[^>]+>", "", html))


def test_markdown_link_target_finds_the_file():
    assert markdown_link_target("audit-premium.png") == "audit-premium.png"
    html = _markdown_html(f"![t]({markdown_link_target('my (1) report [x]-premium.png')})")
    assert 'src="my%20%281%29%20report%20%5Bx%5D-premium.png"' in html


@pytest.mark.parametrize("name", HOSTILE)
def test_html_text_and_ids_are_inert(name):
    page = _page(f'<table><tr id="lang-{html_id(name)}"><td title="{html_text(name)}">{html_text(name)}</td></tr></table>')
    assert page.tags == ["table", "tr", "td"]
    assert [a[1] for a in page.attributes] == ["id", "title"]
    assert page.attributes[1][2] == visible(name) and page.rows == [[visible(name)]]
    assert re.fullmatch(r"lang-[\w.:~;-]+", page.attributes[0][2])


def test_html_ids_of_different_names_differ():
    names = HOSTILE + ORDINARY + ["a b", "a_b", "a~20;b", "a\x07", "a\x07a"]
    assert len({html_id(n) for n in names}) == len(names)
    assert html_id("eng_Latn") == "eng_Latn"


def test_a_mathtext_label_draws_as_text():
    """`$\\frac$` in a language or model name: matplotlib would parse it as math and fail to draw."""
    import polars as pl

    from toklab.report.figures import language_bars, save_png

    frame = pl.DataFrame({"tokenizer": ["tok $\\frac$ $"] * 3, "lang": ["eng_Latn", "$\\frac$ $x$", "a\x1bb"],
                          "premium": [1.0, 1.5, 2.0], "script": ["Latn", "$\\sqrt$ $", "Latn"],
                          "comparable": [True, True, True]})
    png = save_png(language_bars(frame, "premium", "tokenizer", "title $\\frac{$", "premium"))
    assert png.startswith(b"\x89PNG")
    assert plot_label("$x$ costs $2") == r"\$x\$ costs \$2"


# -- through the CLI ------------------------------------------------------------------------------


@pytest.fixture
def hostile_corpus(tmp_path):
    """A jsonl corpus: the pivot and one language per hostile name, the same four documents."""
    texts = ["The cat sat on the mat.", "Apple and apple.", "Tokenizers cost money.", "Hello world!"]
    path = tmp_path / "hostile.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i, lang in enumerate(["eng_Latn", *HOSTILE]):
            for doc, text in enumerate(texts):
                out.write(json.dumps({"id": doc, "lang": lang, "text": text + " x" * i}) + "\n")
    return f"jsonl:{path}?id=id"


def _inert(result) -> str:
    assert "Traceback" not in result.output, result.output
    assert not RAW_CONTROL.search(result.output), repr(RAW_CONTROL.search(result.output))
    return result.output


def test_corpora_show_and_audit_tables_show_names_inert(hostile_corpus):
    shown = run_cli("corpora", "show", hostile_corpus)
    assert shown.exit_code == 0, shown.output
    output = _inert(shown)
    for name in HOSTILE:
        assert visible(name) in output, name  # every name shown, in full, on one line of its row
    audit = run_cli("audit", "-t", "bytes:utf8", "--corpus", hostile_corpus, "--resamples", "20", "--all",
                    width=400)
    assert audit.exit_code == 0, audit.output
    output = _inert(audit)
    assert visible("[/x] [link=http://evil]click[/link]") in output  # rich markup shown, not applied


def test_json_export_keeps_the_names_exactly(hostile_corpus):
    result = run_cli("corpora", "show", hostile_corpus, "--format", "json")
    assert result.exit_code == 0, result.output
    langs = {row["lang"] for row in json.loads(_inert(result))["langs"]}
    assert langs == {"eng_Latn", *HOSTILE}


def test_encode_shows_control_tokens_inert():
    result = run_cli("encode", "bytes:utf8", "a\x1b]0;t\x07b\u202ec\rd\ne")
    assert result.exit_code == 0
    output = _inert(result)
    assert "\\x1b" in output and "\\x07" in output and "\\r" in output and "\\n" in output


def test_error_lines_quote_data_inert(tmp_path):
    from tests.test_errors_cli import assert_one_line_error

    for bad in ("\x1b]0;pwned\x07", "a\nb", "rtl\u202e", "\x9b2J"):
        result = run_cli("corpora", "show", f"jsonl:{tmp_path / bad}.jsonl")
        assert_one_line_error(result, "does not exist")
        assert visible(bad) in _inert(result)
    assert_one_line_error(run_cli("audit", "--method", "x\x1b[2J"), "\\x1b[2J")
    assert_one_line_error(run_cli("no-such\x1b[2J"), "\\x1b[2J")


def test_a_path_that_is_not_rich_markup_prints(tmp_path):
    folder = tmp_path / "[" / "x]"  # the path holds '[/x]', a closing tag to rich
    folder.mkdir(parents=True)
    (folder / "c.jsonl").write_text('{"lang": "eng_Latn", "text": "Hello."}\n', encoding="utf-8")
    result = run_cli("corpora", "show", f"jsonl:{folder / 'c.jsonl'}")
    assert result.exit_code == 0 and "[/x]" in _inert(result)


def test_reports_show_names_inert(hostile_corpus, tiktoken_ready, tmp_path):
    common = ["report", "-t", "bytes:utf8", "--corpus", hostile_corpus, "--resamples", "20", "--no-glitch-words",
              "-m", "gpt-4o"]
    md = run_cli(*common, "--format", "md", "-o", str(tmp_path / "r.md"))
    assert md.exit_code == 0, md.output
    _inert(md)
    source = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert not RAW_CONTROL.search(source)
    for table in re.findall(r"(?m)(?:^\|.*\n)+", source):  # every row has its table's number of cells
        cells = {len(re.findall(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(cells) == 1, table
        assert "<" not in table and ">" not in table
    rendered = _page(_markdown_html(source))
    assert "script" not in rendered.tags and not [a for a in rendered.attributes if a[1].startswith("on")]
    assert all(value.endswith(".png") for tag, name, value in rendered.attributes if tag == "img" and name == "src")
    cells = {cell for row in rendered.rows for cell in row}
    for name in HOSTILE:
        assert any(visible(name) in cell for cell in cells), name

    html = run_cli(*common, "--format", "html", "-o", str(tmp_path / "r.html"))
    assert html.exit_code == 0, html.output
    page_text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert not RAW_CONTROL.search(page_text)
    page = _page(page_text)
    assert page.tags.count("script") == 1  # the page's own sorting script, nothing from the data
    assert all(value.startswith("data:image/png;base64,") for tag, name, value in page.attributes
               if tag == "img" and name == "src")
    assert not [a for a in page.attributes if a[1].startswith("on")]
    ids = [value for _, name, value in page.attributes if name == "id"]
    assert len(ids) == len(set(ids)) and not any(re.search(r"\s", i) for i in ids)
    cells = {cell for row in page.rows for cell in row}
    for name in HOSTILE:
        assert any(visible(name) in cell for cell in cells), name
    from tests.browser import chromium, open_in_browser

    if chromium() is not None:  # in a browser the page's own script runs, nothing from the data does
        dom, console = open_in_browser(tmp_path / "r.html", "--dump-dom")
        assert not console, console
        assert f"{len(HOSTILE) + 1} of {len(HOSTILE) + 1} languages" in dom


def _terminal():
    """A SafeConsole that believes it writes to a colour terminal (styles and cursor moves on)."""
    import io

    from toklab.cli.render import SafeConsole

    return SafeConsole(file=io.StringIO(), force_terminal=True, color_system="standard", width=100)


def test_console_on_a_terminal_writes_only_its_own_escapes(monkeypatch):
    """On a real terminal rich writes CSI style codes itself; a progress label, a Text built from
    data, a markup string and a table cell must add no OSC, BEL, C1, bidi or raw CSI of their own."""
    import polars as pl
    from rich.text import Text

    from toklab.cli import progress
    from toklab.cli.render import frame_table

    console = _terminal()
    monkeypatch.setattr(progress, "stderr_console", lambda: console)
    with progress.progress_callback("encoding", 2) as advance:
        for name in HOSTILE:
            advance(name)
    console.print(Text("raw " + HOSTILE[0]))  # a Text object skips markup parsing: caught when rendered
    console.print(f"[bold]{HOSTILE[0]}[/bold] {HOSTILE[-3]}")
    console.print(frame_table(pl.DataFrame({"lang": HOSTILE})))
    written = console.file.getvalue()
    own_codes = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", written)  # rich's styles and cursor moves
    own_codes = own_codes.replace("\r", "")  # rich returns the cursor to redraw the bar
    assert not RAW_CONTROL.search(own_codes), repr(RAW_CONTROL.search(own_codes))
    assert "\x07" not in written and "\x1b]" not in written and "\x9b" not in written
    assert "\\x1b]0;title\\x07" in written and "[/x]" in written


def test_sampled_bytes_are_shown_inert():
    """`toklab byte sample` prints what the model wrote: its line breaks, but no control character."""
    from byte_model.sample import show_bytes

    assert show_bytes("naïve नमस्ते\nline\tend".encode()) == "naïve नमस्ते\nline\tend"
    assert show_bytes(b"a\x1b[2J\x07\xff\xe2\x80\xae\r") == "a\\x1b[2J\\x07\\xff\\u202e\\r"
