"""`toklab bench …` — speed goals as ratios against a reference timed in the same run."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from toklab.cli.options import FiniteFloat
from toklab.cli.progress import progress_callback
from toklab.cli.render import stdout_console


@click.group("bench")
def bench_group() -> None:
    """Benchmarks (each prints ratios against a reference measured in the same run)."""


@bench_group.command("audit")
@click.option("--corpus", default="flores200", show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Threads for the multi-job run.")
@click.option("--repeats", type=click.IntRange(min=1), default=3, show_default=True,
              help="Runs of each timing (the reference and the audits interleaved); the fastest is shown.")
@click.option("-t", "--tokenizer", "tokenizers", multiple=True,
              help="Tokenizer spec (repeatable). Default: the audit's defaults.")
def bench_audit_cmd(corpus: str, jobs: int, repeats: int, tokenizers) -> None:
    """The audit vs the sum of its tokenizers' raw encodes (each library's own call) on the same texts.

    \b
    Examples:
      toklab bench audit          # the audit's default tokenizers, FLORES-200 dev+devtest, 204 languages
      toklab bench audit -t tiktoken:r50k_base -t tiktoken:cl100k_base -t tiktoken:o200k_base
    """
    from toklab.bench.analyzer_speed import audit_steps, bench_audit
    from toklab.premium.audit import DEFAULT_TOKENIZERS

    specs = tuple(tokenizers) or DEFAULT_TOKENIZERS
    with progress_callback("bench audit", audit_steps(repeats)) as advance:
        result = bench_audit(corpus, jobs, repeats, advance, specs)
    _print_rows(f"audit benchmark — {result.docs:,} documents × {len(specs)} tokenizers "
                f"({', '.join(specs)}), fastest of {repeats} runs",
                ("what", "time", "ratio"), result.rows)


@bench_group.command("loss")
@click.option("-t", "--tokenizer", "tokenizers", multiple=True, required=True, help="Tokenizer spec (repeatable).")
@click.option("--corpus", default="flores200", show_default=True)
def bench_loss_cmd(tokenizers, corpus: str) -> None:
    """Loss analysis vs raw encode+decode of the same texts (goal ≤ 1.5×).

    \b
    Example: toklab bench loss -t tiktoken:cl100k_base -t spm:mistral.model -t hf:minilm/tokenizer.json
    """
    from toklab.bench.analyzer_speed import bench_loss

    table = Table(title="loss benchmark", title_justify="left")
    for column in ("tokenizer", "raw encode+decode", "loss analysis", "ratio (goal ≤ 1.5×)"):
        table.add_column(column)
    with progress_callback("bench loss", 2 * len(tokenizers)) as advance:
        timings = bench_loss(list(tokenizers), corpus, advance)
    for name, raw_s, loss_s in timings:
        table.add_row(name, f"{raw_s:.2f} s", f"{loss_s:.2f} s", f"{loss_s / raw_s:.2f}×")
    stdout_console().print(table)


@bench_group.command("stream")
@click.option("-t", "--tokenizer", "spec", default="tiktoken:cl100k_base", show_default=True)
@click.option("--size-gb", type=FiniteFloat(low=0.01, high=100_000), default=2.0, show_default=True,
              help="Size of the generated JSON-lines corpus.")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Threads of the audit.")
@click.option("--dir", "folder", type=click.Path(exists=True, file_okay=False, writable=True, path_type=Path),
              default=None, help="An existing folder for the temporary corpus (default: the system's temporary folder).")
def bench_stream_cmd(spec: str, size_gb: float, jobs: int, folder: Path | None) -> None:
    """A streamed audit of a generated corpus larger than memory should be, vs the raw encoder.

    Writes SIZE_GB of JSON lines from FLORES sentences (deleted afterwards), audits it in a child
    process, and reports throughput per core against raw encode_ordinary (goal ≥ 0.9×) and the
    audit's peak memory (goal ≤ 1.5 GB).

    \b
    Example: toklab bench stream --size-gb 2 --jobs 2
    """
    from toklab.bench.stream_speed import STEPS, bench_stream

    with progress_callback("bench stream", STEPS) as advance:
        result = bench_stream(spec, size_gb, jobs, folder, advance)
    _print_rows(f"streamed audit benchmark — {result.tokenizer}", ("what", "measured", "ratio / goal"), result.rows)


def _print_rows(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    stdout_console().print(table)


@bench_group.command("glitch")
@click.option("-t", "--tokenizer", "spec", default="tiktoken:o200k_base", show_default=True)
@click.option("--reference", "corpus", default="flores200?split=dev", show_default=True)
def bench_glitch_cmd(spec: str, corpus: str) -> None:
    """A full weight-free glitch scan vs the raw encode of its reference corpus (goal: o200k ≤ 20 s).

    \b
    Example: toklab bench glitch -t tiktoken:o200k_base
    """
    from toklab.bench.glitch_speed import bench_glitch

    rows = bench_glitch(spec, corpus)
    reference = rows[0][1]
    table = Table(title=f"glitch scan benchmark — {spec}", title_justify="left")
    for column in ("what", "time", "× the raw encode"):
        table.add_column(column)
    for name, value in rows[:-1]:
        table.add_row(name, f"{value:.1f} s", f"{value / reference:.2f}×")
    table.add_row(rows[-1][0], f"{rows[-1][1]:,.0f}", "")
    stdout_console().print(table)


@bench_group.command("startup")
@click.option("--repeats", type=click.IntRange(min=1), default=5, show_default=True)
def bench_startup_cmd(repeats: int) -> None:
    """Start-up time of `toklab --help` and of two commands' help, against `python -c pass` (goal ≤ 0.5 s).

    \b
    Example: toklab bench startup
    """
    from toklab.bench.startup import bench_startup

    rows = bench_startup(repeats)
    reference = rows[0][1]
    table = Table(title=f"start-up, median of {repeats} runs", title_justify="left")
    for column in ("command", "wall time", "above the reference"):
        table.add_column(column)
    for name, seconds in rows:
        table.add_row(name, f"{seconds:.2f} s", f"+{seconds - reference:.2f} s")
    stdout_console().print(table)
