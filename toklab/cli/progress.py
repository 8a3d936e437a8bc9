"""A rich progress bar on stderr, handed to library code as a plain callback."""

from __future__ import annotations

import contextlib
from typing import Iterator

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from toklab.cli.render import stderr_console


@contextlib.contextmanager
def progress_callback(description: str, total: int) -> Iterator:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("eta"), TimeRemainingColumn())
    with Progress(*columns, console=stderr_console(), transient=True) as bar:
        task = bar.add_task(description, total=total)

        def advance(label: str = "") -> None:
            bar.update(task, advance=1, description=f"{description} {label}".strip())

        yield advance
