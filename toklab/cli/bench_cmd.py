"""`toklab bench …` — speed goals as ratios against a reference timed in the same run."""

from __future__ import annotations

import click
from rich.table import Table

from toklab.render import stdout_console


@click.group("bench")
def bench_group() -> None:
    """Benchmarks (each prints ratios against a reference measured in the same run)."""


@bench_group.command("audit")
@click.option("--corpus", default="flores200", show_default=True)
@click.option("--jobs", default=2, show_default=True)
def bench_audit_cmd(corpus: str, jobs: int) -> None:
    """Audit of r50k/cl100k/o200k vs their raw encode_ordinary on the same texts.

    \b
    Example: toklab bench audit          # the full FLORES-200 dev+devtest, 204 languages
    """
    from toklab.bench import bench_audit

    result = bench_audit(corpus, jobs)
    table = Table(title=f"audit benchmark — {result.docs:,} documents × 3 encodings", title_justify="left")
    for column in ("what", "time", "ratio"):
        table.add_column(column)
    for row in result.rows:
        table.add_row(*row)
    stdout_console().print(table)


def register(main: click.Group) -> None:
    main.add_command(bench_group)
