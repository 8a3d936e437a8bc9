"""The report as one self-contained HTML file: styles, script, figures (base64 PNG) and the table's
data (CSV) inline, no network. Without JavaScript every column and every breakdown is shown; the
script adds sorting (click or Enter on a column's header), filtering, column groups and breakdowns
that open per language. Laid out for a laptop, a phone and paper: the header row stays in view while
the table scrolls, and prints on every page.
"""

from __future__ import annotations

import base64
from urllib.parse import quote

# Every string put into the page goes through `escape`: html.escape of the text with its control
# and bidi characters shown as escapes (a language name cannot add a tag, close an attribute or
# reorder a row). Ids and fragment links are built with `html_id`.
from toklab.display import html_id
from toklab.display import html_text as escape
from toklab.report.collect import ReportData
from toklab.report.glossary import glossary, limitations, sources
from toklab.report.language_table import GROUPS, downloads, language_table
from toklab.report.layout import (
    Cell,
    FigureSpec,
    Table,
    counting_table,
    figure_specs,
    methodology,
    missing_figures,
    model_table,
    script_table,
    stale_prices,
    summary_table,
)
from toklab.report.lead import Paragraph, key_numbers, lead, subtitle, summary, title

STYLE = """
:root { --ink: #1b1f24; --muted: #4f5761; --line: #d5d9de; --band: #eef1f4; --accent: #0b5cad; --warn: #7a4300; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
header, main { max-width: 1120px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 20px; border-bottom: 1px solid var(--line); }
.kicker { text-transform: uppercase; letter-spacing: .06em; font-size: .8rem; color: var(--muted); margin: 0; }
h1 { font-size: 2rem; line-height: 1.2; margin: 4px 0 6px; }
.dek { font-size: 1.1rem; margin: 0 0 6px; color: var(--ink); }
h1, .dek, .meta, .provenance, dd, .breakdown { overflow-wrap: anywhere; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid var(--line); }
h2, h3 { break-after: avoid; }
.meta, figcaption, .note { color: var(--muted); font-size: 0.9rem; }
.lead p { font-size: 1.05rem; max-width: 46rem; }
.opening { display: grid; grid-template-columns: minmax(0, 44rem) minmax(12rem, 18rem); gap: 0 2.5rem;
           align-items: start; margin-top: 1.2rem; }
.summary p { font-size: 1.2rem; line-height: 1.5; margin-top: 0; }
aside.numbers { border-left: 3px solid var(--accent); padding: 2px 0 2px 14px; font-size: 0.9rem; color: var(--muted); }
aside.numbers div { margin-bottom: 10px; }
aside.numbers .number { display: block; font-size: 1.45rem; font-weight: 700; color: var(--ink); line-height: 1.2; }
a.term { color: inherit; text-decoration: underline dotted; text-underline-offset: 3px; }
.warning { border-left: 4px solid #b45309; background: #fef3c7; color: #000; padding: 0.4rem 0.6rem; max-width: 46rem; }
nav { display: flex; flex-wrap: wrap; gap: 4px 14px; padding: 6px 0 10px; }
nav a { color: var(--accent); }
.scroll { overflow: auto; max-width: 100%; max-height: 85vh; border: 1px solid var(--line); }
table { border-collapse: separate; border-spacing: 0; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: var(--band); position: sticky; top: 0; z-index: 2; vertical-align: bottom; white-space: normal;
     min-width: 5.5em; }
th:first-child, td:first-child { text-align: left; position: sticky; left: 0; background: #fff; z-index: 1; }
th:first-child { background: var(--band); z-index: 3; }
td:nth-child(2), th:nth-child(2) { text-align: left; }
table:not(#table-languages) tbody tr:nth-child(even) td { background: #f8f9fb; }
th[aria-sort] { cursor: pointer; }
th[aria-sort]:focus { outline: 2px solid var(--accent); outline-offset: -2px; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
td.est { color: var(--warn); font-style: italic; }
td.est::before { content: "≈"; }
button.open { font: inherit; border: 0; background: none; padding: 0; cursor: pointer; color: var(--accent);
              text-align: left; }
button.open::before { content: "▸ "; }
button.open[aria-expanded="true"]::before { content: "▾ "; }
tr.detail td { position: static; text-align: left; white-space: normal; background: #fbfbf7; }
.breakdown { max-width: min(64rem, 88vw); font-size: 0.82rem; }
.breakdown p { margin: 2px 0; }
.controls { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 8px 0; }
.controls input, .controls select, .controls button { font: inherit; padding: 4px 6px; }
details.columns { margin: 4px 0 8px; } details.columns summary { cursor: pointer; color: var(--accent); }
fieldset.columns { border: 1px solid var(--line); padding: 4px 10px; margin: 4px 0; }
fieldset.columns label { margin-right: 12px; white-space: nowrap; }
.downloads a { margin-right: 14px; }
figure { margin: 1.5rem 0; break-inside: avoid; page-break-inside: avoid; }
figure h3 { margin: 0 0 6px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { max-width: 46rem; }
dl.terms dt { font-weight: 600; margin-top: 10px; } dl.terms dd { margin-left: 0; max-width: 46rem; }
dl.method dt { font-weight: 600; margin-top: 8px; } dl.method dd { margin-left: 16px; }
.limits li, .sources li { max-width: 46rem; margin-bottom: 6px; } .sources a { overflow-wrap: anywhere; }
details code { display: block; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.78rem;
               background: var(--band); padding: 8px; }
.provenance { font-size: 0.85rem; }
.print-only { display: none; }
@media (max-width: 900px) { .opening { grid-template-columns: minmax(0, 1fr); } aside.numbers { margin-bottom: 1rem; } }
@media (max-width: 640px) {
  body { font-size: 15px; } h1 { font-size: 1.55rem; } .summary p { font-size: 1.08rem; }
  th, td { padding: 3px 5px; } th { min-width: 4.2em; }
  th:first-child, td:first-child { white-space: normal; min-width: 0; max-width: 7.5em; }
  /* the script is in the filter; the premium's interval goes under it: a number shows beside each name */
  #table-languages th:nth-child(2), #table-languages tr.row td:nth-child(2) { display: none; }
  #table-languages td[data-g] { white-space: normal; } #table-languages td[data-g="premium"] { min-width: 7em; }
  .scroll { max-height: 75vh; }
}
@page { size: A4 landscape; margin: 10mm; }
@media print {
  nav, .controls, details.columns, .downloads, button.all { display: none !important; }
  .print-only { display: block; }
  .opening { grid-template-columns: minmax(0, 1fr) 15rem; } .summary p { font-size: 12pt; }
  body { font-size: 10pt; } header, main { max-width: none; padding: 0; }
  .scroll { overflow: visible; max-height: none; border: 0; }
  table { font-size: 7pt; width: 100%; }
  /* nothing wider than the paper: a wider table would make the browser shrink the whole page, figures
     and their text included. Cells wrap between words only. */
  th, td { padding: 1px 3px; white-space: normal; overflow-wrap: anywhere; min-width: 0; }
  #table-languages th:nth-child(2), #table-languages tr.row td:nth-child(2) { display: none; }
  th, th:first-child, td:first-child { position: static; }
  thead { display: table-header-group; }
  tr, figure, dl.terms dd, dl.method dd, .limits li { break-inside: avoid; }
  button.open { color: inherit; } button.open::before { content: ""; }
  details { display: block; } details > * { display: block; }
  a { color: inherit; text-decoration: none; }
  figure img { border: 0; } figure { margin: 0.4rem 0; }
}
"""

