"""Write a report to disk: every file atomically, and none over an existing file unless asked."""

from __future__ import annotations

from pathlib import Path

from toklab.errors import SpecError
from toklab.paths import atomic_path
from toklab.report.collect import ReportData
from toklab.report.html import render_html
from toklab.report.layout import figure_specs
from toklab.report.markdown import figure_file, render_markdown

FORMATS = ("html", "md")


def write_report(data: ReportData, output: Path, fmt: str = "html", overwrite: bool = False) -> list[Path]:
    """Write the report as one HTML file, or as Markdown with its PNGs beside it; the paths written."""
    if fmt not in FORMATS:
        raise SpecError(f"report format {fmt!r}: use one of {', '.join(FORMATS)}")
    figures = figure_specs(data)
    if fmt == "html":
        files = {output: render_html(data, figures).encode("utf-8")}
    else:
        files = {output.parent / figure_file(output.stem, f): f.png for f in figures}
        files[output] = render_markdown(data, output.stem, figures).encode("utf-8")
    refuse_to_replace(list(files), overwrite)
    for path, payload in files.items():
        with atomic_path(path) as tmp:
            tmp.write_bytes(payload)
    return list(files)


def refuse_to_replace(paths: list[Path], overwrite: bool) -> None:
    """An error naming the files that exist, unless replacing them was asked for."""
    existing = [str(path) for path in paths if path.exists()]
    if existing and not overwrite:
        raise SpecError(f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}: pass --overwrite "
                        "to replace, or choose another -o")
