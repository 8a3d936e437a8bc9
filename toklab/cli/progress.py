"""A rich progress bar on stderr, handed to library code as a plain callback."""

from __future__ import annotations

import contextlib
from typing import Iterator

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from toklab.cli.render import stderr_console, text_cell


@contextlib.contextmanager
def progress_callback(description: str, total: int) -> Iterator:
    console = stderr_console()
    if not console.is_terminal:  # no bar to draw: rich would still end it with an empty line on stderr
        yield lambda label="": None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("eta"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)

        def advance(label: str = "") -> None:
            # a label is data (a language name): shown as text, never read as rich markup
            bar.update(task, advance=1, description=f"{description} {text_cell(label)}".strip())

        yield advance


class StagedProgress:
    """Progress of work done in stages (the report's analyses): on a terminal one bar whose label
    names the stage; elsewhere (a pipe, nohup, CI) one plain line per stage on stderr, with the
    steps done so far and the time, so a long cold run is never silent."""

    def __init__(self, description: str, total: int) -> None:
        self.description, self.total, self.done, self.name = description, total, 0, ""

    def __enter__(self) -> "StagedProgress":
        import time

        self.console = stderr_console()
        self.started = time.perf_counter()
        self.drawn = self.console.is_terminal
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=self.console, transient=True)
        if self.drawn:
            self.bar.__enter__()
        self.task = self.bar.add_task(self.description, total=self.total)
        return self

    def stage(self, name: str) -> None:
        import time

        self.name = name
        if self.drawn:
            self.bar.update(self.task, description=f"{self.description}: {text_cell(name)}")
        else:
            self.console.print(f"{self.description}: {name} ({self.done} of {self.total} steps done, "
                               f"{time.perf_counter() - self.started:.0f} s)", markup=False, highlight=False, soft_wrap=True)

    def advance(self, label: str = "") -> None:
        self.done += 1
        if self.drawn:
            self.bar.update(self.task, advance=1)

    def __exit__(self, *exc) -> None:
        if self.drawn:
            self.bar.__exit__(*exc)


class TrainingProgress:
    """One bar for commands that train: the current model's steps (or the share of its time
    budget), its loss and speed, and the latest log line above it. Log lines go to stderr as
    plain text, so they read the same when piped (where the bar is not drawn)."""

    def __enter__(self) -> "TrainingProgress":
        self.console = stderr_console()
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[detail]}"),
                            TimeElapsedColumn(), console=self.console, transient=True)
        self.drawn = self.console.is_terminal  # piped: log lines only (a bar would end with an empty line)
        if self.drawn:
            self.bar.__enter__()
        self.task = self.bar.add_task("", total=None, detail="")
        return self

    def log(self, message: str) -> None:
        self.console.print(message, markup=False, highlight=False)
        self.bar.update(self.task, description=text_cell(message[:48]), completed=0, total=None, detail="")

    def on_step(self, report) -> None:
        # before a time budget is fixed as steps, progress is the share of the time budget
        fraction = report.step / report.steps if report.steps else report.elapsed / max(report.budget_s, 1e-9)
        self.bar.update(self.task, completed=report.step, total=report.step / max(fraction, 1e-9),
                        detail=f"step {report.step} · loss {report.loss:.3f} · bpb {report.bpb:.3f} · "
                               f"{report.bytes_per_s:,.0f} B/s")

    def __exit__(self, *exc) -> None:
        if self.drawn:
            self.bar.__exit__(*exc)
