"""Rendering and export: rich tables for the terminal, csv/json/parquet files with a signature.

Only the CLI calls these; analyzers return polars frames.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape
from rich.segment import Segment
from rich.table import Table

from toklab.display import json_safe, visible, visible_lines
from toklab.finite import check_finite, check_finite_values
from toklab.paths import atomic_path

FORMATS = ("table", "csv", "json", "parquet")


# Output piped to a file or a program is never cut to 80 columns: tables keep their natural width.
PIPED_WIDTH = 10_000


class SafeConsole(Console):
    """A rich console that writes no control character but its own styles and cursor moves.

    Data (language names, token strings, paths) is made visible where it enters a string or a cell
    (`text_cell`), so tables keep their widths; this is the last line of defence for anything
    printed without it: strings are made visible before rich parses them (line breaks kept), every
    rendered segment after, and data that is not valid rich markup prints as plain text instead
    of raising."""

    def render_str(self, text: str, **kwargs):
        text = visible_lines(text)
        try:
            return super().render_str(text, **kwargs)
        except MarkupError:  # e.g. a '[/x]' in a path: shown as it is, not a traceback
            return super().render_str(text, **{**kwargs, "markup": False})

    def render(self, renderable, options=None):
        for segment in super().render(renderable, options):
            if segment.control is None:
                shown = visible_lines(segment.text)
                if shown is not segment.text:
                    segment = Segment(shown, segment.style)
            yield segment


def stdout_console() -> Console:
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else PIPED_WIDTH
    return SafeConsole(highlight=False, soft_wrap=False, emoji=False, width=width)  # ':train:' is not an emoji


def stderr_console() -> Console:
    return SafeConsole(stderr=True, highlight=False, emoji=False)


def text_cell(value: Any) -> str:
    """Text from data for a rich string or cell: control characters shown as escapes, rich markup
    escaped (token strings like '[unused0]' and names like '[/x]' are text)."""
    return escape(visible(str(value)))


def signature_line(console: Console, signature: str) -> None:
    console.print(f"[dim]signature: {text_cell(signature)}[/dim]", soft_wrap=True)


def frame_table(frame: pl.DataFrame, title: str | None = None, floats: int = 3) -> Table:
    check_finite(frame, f"table {title!r}" if title else "table")  # no NaN/inf shown as a number
    table = Table(title=None if title is None else text_cell(title), title_justify="left", header_style="bold")
    for column, dtype in frame.schema.items():
        table.add_column(text_cell(column), justify="right" if dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        table.add_row(*(_cell(v, floats) for v in row))
    return table


def _cell(value: Any, floats: int) -> str:
    if value is None:
        return "[dim]—[/dim]"
    if isinstance(value, float):
        return f"{value:,.{floats}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return text_cell(value)


def write_frame(frame: pl.DataFrame, fmt: str, output: Path | None, signature: str) -> None:
    """Write a frame as csv/json/parquet to a file (atomically) or stdout, with its signature.

    csv and json carry the signature as a column and a top-level key; parquet as file metadata
    and a column, so every exported number keeps where it came from.
    """
    check_finite(frame, f"{fmt} export")  # no NaN/inf leaves with exit code 0
    frame = frame.with_columns(pl.lit(signature).alias("signature"))
    if fmt == "parquet":
        if output is None:
            raise click_usage("--format parquet needs -o FILE")
        buffer = io.BytesIO()  # polars reports a full disk in parquet as "invalid thrift"; Python says ENOSPC
        frame.write_parquet(buffer, metadata={"toklab_signature": signature})
        with atomic_path(output) as tmp:
            tmp.write_bytes(buffer.getvalue())
        return
    # csv keeps the raw text (a data format); json writes control and bidi characters as \u escapes
    text = frame.write_csv() if fmt == "csv" else json_safe(json.dumps(
        {"signature": signature, "rows": frame.to_dicts()}, ensure_ascii=False, indent=1, default=str
    ))
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    with atomic_path(output) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(payload: dict, output: Path | None = None) -> None:
    check_finite_values(payload, "json export")
    text = json_safe(json.dumps(payload, ensure_ascii=False, indent=1, default=str)) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    with atomic_path(output) as tmp:
        tmp.write_text(text, encoding="utf-8")


def click_usage(message: str):
    import click

    return click.UsageError(message)
