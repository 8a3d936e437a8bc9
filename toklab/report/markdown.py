"""The report as Markdown: the same sections and numbers as the HTML, figures as PNG files beside it
(`<name>-<figure>.png`), referenced by relative path."""

from __future__ import annotations

from toklab.report import layout
from toklab.report.collect import ReportData
from toklab.report.layout import Cell, FigureSpec, Table


def figure_file(stem: str, figure: FigureSpec) -> str:
    return f"{stem}-{figure.key}.png"


def render_markdown(data: ReportData, stem: str, figures: list[FigureSpec] | None = None) -> str:
    """The Markdown text; `stem` names the PNG files (`figure_file`) written beside it."""
    figures = layout.figure_specs(data) if figures is None else figures
    parts = [
        f"# {layout.report_title(data)}", "",
        f"Generated {data.created} by toklab from `{data.corpus.spec.canonical}` (content sha256 "
        f"`{data.corpus.content_hash[:16]}…`); pivot `{data.pivot}`.", "",
        "## Headline", "", *(f"> **{warning}**\n" for warning in layout.stale_prices(data)),
        *(f"- {sentence}" for sentence in layout.headline(data)), "",
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
        parts += [f"### {figure.title}", "", f"![{figure.title}]({figure_file(stem, figure)})", "",
                  f"{figure.caption} Provenance: {labels(figure.provenance, data)}.", ""]
    parts += [*(f"_{note}_" for note in layout.missing_figures(data, figures)), "", "## Methodology", "",
              *(f"- **{term}**: {text}" for term, text in layout.methodology(data)), "",
              "### Provenance (full signatures)", ""]
    for p in data.provenance.values():
        parts += [f"- **{p.label}** — {p.title}:", "", f"  `{p.signature}`", ""]
    return "\n".join(parts) + "\n"


def _cell(cell: Cell) -> str:
    text = ("≈" if cell.estimate else "") + cell.text
    return text.replace("|", "\\|")


def labels(keys: list[str], data: ReportData) -> str:
    return ", ".join(data.provenance[k].label for k in keys)


def table_markdown(table: Table, data: ReportData) -> str:
    lines = [f"### {table.title}", "", "| " + " | ".join(h.replace("|", "\\|") for h in table.headers) + " |",
             "|" + "|".join("---" if i < 1 else "---:" for i in range(len(table.headers))) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines) + f"\n\nProvenance: {labels(table.provenance, data)}.\n"