SCRIPT = """
(function () {
  function sortValue(cell) {
    var v = cell ? cell.getAttribute("data-v") : null;
    if (v === null || v === "") return null;
    var n = Number(v);
    return isNaN(n) ? v.toLowerCase() : n;
  }
  function rowsOf(table) {
    return Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return r.classList.contains("row"); });
  }
  function detailOf(row) {
    var next = row.nextElementSibling;
    return next && next.classList.contains("detail") ? next : null;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      th.setAttribute("tabindex", "0");
      th.setAttribute("aria-sort", "none");
      th.title = "sort by this column";
      function sort() {
        var descending = th.getAttribute("aria-sort") !== "descending";
        headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var pairs = rowsOf(table).map(function (row) { return [row, detailOf(row)]; });
        pairs.sort(function (a, b) {
          var x = sortValue(a[0].cells[index]), y = sortValue(b[0].cells[index]);
          if (x === null) return y === null ? 0 : 1;
          if (y === null) return -1;
          var order = x < y ? -1 : x > y ? 1 : 0;
          return descending ? -order : order;
        });
        pairs.forEach(function (pair) { body.appendChild(pair[0]); if (pair[1]) body.appendChild(pair[1]); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  });
  var table = document.getElementById("table-languages");
  if (!table) return;
  // breakdowns: one button per language opens its row
  rowsOf(table).forEach(function (row) {
    var detail = detailOf(row);
    if (!detail) return;
    var cell = row.cells[0], button = document.createElement("button");
    button.type = "button";
    button.className = "open";
    button.textContent = cell.textContent;
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", detail.id);
    cell.textContent = "";
    cell.appendChild(button);
    detail.hidden = true;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      detail.hidden = !open;
    });
  });
  var all = document.getElementById("open-all");
  if (all) {
    all.hidden = false;
    all.addEventListener("click", function () {
      var open = all.getAttribute("aria-pressed") !== "true";
      all.setAttribute("aria-pressed", open ? "true" : "false");
      all.textContent = open ? "Close all breakdowns" : "Open all breakdowns";
      table.querySelectorAll("button.open").forEach(function (b) {
        if ((b.getAttribute("aria-expanded") === "true") !== open) b.click();
      });
    });
  }
  // column groups: the ones not shown by default are hidden until asked for
  document.querySelectorAll("fieldset.columns input[data-group]").forEach(function (box) {
    var group = box.getAttribute("data-group");
    function apply() { table.classList.toggle("hide-" + group, !box.checked); }
    box.addEventListener("change", apply);
    apply();
  });
  var columns = document.getElementById("language-columns");
  if (columns) columns.hidden = false;
  var controls = document.getElementById("language-controls");
  if (!controls) return;
  controls.hidden = false;
  var text = document.getElementById("filter-text"), script = document.getElementById("filter-script");
  var count = document.getElementById("filter-count");
  function apply() {
    var needle = text.value.trim().toLowerCase(), wanted = script.value, shown = 0, rows = rowsOf(table);
    rows.forEach(function (row) {
      var visible = (!wanted || row.getAttribute("data-script") === wanted) &&
                    (!needle || row.cells[0].textContent.toLowerCase().indexOf(needle) >= 0 ||
                     (row.getAttribute("data-code") || "").toLowerCase().indexOf(needle) >= 0);
      row.hidden = !visible;
      var detail = detailOf(row);
      if (detail) {
        var button = row.querySelector("button.open");
        detail.hidden = !visible || !button || button.getAttribute("aria-expanded") !== "true";
      }
      shown += visible ? 1 : 0;
    });
    count.textContent = shown + " of " + rows.length + " languages";
  }
  text.addEventListener("input", apply);
  script.addEventListener("change", apply);
  apply();
})();
"""


