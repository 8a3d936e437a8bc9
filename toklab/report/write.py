"""Write a report to disk: every file atomically, and none over an existing file unless asked."""

from __future__ import annotations

import contextlib
from pathlib import Path

from toklab.errors import SpecError
from toklab.outputs import atomic_path, replaces_a_file, shown, writes_in_place
from toklab.report.collect import ReportData
from toklab.report.html import render_html
from toklab.report.layout import figure_specs
from toklab.report.language_table import downloads
from toklab.report.markdown import csv_file, figure_file, render_markdown

FORMATS = ("html", "md")


def write_report(data: ReportData, output: Path, fmt: str = "html", overwrite: bool = False) -> list[Path]:
    """Write the report as one HTML file, or as Markdown with its PNGs and CSVs beside it; the paths written."""
    check_target(output, fmt)
    check_report_finite(data)
    figures = figure_specs(data)
    if fmt == "html":
        files = {output: render_html(data, figures).encode("utf-8")}
    else:
        files = {output.parent / figure_file(output.stem, f): f.png for f in figures}
        files |= {output.parent / csv_file(output.stem, name): text.encode("utf-8")
                  for name, text in downloads(data).items()}
        files[output] = render_markdown(data, output.stem, figures).encode("utf-8")
    refuse_to_replace(list(files), overwrite)
    # Every file is written before any is renamed into place: a full disk half-way leaves the old
    # report whole (never a new page beside old figures), and no temporary file behind.
    with contextlib.ExitStack() as stack:
        for path, payload in files.items():
            stack.enter_context(atomic_path(path, "report")).write_bytes(payload)
    return list(files)


def check_report_finite(data: ReportData) -> None:
    """No NaN or inf reaches a page as a number: every table the report lays out is checked first."""
    from toklab.finite import check_finite

    tables = {"languages": data.languages, "prices": data.price_rows, "summary": data.summary, "bpb": data.bpb,
              "scripts": data.scripts()}
    for name, frame in tables.items():
        if frame is not None:
            check_finite(frame, f"report table {name}")


def check_target(output: Path, fmt: str) -> None:
    """A format this writer knows, and for Markdown a file with a folder to hold its figures
    (beside /dev/null they would land in /dev)."""
    if fmt not in FORMATS:
        raise SpecError(f"report format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "md" and writes_in_place(output):
        raise SpecError(f"-o {shown(output)}: a Markdown report writes its PNGs beside it, so it needs a file in a "
                        "folder; use --format html (one self-contained file) for a device or a pipe")


def refuse_to_replace(paths: list[Path], overwrite: bool) -> None:
    """An error naming the files that exist, unless replacing them was asked for. /dev/null, a
    terminal or a pipe is written, not replaced: no --overwrite needed."""
    existing = [shown(path) for path in paths if replaces_a_file(path)]
    if existing and not overwrite:
        raise SpecError(f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}: pass --overwrite "
                        "to replace, or choose another -o")
