"""Rendering and export: rich tables for the terminal, csv/json/parquet files with a signature.

Only the CLI calls these; analyzers return polars frames.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from toklab.paths import atomic_path

FORMATS = ("table", "csv", "json", "parquet")


# Output piped to a file or a program is never cut to 80 columns: tables keep their natural width.
PIPED_WIDTH = 10_000


def stdout_console() -> Console:
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else PIPED_WIDTH
    return Console(highlight=False, soft_wrap=False, emoji=False, width=width)  # ':train:' is not an emoji


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, emoji=False)


def signature_line(console: Console, signature: str) -> None:
    console.print(f"[dim]signature: {escape(signature)}[/dim]", soft_wrap=True)


def frame_table(frame: pl.DataFrame, title: str | None = None, floats: int = 3) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for column, dtype in frame.schema.items():
        table.add_column(column, justify="right" if dtype.is_numeric() else "left")
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
    return escape(str(value))  # token strings like '[unused0]' are not rich markup


def write_frame(frame: pl.DataFrame, fmt: str, output: Path | None, signature: str) -> None:
    """Write a frame as csv/json/parquet to a file (atomically) or stdout, with its signature.

    csv and json carry the signature as a column and a top-level key; parquet as file metadata
    and a column, so every exported number keeps where it came from.
    """
    frame = frame.with_columns(pl.lit(signature).alias("signature"))
    if fmt == "parquet":
        if output is None:
            raise click_usage("--format parquet needs -o FILE")
        with atomic_path(output) as tmp:
            frame.write_parquet(tmp, metadata={"toklab_signature": signature})
        return
    text = frame.write_csv() if fmt == "csv" else json.dumps(
        {"signature": signature, "rows": frame.to_dicts()}, ensure_ascii=False, indent=1, default=str
    )
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    with atomic_path(output) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(payload: dict, output: Path | None = None) -> None:
    text = json.dumps(payload, ensure_ascii=False, indent=1, default=str) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    with atomic_path(output) as tmp:
        tmp.write_text(text, encoding="utf-8")


def click_usage(message: str):
    import click

    return click.UsageError(message)