def group_style() -> str:
    """One rule per column group: a table with class hide-GROUP hides its cells (the script sets the classes)."""
    return "".join(f'table.hide-{key} [data-g="{key}"] {{ display: none; }}\n' for key in GROUPS)


def render_html(data: ReportData, figures: list[FigureSpec] | None = None) -> str:
    """The whole report as one HTML string."""
    figures = figure_specs(data) if figures is None else figures
    drawn = {f.key: f for f in figures}
    body = [_header(data), "<main>", _lead(data, drawn), _prices(data, drawn), _languages(data),
            _scripts(data, drawn), _tokenizers(data, drawn, figures), _how_to_read(data), _limitations(data),
            _sources(data), _methodology(data), "</main>"]
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title(data))}</title><style>{STYLE}{group_style()}</style></head><body>\n"
            + "\n".join(body) + f"\n<script>{SCRIPT}</script></body></html>\n")


def _header(data: ReportData) -> str:
    links = (("lead", "Finding"), ("prices", "Per model"), ("languages", "Every language"), ("scripts", "Per script"),
             ("tokenizers", "Per tokenizer"), ("how-to-read", "How to read this"), ("limitations", "Limitations"),
             ("sources", "Sources"), ("methodology", "Methodology"))
    nav = "".join(f'<a href="#{key}">{escape(label)}</a>' for key, label in links)
    return (f'<header><p class="kicker">Tokenization audit</p><h1>{escape(title(data))}</h1>'
            f'<p class="dek">{escape(subtitle(data))}</p>'
            f'<p class="meta">Generated {escape(data.created)} by toklab from {escape(data.corpus.spec.canonical)} '
            f"(content sha256 {escape(data.corpus.content_hash[:16])}…).</p><nav>{nav}</nav></header>")


