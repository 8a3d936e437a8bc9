"""The report as Markdown: the same sections and numbers as the HTML, figures as PNG files beside it
(`<name>-<figure>.png`), referenced by relative path.

Every text that can hold data (a language or model name, a spec, a path) goes through
`markdown_text` (or `markdown_code`): a name cannot add HTML, a link, emphasis or a table column."""

from __future__ import annotations

from toklab.display import markdown_code, markdown_link_target, markdown_text
from toklab.report import layout
from toklab.report.collect import ReportData
from toklab.report.layout import Cell, FigureSpec, Table


def figure_file(stem: str, figure: FigureSpec) -> str:
    return f"{stem}-{figure.key}.png"


def render_markdown(data: ReportData, stem: str, figures: list[FigureSpec] | None = None) -> str:
    """The Markdown text; `stem` names the PNG files (`figure_file`) written beside it."""
    figures = layout.figure_specs(data) if figures is None else figures
    parts = [
        f"# {markdown_text(layout.report_title(data))}", "",
        f"Generated {markdown_text(data.created)} by toklab from {markdown_code(data.corpus.spec.canonical)} (content "
        f"sha256 {markdown_code(data.corpus.content_hash[:16] + '…')}); pivot {markdown_code(data.pivot)}.", "",
        "## Headline", "", *(f"> **{markdown_text(warning)}**\n" for warning in layout.stale_prices(data)),
        *(f"- {markdown_text(sentence)}" for sentence in layout.headline(data)), "",
        table_markdown(layout.summary_table(data), data), table_markdown(layout.worst_languages(data), data),
        table_markdown(layout.model_table(data), data),
        "## Per language", "",
        "Premium: tokens needed for the same content as the pivot [95% bootstrap interval]; † not comparable. "
        "Cells marked ≈ are estimates (a stand-in tokenizer, or loss stages from a sample).", "",
        table_markdown(layout.language_table(data), data), table_markdown(layout.price_language_table(data), data),
        "## Per script", "", table_markdown(layout.script_table(data), data),
        "## Figures", "",
    ]
    for figure in figures:
        title = markdown_text(figure.title)
        parts += [f"### {title}", "", f"![{title}]({markdown_link_target(figure_file(stem, figure))})", "",
                  f"{markdown_text(figure.caption)} Provenance: {labels(figure.provenance, data)}.", ""]
    parts += [*(f"_{markdown_text(note)}_" for note in layout.missing_figures(data, figures)), "", "## Methodology", "",
              *(f"- **{markdown_text(term)}**: {markdown_text(text)}" for term, text in layout.methodology(data)), "",
              "### Provenance (full signatures)", ""]
    for p in data.provenance.values():
        parts += [f"- **{markdown_text(p.label)}** — {markdown_text(p.title)}:", "",
                  f"  {markdown_code(p.signature)}", ""]
    return "\n".join(parts) + "\n"


def _cell(cell: Cell) -> str:
    return markdown_text(("≈" if cell.estimate else "") + cell.text)


def labels(keys: list[str], data: ReportData) -> str:
    return ", ".join(markdown_text(data.provenance[k].label) for k in keys)


def table_markdown(table: Table, data: ReportData) -> str:
    lines = [f"### {markdown_text(table.title)}", "", "| " + " | ".join(markdown_text(h) for h in table.headers) + " |",
             "|" + "|".join("---" if i < 1 else "---:" for i in range(len(table.headers))) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines) + f"\n\nProvenance: {labels(table.provenance, data)}.\n"
