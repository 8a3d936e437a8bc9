"""The report as one self-contained HTML file: styles, script and figures (base64 PNG) inline, no
network. Tables are plain HTML, readable without JavaScript and in print; the script only adds
sorting (click a column) and filtering (text, script)."""

from __future__ import annotations

import base64

# Every string put into the page goes through `escape`: html.escape of the text with its control
# and bidi characters shown as escapes (a language name cannot add a tag, close an attribute or
# reorder a row). Ids and fragment links are built with `html_id`.
from toklab.display import html_id
from toklab.display import html_text as escape
from toklab.report.collect import CONTENT_TOKENS, ReportData
from toklab.report.layout import (
    Cell,
    FigureSpec,
    Table,
    figure_specs,
    headline,
    language_table,
    methodology,
    missing_figures,
    model_table,
    price_language_table,
    report_title,
    script_table,
    stale_prices,
    summary_table,
    worst_languages,
)

STYLE = """
:root { --ink: #1b1f24; --muted: #5b636d; --line: #d5d9de; --band: #f4f6f8; --accent: #0b5cad; --warn: #8a4b00; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
header, main { max-width: 1200px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 20px; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h1, .meta, .provenance { overflow-wrap: anywhere; }
h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); }
.meta, figcaption, .note { color: var(--muted); font-size: 0.9rem; }
.warning { border-left: 4px solid #b45309; background: #fef3c7; color: #000; padding: 0.4rem 0.6rem; }
nav a { margin-right: 12px; color: var(--accent); }
.headline li { margin-bottom: 6px; }
.scroll { overflow-x: auto; max-width: 100%; border: 1px solid var(--line); }
table { border-collapse: collapse; font-size: 0.82rem; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: var(--band); position: sticky; top: 0; vertical-align: bottom; }
th:first-child, td:first-child { text-align: left; position: sticky; left: 0; background: #fff; }
th:first-child { background: var(--band); z-index: 1; }
tbody tr:nth-child(even) td { background: #fafbfc; }
th button { font: inherit; font-weight: 600; border: 0; background: none; padding: 0; cursor: pointer;
            text-align: inherit; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.est { color: var(--warn); font-style: italic; }
td.est::before { content: "≈"; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
.controls input, .controls select { font: inherit; padding: 4px 6px; }
figure { margin: 1.5rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
dl.method dt { font-weight: 600; margin-top: 8px; } dl.method dd { margin-left: 16px; overflow-wrap: anywhere; }
details code { display: block; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.78rem;
               background: var(--band); padding: 8px; }
.provenance { font-size: 0.85rem; }
@media (max-width: 640px) { body { font-size: 14px; } th, td { padding: 2px 5px; } }
@page { size: A4 landscape; margin: 8mm; }
@media print {
  nav, .controls { display: none; }
  body { font-size: 10pt; } header, main { max-width: none; padding: 0; }
  /* the page cannot scroll sideways: the wide tables fit its width, their cells wrap */
  .scroll { overflow: visible; border: 0; } table { font-size: 5.5pt; width: 100%; }
  th, td { white-space: normal; padding: 1px 2px; } th { overflow-wrap: anywhere; }
  th { position: static; } th:first-child, td:first-child { position: static; }
  thead { display: table-header-group; } tr, figure, dl.method dd { break-inside: avoid; }
  details { display: block; } details > * { display: block; }
  a { color: inherit; text-decoration: none; }
}
"""

SCRIPT = """
(function () {
  function sortValue(cell) {
    var v = cell.getAttribute("data-v");
    if (v === null || v === "") return null;
    var n = Number(v);
    return isNaN(n) ? v.toLowerCase() : n;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      var label = th.textContent;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") !== "descending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = sortValue(a.cells[index]), y = sortValue(b.cells[index]);
          if (x === null) return y === null ? 0 : 1;
          if (y === null) return -1;
          var order = x < y ? -1 : x > y ? 1 : 0;
          return descending ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  var table = document.getElementById("table-languages");
  var controls = document.getElementById("language-controls");
  if (!table || !controls) return;
  controls.hidden = false;
  var text = document.getElementById("filter-text"), script = document.getElementById("filter-script");
  var count = document.getElementById("filter-count");
  function apply() {
    var needle = text.value.trim().toLowerCase(), wanted = script.value, shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var visible = (!wanted || row.getAttribute("data-script") === wanted) &&
                    (!needle || row.cells[0].textContent.toLowerCase().indexOf(needle) >= 0 ||
                     row.cells[1].textContent.toLowerCase().indexOf(needle) >= 0);
      row.hidden = !visible;
      shown += visible ? 1 : 0;
    });
    count.textContent = shown + " of " + table.tBodies[0].rows.length + " languages";
  }
  text.addEventListener("input", apply);
  script.addEventListener("change", apply);
  apply();
})();
"""