def paragraph_html(paragraph: Paragraph) -> str:
    parts = [escape(part) if isinstance(part, str) else
             f'<a class="term" href="#def-{html_id(part.key)}">{escape(part.text)}</a>' for part in paragraph]
    return f"<p>{''.join(parts)}</p>"


def _lead(data: ReportData, drawn: dict[str, FigureSpec]) -> str:
    warnings = "".join(f'<p class="warning">{escape(w)}</p>' for w in stale_prices(data))
    paragraphs = "".join(paragraph_html(p) for p in lead(data))
    numbers = "".join(f'<div><span class="number">{escape(value)}</span> {escape(label)}</div>'
                      for value, label in key_numbers(data))
    key = figure_html(drawn["scripts"], data) if "scripts" in drawn else ""
    ranked = figure_html(drawn["ranked"], data) if "ranked" in drawn else ""
    return (f'<section id="lead"><div class="opening"><div class="lead summary">{paragraph_html(summary(data))}</div>'
            f'<aside class="numbers" aria-label="Key numbers">{numbers}</aside></div>{key}'
            f'<div class="lead">{paragraphs}</div>{warnings}{ranked}</section>')


def _prices(data: ReportData, drawn: dict[str, FigureSpec]) -> str:
    figure = figure_html(drawn["prices"], data) if "prices" in drawn else ""
    return (f'<section id="prices"><h2>What it costs, per model</h2>{figure}'
            f"{table_html(model_table(data), data)}</section>")


def _languages(data: ReportData) -> str:
    table = language_table(data)
    return ('<section id="languages"><h2>Every language</h2>'
            '<p class="note">Premium: tokens needed for the same content as the pivot, with its 95 % interval; '
            "† not comparable (the tokenizer cannot write the language). Prices: the same content under each "
            "model; ≈ marks a model priced as an estimate, and cells in <em>≈ italics</em> are estimates. Open a language for its breakdown.</p>"
            '<p class="note print-only">Breakdowns are printed for the languages opened on screen; every '
            "number is in the CSV files the report holds.</p>"
            + language_controls(data) + column_controls(table) + downloads_html(data)
            + table_html(table, data) + "</section>")


def _scripts(data: ReportData, drawn: dict[str, FigureSpec]) -> str:
    figure = figure_html(drawn["script-tokenizers"], data) if "script-tokenizers" in drawn else ""
    return f'<section id="scripts"><h2>Per script</h2>{figure}{table_html(script_table(data), data)}</section>'


def _tokenizers(data: ReportData, drawn: dict[str, FigureSpec], figures: list[FigureSpec]) -> str:
    shown = "".join(figure_html(drawn[key], data) for key in ("loss", "bpb") if key in drawn)
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in missing_figures(data, figures))
    return (f'<section id="tokenizers"><h2>Per tokenizer</h2>{table_html(summary_table(data), data)}'
            f"{shown}{notes}</section>")


def _how_to_read(data: ReportData) -> str:
    terms = "".join(f'<dt id="def-{html_id(d.key)}">{escape(d.term)}</dt><dd>{escape(d.text)}</dd>'
                    for d in glossary(data))
    return f'<section id="how-to-read"><h2>How to read this</h2><dl class="terms">{terms}</dl></section>'


def _limitations(data: ReportData) -> str:
    items = "".join(f"<li>{escape(item)}</li>" for item in limitations(data))
    return f'<section id="limitations"><h2>Limitations</h2><ul class="limits">{items}</ul></section>'


def _sources(data: ReportData) -> str:
    items = "".join(f'<li>{escape(s.text)} <a href="{escape(s.url)}">{escape(s.url)}</a></li>' for s in sources(data))
    return (f'<section id="sources"><h2>Sources</h2><ol class="sources">{items}</ol>'
            f"{table_html(counting_table(data), data)}</section>")


def _methodology(data: ReportData) -> str:
    terms = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in methodology(data))
    signatures = "".join(f'<details id="prov-{html_id(p.key)}"><summary>{escape(p.title)}</summary>'
                         f"<code>{escape(p.signature)}</code></details>" for p in data.provenance.values())
    return (f'<section id="methodology"><h2>Methodology</h2><dl class="method">{terms}</dl>'
            f"<h3>Provenance (full signatures)</h3>{signatures}</section>")


