"""The report as Markdown: the same sections and numbers as the HTML, figures as PNG files and the
table's data as CSV files beside it (`<name>-<figure>.png`, `<name>-languages.csv`), referenced by
relative path. The table of every language shows the columns the HTML shows first; the CSV has all.

Every text that can hold data (a language or model name, a spec, a path) goes through
`markdown_text` (or `markdown_code`): a name cannot add HTML, a link, emphasis or a table column."""

from __future__ import annotations

from toklab.display import markdown_code, markdown_link_target, markdown_text
from toklab.report import layout
from toklab.report.collect import ReportData
from toklab.report.glossary import glossary, limitations, sources
from toklab.report.language_table import downloads, language_table, shown_columns
from toklab.report.layout import Cell, FigureSpec, Table
from toklab.report.lead import Paragraph, key_numbers, lead, subtitle, summary


def figure_file(stem: str, figure: FigureSpec) -> str:
    return f"{stem}-{figure.key}.png"


def csv_file(stem: str, name: str) -> str:
    """`toklab-languages.csv` beside report `audit.md` → `audit-languages.csv`."""
    return f"{stem}-{name.removeprefix('toklab-')}"


def paragraph_markdown(paragraph: Paragraph) -> str:
    return markdown_text("".join(part if isinstance(part, str) else part.text for part in paragraph))


def render_markdown(data: ReportData, stem: str, figures: list[FigureSpec] | None = None) -> str:
    """The Markdown text; `stem` names the PNG and CSV files (`figure_file`, `csv_file`) written beside it."""
    figures = layout.figure_specs(data) if figures is None else figures
    drawn = {f.key: f for f in figures}

    def figure(key: str) -> list[str]:
        if key not in drawn:
            return []
        f = drawn[key]
        title = markdown_text(f.title)
        return [f"### {title}", "", f"![{title}]({markdown_link_target(figure_file(stem, f))})", "",
                f"{markdown_text(f.caption)} Provenance: {labels(f.provenance, data)}.", ""]

    files = ", ".join(f"[{markdown_text(csv_file(stem, n))}]({markdown_link_target(csv_file(stem, n))})"
                      for n in downloads(data))
    parts = [
        f"# {markdown_text(layout.report_title(data))}", "", f"_{markdown_text(subtitle(data))}_", "",
        f"Generated {markdown_text(data.created)} by toklab from {markdown_code(data.corpus.spec.canonical)} (content "
        f"sha256 {markdown_code(data.corpus.content_hash[:16] + '…')}).", "",
        "## What we found", "", f"**{paragraph_markdown(summary(data))}**", "",
        *(f"- **{markdown_text(value)}** {markdown_text(label)}" for value, label in key_numbers(data)), "",
        *(f"{paragraph_markdown(p)}\n" for p in lead(data)),
        *(f"> **{markdown_text(warning)}**\n" for warning in layout.stale_prices(data)),
        *figure("scripts"), *figure("ranked"),
        "## What it costs, per model", "", *figure("prices"), table_markdown(layout.model_table(data), data),
        "## Every language", "",
        "Premium: tokens needed for the same content as the pivot [95% interval]; † not comparable. Cells marked "
        f"≈ are estimates. Every tokenizer, model and breakdown: {files}.", "",
        table_markdown(language_table(data), data),
        "## Per script", "", *figure("script-tokenizers"), table_markdown(layout.script_table(data), data),
        "## Per tokenizer", "", table_markdown(layout.summary_table(data), data), *figure("loss"), *figure("bpb"),
        *(f"_{markdown_text(note)}_\n" for note in layout.missing_figures(data, figures)),
        "## How to read this", "",
        *(f"- **{markdown_text(d.term)}**: {markdown_text(d.text)}" for d in glossary(data)), "",
        "## Limitations", "", *(f"- {markdown_text(item)}" for item in limitations(data)), "",
        "## Sources", "", *(f"{i}. {markdown_text(s.text)} <{markdown_link_target(s.url)}>"
                            for i, s in enumerate(sources(data), 1)), "",
        table_markdown(layout.counting_table(data), data),
        "## Methodology", "",
        *(f"- **{markdown_text(term)}**: {markdown_text(text)}" for term, text in layout.methodology(data)), "",
        "### Provenance (full signatures)", "",
    ]
    for p in data.provenance.values():
        parts += [f"- **{markdown_text(p.label)}** — {markdown_text(p.title)}:", "",
                  f"  {markdown_code(p.signature)}", ""]
    return "\n".join(parts) + "\n"


def _cell(cell: Cell) -> str:
    note = f" ({cell.note})" if cell.note else ""
    return markdown_text(("≈" if cell.estimate else "") + cell.text + note)


def labels(keys: list[str], data: ReportData) -> str:
    return ", ".join(markdown_text(data.provenance[k].label) for k in keys)


def table_markdown(table: Table, data: ReportData) -> str:
    """The table's first-shown columns (all of a table without column groups)."""
    columns = shown_columns(table)
    lines = [f"### {markdown_text(table.title)}", "",
             "| " + " | ".join(markdown_text(table.headers[i]) for i in columns) + " |",
             "|" + "|".join("---" if n < 1 else "---:" for n in range(len(columns))) + "|"]
    lines += ["| " + " | ".join(_cell(row[i]) for i in columns) + " |" for row in table.rows]
    return "\n".join(lines) + f"\n\nProvenance: {labels(table.provenance, data)}.\n"