def render_html(data: ReportData, figures: list[FigureSpec] | None = None) -> str:
    """The whole report as one HTML string."""
    figures = figure_specs(data) if figures is None else figures
    title = report_title(data)
    body = [_header(data, title), "<main>", _headline(data), _languages(data),
            '<section id="scripts"><h2>Per script</h2>', table_html(script_table(data), data), "</section>",
            _figures(data, figures), _methodology(data), "</main>"]
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n" + "\n".join(body)
            + f"\n<script>{SCRIPT}</script></body></html>\n")


def _header(data: ReportData, title: str) -> str:
    return (f"<header><h1>{escape(title)}</h1>"
            f'<p class="meta">Generated {escape(data.created)} by toklab from {escape(data.corpus.spec.canonical)} '
            f"(content sha256 {escape(data.corpus.content_hash[:16])}…); pivot {escape(data.pivot)}.</p>"
            '<nav><a href="#headline">Headline</a><a href="#languages">Languages</a><a href="#scripts">Scripts</a>'
            '<a href="#figures">Figures</a><a href="#methodology">Methodology</a></nav></header>')


def _headline(data: ReportData) -> str:
    sentences = "".join(f"<li>{escape(sentence)}</li>" for sentence in headline(data))
    warnings = "".join(f'<p class="warning">{escape(w)}</p>' for w in stale_prices(data))
    return (f'<section id="headline"><h2>Headline</h2>{warnings}<ul class="headline">{sentences}</ul>'
            + table_html(summary_table(data), data) + table_html(worst_languages(data), data)
            + table_html(model_table(data), data) + "</section>")


def _languages(data: ReportData) -> str:
    return ('<section id="languages"><h2>Per language</h2>'
            '<p class="note">Premium: tokens needed for the same content as the pivot (95% bootstrap interval); '
            "† not comparable (text became unknown tokens). The second table: what the content of "
            f"{CONTENT_TOKENS:,} pivot tokens costs per model at the blended input:output price. Cells in "
            "<em>≈ italics</em> are estimates. Hover a cell for its breakdown.</p>"
            + language_controls(data) + table_html(language_table(data), data)
            + table_html(price_language_table(data), data) + "</section>")


def _figures(data: ReportData, figures: list[FigureSpec]) -> str:
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in missing_figures(data, figures))
    drawn = "".join(figure_html(f, data) for f in figures)
    return f'<section id="figures"><h2>Figures</h2>{drawn}{notes}</section>'


def _methodology(data: ReportData) -> str:
    terms = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in methodology(data))
    signatures = "".join(f'<details id="prov-{html_id(p.key)}"><summary>{escape(p.title)}</summary>'
                         f"<code>{escape(p.signature)}</code></details>" for p in data.provenance.values())
    return (f'<section id="methodology"><h2>Methodology</h2><dl class="method">{terms}</dl>'
            f"<h3>Provenance (full signatures)</h3>{signatures}</section>")


def provenance_links(keys: list[str], data: ReportData) -> str:
    links = " · ".join(f'<a href="#prov-{html_id(k)}">{escape(data.provenance[k].label)}</a>' for k in keys)
    return f'<p class="provenance">Provenance: {links}</p>'


def cell_html(cell: Cell) -> str:
    attributes = ""
    if cell.value is not None:
        attributes += f' data-v="{escape(str(cell.value))}"'
    if cell.note:
        attributes += f' title="{escape(cell.note)}"'
    if cell.estimate:
        attributes += ' class="est"'
    return f"<td{attributes}>{escape(cell.text)}</td>"


def table_html(table: Table, data: ReportData) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in table.headers)
    rows = []
    for i, cells in enumerate(table.rows):
        attributes = table.row_attributes[i] if table.row_attributes else {}
        extra = "".join(f' {k}="{escape(html_id(v) if k == "id" else v)}"' for k, v in attributes.items())
        rows.append(f"<tr{extra}>" + "".join(cell_html(c) for c in cells) + "</tr>")
    key = html_id(table.key)
    return (f'<h3 id="t-{key}">{escape(table.title)}</h3><div class="scroll">'
            f'<table class="sortable" id="table-{key}" aria-labelledby="t-{key}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            + provenance_links(table.provenance, data))


def language_controls(data: ReportData) -> str:
    scripts = sorted(set(data.languages["script"].to_list()))
    options = "".join(f'<option value="{escape(s)}">{escape(s)}</option>' for s in scripts)
    return ('<div class="controls" id="language-controls" hidden>'
            '<label>Filter <input id="filter-text" type="search" placeholder="language or code"></label>'
            f'<label>Script <select id="filter-script"><option value="">all</option>{options}</select></label>'
            '<span id="filter-count" aria-live="polite"></span></div>')


def figure_html(figure: FigureSpec, data: ReportData) -> str:
    source = base64.b64encode(figure.png).decode("ascii")
    return (f'<figure id="fig-{html_id(figure.key)}"><h3>{escape(figure.title)}</h3>'
            f'<img alt="{escape(figure.title)}" src="data:image/png;base64,{source}">'
            f"<figcaption>{escape(figure.caption)}</figcaption>{provenance_links(figure.provenance, data)}</figure>")