def provenance_links(keys: list[str], data: ReportData) -> str:
    links = " · ".join(f'<a href="#prov-{html_id(k)}">{escape(data.provenance[k].label)}</a>' for k in keys)
    return f'<p class="provenance">Provenance: {links}</p>'


def group_attribute(group: str) -> str:
    return f' data-g="{escape(group)}"' if group else ""


def cell_html(cell: Cell, group: str = "") -> str:
    attributes = group_attribute(group)
    if cell.value is not None:
        attributes += f' data-v="{escape(str(cell.value))}"'
    if cell.estimate:
        attributes += ' class="est"'
    note = f' <span class="note">{escape(cell.note)}</span>' if cell.note else ""
    return f"<td{attributes}>{escape(cell.text)}{note}</td>"


def _detail_html(table: Table, index: int, row_id: str) -> str:
    lines = "".join(f"<p><strong>{escape(heading)}:</strong> {escape(text)}</p>" for heading, text in table.details[index])
    return (f'<tr class="detail" id="detail-{html_id(row_id)}"><td colspan="{len(table.headers)}">'
            f'<div class="breakdown">{lines}</div></td></tr>')


def table_html(table: Table, data: ReportData) -> str:
    head = "".join(f'<th scope="col"{group_attribute(table.group_of(i))}>{escape(h)}</th>'
                   for i, h in enumerate(table.headers))
    rows = []
    for i, cells in enumerate(table.rows):
        attributes = dict(table.row_attributes[i]) if table.row_attributes else {}
        extra = "".join(f' {k}="{escape(html_id(v) if k == "id" else v)}"' for k, v in attributes.items())
        rows.append(f'<tr class="row"{extra}>' + "".join(cell_html(c, table.group_of(j)) for j, c in enumerate(cells))
                    + "</tr>")
        if table.details:
            rows.append(_detail_html(table, i, attributes.get("id", f"{table.key}-{i}")))
    key = html_id(table.key)
    return (f'<h3 id="t-{key}">{escape(table.title)}</h3><div class="scroll">'
            f'<table class="sortable" id="table-{key}" aria-labelledby="t-{key}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            + provenance_links(table.provenance, data))


def language_controls(data: ReportData) -> str:
    from toklab.languages import script_name

    scripts = sorted(set(data.languages["script"].to_list()), key=script_name)
    options = "".join(f'<option value="{escape(s)}">{escape(script_name(s))}</option>' for s in scripts)
    return ('<div class="controls" id="language-controls" hidden>'
            '<label>Find <input id="filter-text" type="search" placeholder="language or code"></label>'
            f'<label>Script <select id="filter-script"><option value="">all</option>{options}</select></label>'
            '<span id="filter-count" aria-live="polite"></span>'
            '<button type="button" class="all" id="open-all" aria-pressed="false" hidden>Open all breakdowns</button>'
            "</div>")


def column_controls(table: Table) -> str:
    present = [key for key in GROUPS if key in table.groups]
    boxes = "".join(f'<label><input type="checkbox" data-group="{escape(key)}"{" checked" if GROUPS[key][1] else ""}>'
                    f" {escape(GROUPS[key][0])}</label>" for key in present)
    return (f'<details class="columns" id="language-columns" hidden><summary>More columns</summary>'
            f'<fieldset class="columns"><legend>Columns shown</legend>{boxes}</fieldset></details>')


def downloads_html(data: ReportData) -> str:
    links = "".join(f'<a download="{escape(name)}" href="data:text/csv;charset=utf-8,{quote(text, safe="")}">'
                    f"Download {escape(name)}</a>" for name, text in downloads(data).items())
    return f'<p class="downloads">{links} <span class="note">(the numbers behind every table, full precision)</span></p>'


def figure_html(figure: FigureSpec, data: ReportData) -> str:
    source = base64.b64encode(figure.png).decode("ascii")
    return (f'<figure id="fig-{html_id(figure.key)}"><h3>{escape(figure.title)}</h3>'
            f'<img alt="{escape(figure.title)}" width="{figure.width_px}" src="data:image/png;base64,{source}">'
            f"<figcaption>{escape(figure.caption)}</figcaption>{provenance_links(figure.provenance, data)}</figure>")
