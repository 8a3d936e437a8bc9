"""Text from data (language names, token strings, file names, model names) made safe to show.

A corpus or a tokenizer can hold any character. Shown raw, an ESC sequence retitles or clears the
terminal, a bidi override reorders what a reader sees, a `<script>` runs in the HTML report and a
`|` breaks a Markdown table. Every way toklab shows data goes through one of these functions:

- `visible`: control and invisible format characters written as escapes (`\\x1b`, `\\n`,
  `\\u202e`); letters of every script, combining marks, ZWSP/ZWNJ/ZWJ and emoji stay as they are.
  The terminal, the HTML and the Markdown all start from it, so a name reads the same in all three.
- `markdown_text` / `markdown_code`: Markdown that shows the text and nothing else (no HTML, no
  table break, no emphasis, link or heading).
- `html_text` / `html_id`: HTML text and attribute values; ids and fragment links.
- `plot_label`: a matplotlib label (a `$` would start mathtext).
- `json_safe`: JSON text with the same characters as `\\u` escapes (lossless: exports keep the data).

CSV exports keep the raw text (a data format: its writer quotes). A cell starting with `=`, `+`, `-`
or `@` is a formula to a spreadsheet; toklab leaves it, as a number like `-0.5` must stay a number.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# What `visible` rewrites: C0 and C1 controls and DEL; the line and paragraph separators; lone
# surrogates (from undecodable argv or file names: they cannot even be encoded for output); and
# the invisible format characters that can hide or reorder text — soft hyphen, Arabic letter mark,
# Mongolian vowel separator, LRM/RLM, the bidi embeddings, overrides and isolates, word joiner and
# invisible operators, deprecated format characters, BOM, interlinear annotation, musical format
# characters and tag characters. Left alone on purpose: ZWSP, ZWNJ and ZWJ (U+200B–D: the word
# breaks of Khmer, Thai and Myanmar text — 3 of 4 Khmer lines of FLORES hold one — and spelling in
# Indic and Arabic scripts and emoji; none reorders text or acts on a terminal), the visible
# prepended concatenation marks (U+0600–0605, U+06DD, ...), Egyptian and Duployan format controls
# (part of their scripts), variation selectors and combining marks, and a tag sequence that spells
# an emoji flag.
_C0 = "\x00-\x1f"
_UNSAFE_BEYOND_C0 = (
    "\x7f-\x9f\u00ad\u061c\u180e\u200e\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff\U0001d173-\U0001d17a\U000e0000-\U000e007f"
)
_UNSAFE_CHARS = _C0 + _UNSAFE_BEYOND_C0
_EMOJI_TAG_SEQUENCE = "\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"  # e.g. the flag of Scotland
_UNSAFE = re.compile(f"({_EMOJI_TAG_SEQUENCE})|[{_UNSAFE_CHARS}]")
_ANY_UNSAFE = re.compile(f"[{_UNSAFE_CHARS}]")  # the quick test: one character class, no alternation
_UNSAFE_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f{_UNSAFE_BEYOND_C0}]")  # all but \t and \n
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str, keep: str = "") -> str:
    """`text` with every control, separator and invisible format character written as an escape
    (but those in `keep`: the terminal keeps the line breaks of toklab's own multi-line messages).

    Ordinary text of any script comes back unchanged (the common case costs one regex search).
    The result holds no character that `visible` would rewrite, so applying it twice changes nothing.
    """
    if _ANY_UNSAFE.search(text) is None:
        return text

    def shown(match: re.Match) -> str:
        if match[1] or match[0] in keep:  # group 1: a whole emoji tag sequence, kept
            return match[0]
        return _escape_char(match[0])

    return _UNSAFE.sub(shown, text)


def visible_lines(text: str) -> str:
    """`visible`, keeping line breaks and tabs: for toklab's own multi-line terminal output, where
    every printed piece passes (so the common case is one search)."""
    return text if _UNSAFE_IN_LINES.search(text) is None else visible(text, keep="\n\t")


def is_visible(text: str) -> bool:
    """True when `visible(text) == text`."""
    return visible(text) == text


# Markdown: ASCII punctuation that can start emphasis, code, links, HTML, tables, math or
# strikethrough is backslash-escaped (CommonMark lets any ASCII punctuation be); <, > and & become
# entities, so even a reader of the raw file sees no tag. A line-start marker (list, heading,
# numbered list) is escaped too, as data can start a list item or a heading.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*\[\]|$~#])")
# `_` inside a word (eng_Latn, cl100k_base) never starts emphasis: escaped only at a word's edge
_EDGE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_MARKDOWN_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# a list item, numbered item or thematic break at the start of a line
_LEADING_BULLET = re.compile(r"^[-+](?=[\s-]|$)")
_LEADING_NUMBER = re.compile(r"^\d{1,9}(?=[.)](\s|$))")


def markdown_text(text: object) -> str:
    """`text` as Markdown that renders as exactly these characters (visible escapes included):
    safe in a table cell, a heading, a list item and running text."""
    shown = _MARKDOWN_PUNCTUATION.sub(r"\\\1", visible(str(text)))
    shown = _EDGE_UNDERSCORE.sub(r"\\_", shown)
    shown = re.sub("[&<>]", lambda m: _MARKDOWN_ENTITIES[m[0]], shown)
    shown = _LEADING_BULLET.sub(lambda m: "\\" + m[0], shown)
    return _LEADING_NUMBER.sub(lambda m: m[0] + "\\", shown)


def markdown_code(text: object) -> str:
    """`text` as inline code when it is plain (the usual signature or spec), else as escaped text:
    inside a code span nothing can be escaped, so a backtick, a tag or a control character in it
    would show wrongly or break out."""
    text = str(text)
    if text and is_visible(text) and not re.search(r"[`<>&]", text) and text.strip() == text:
        return f"`{text}`"
    return markdown_text(text)


def markdown_link_target(path: str) -> str:
    """A relative file name as a link destination: spaces, parentheses, brackets and the rest
    percent-encoded (what a renderer resolves back to the file), `/` kept."""
    return quote(path, safe="/._-~")


def html_text(text: object) -> str:
    """`text` for HTML content or a quoted attribute value: visible escapes, then `& < > " '`."""
    from html import escape

    return escape(visible(str(text)), quote=True)


_ID_SAFE = re.compile(r"[^\w.:-]")


def html_id(text: str) -> str:
    """An id (and its `#fragment`) from data: letters, digits, `_ . : -` kept, every other character
    written `~hex;`, so different names never share an id and normal codes (eng_Latn) stay as they are."""
    return _ID_SAFE.sub(lambda m: f"~{ord(m[0]):x};", text)


def plot_label(text: object) -> str:
    """A matplotlib label: visible escapes, and `$` escaped (two would start mathtext, which renders
    math or fails to draw)."""
    return visible(str(text)).replace("$", r"\$")


# json.dumps already escapes C0 controls inside strings; outside them, its indentation is \n and spaces
_JSON_UNESCAPED = re.compile(f"[{_UNSAFE_BEYOND_C0}]")


def _json_escape(match: re.Match) -> str:
    code = ord(match[0])
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # outside the BMP: a surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_safe(text: str) -> str:
    """JSON text (as json.dumps writes it) with controls, bidi and other invisible characters as
    `\\u` escapes: the same data once parsed, but nothing a terminal acts on when it is printed.
    Outside strings JSON is ASCII and whitespace, so every such character is inside a string."""
    return _JSON_UNESCAPED.sub(_json_escape, text)
