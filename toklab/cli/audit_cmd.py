"""`toklab audit` — the tokenization premium of every language, with intervals and a summary."""

from __future__ import annotations

import click
import polars as pl
from rich.table import Table

from corpora import load_corpus
from corpora.stream import STREAMABLE, open_stream
from toklab.cli.argtypes import SEED
from toklab.cli.options import corpus_spec_from_flags, format_option, output_option, plot_option
from toklab.cli.progress import progress_callback
from toklab.cli.render import signature_line, stdout_console, text_cell, write_frame
from toklab.premium.audit import (
    DEFAULT_TOKENIZERS,
    METHODS,
    AuditOptions,
    AuditResult,
    normalization_sensitivity,
    run_audit,
)
from toklab.bootstrap import MAX_RESAMPLES, BootstrapOptions
from toklab.premium.inflation import COMPARABLE_UNK_SHARE
from toklab.premium.by_script import script_rows
from toklab.premium.measure import NORMAL_FORMS, MeasureOptions
from toklab.display import visible
from toklab.registry import load_tokenizer
from toklab.signature import build

BAR_WIDTH = 24


def bar(value: float, top: float) -> str:
    filled = int(round(BAR_WIDTH * min(value / top, 1.0))) if top > 0 else 0
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def summary_table(result: AuditResult) -> Table:
    table = Table(title="Tokenization premium vs pivot — per tokenizer", title_justify="left", header_style="bold")
    for column in ("tokenizer", "median", "max (language)", "cheapest (language)", "Gini", "≥2×", "≥4×", "≥8×",
                   "not comparable"):
        table.add_column(column, justify="left" if "(" in column or column == "tokenizer" else "right")
    for row in result.summary.iter_rows(named=True):
        table.add_row(
            text_cell(row["tokenizer"]), f"{row['median_premium']:.2f}×",
            f"{row['max_premium']:.2f}× {text_cell(row['max_lang'])}",
            f"{row['min_premium']:.2f}× {text_cell(row['min_lang'])}", f"{row['gini']:.3f}", str(row["ge_2x"]),
            str(row["ge_4x"]), str(row["ge_8x"]), str(row["not_comparable"]),
        )
    return table


def language_table(rows: pl.DataFrame, show_all: bool, top: int, bottom: int) -> tuple[Table, int]:
    names = rows["tokenizer"].unique(maintain_order=True).to_list()
    first = rows.filter(pl.col("tokenizer") == names[0]).sort("premium", descending=True)
    order = first["lang"].to_list()
    if not show_all and len(order) > top + bottom:
        order = order[:top] + [None] + order[-bottom:]
    scale = float(first["premium"].max())
    table = Table(header_style="bold", title_justify="left",
                  title=f"Premium per language, sorted by {text_cell(names[0])}" + ("" if show_all else " (top and bottom; --all for every language)"))
    table.add_column("language", no_wrap=True, max_width=22, overflow="ellipsis")
    table.add_column("code", style="dim")
    for name in names:
        table.add_column(text_cell(name.split(":", 1)[-1][-28:]), justify="right")
    table.add_column(text_cell(names[0].split(":", 1)[-1][-20:]), justify="left")
    by_key = {(r["tokenizer"], r["lang"]): r for r in rows.iter_rows(named=True)}
    flagged = 0
    for lang in order:
        if lang is None:
            table.add_row("…", "", *([""] * len(names)), "")
            continue
        cells = []
        for name in names:
            r = by_key[(name, lang)]
            mark = "" if r["comparable"] else " †"
            flagged += not r["comparable"]
            interval = f" [dim][{r['premium_lo']:.2f}–{r['premium_hi']:.2f}][/dim]" if r["premium_lo"] is not None else ""
            cells.append(f"{r['premium']:.2f}×{interval}{mark}")
        first_row = by_key[(names[0], lang)]
        table.add_row(text_cell(first_row["lang_name"].split(" (")[0]), text_cell(lang), *cells,
                      f"[cyan]{bar(first_row['premium'], scale)}[/cyan]")
    return table, flagged


@click.command("audit")
@click.option("-t", "--tokenizer", "tokenizers", multiple=True,
              help=f"Tokenizer spec or model alias (repeatable). Default: {', '.join(DEFAULT_TOKENIZERS)}.")
@click.option("--corpus", default="flores200", show_default=True, help="Corpus spec (parallel text).")
@click.option("--split", default=None, help="Corpus split(s), e.g. dev+devtest (FLORES default).")
@click.option("--langs", default=None, help="Comma-separated language codes (default: all).")
@click.option("--pivot", default="eng_Latn", show_default=True, help="Pivot language.")
@click.option("--method", type=click.Choice(METHODS), default="totals", show_default=True,
              help="totals: sum of per-document counts; joined: Petrov et al. (2023), text joined and encoded once.")
@click.option("--normalize", type=click.Choice(NORMAL_FORMS), default="none", show_default=True,
              help="Unicode normal form applied before encoding.")
@click.option("--normalization-sensitivity", "sensitivity_report", is_flag=True, help="Show the premium under NFC, NFD and NFKC side by side.")
@click.option("--resamples", type=click.IntRange(min=1, max=MAX_RESAMPLES), default=1000, show_default=True,
              help="Paired bootstrap resamples.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Encoding threads.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="ray: measure the blocks of a file:/jsonl:/parquet: corpus as Ray tasks (pip install "
                   "'toklab[ray]'; RAY_ADDRESS names a cluster, else a local instance starts). Same result.")
@click.option("--all", "show_all", is_flag=True, help="Show every language in the terminal table.")
@click.option("--top", type=click.IntRange(min=1), default=15, show_default=True, help="Most expensive languages shown.")
@click.option("--by", type=click.Choice(["language", "script"]), default="language", show_default=True,
              help="script: the premium of every script, its languages pooled, with a paired bootstrap interval "
                   "(table and --format output).")
@plot_option("Write a PNG: premium per language.")
@format_option
@output_option
def audit_cmd(tokenizers, corpus, split, langs, pivot, method, normalize, sensitivity_report, resamples,
              seed, jobs, executor, show_all, top, by, plot, fmt, output) -> None:
    """How many more tokens the same content costs in each language than in the pivot.

    \b
    Examples:
      toklab audit                                   # 204 FLORES languages × default tokenizers
      toklab audit -t gpt-4o -t spm:mistral.model --langs eng_Latn,hin_Deva,shn_Mymr
      toklab audit --method joined -t tiktoken:cl100k_base   # Petrov et al. (2023), exactly
      toklab audit --format csv -o premiums.csv --plot premiums.png
      toklab audit -t pixels:noto -t bytes:utf8 -t gpt-4o --by script   # per writing system, with intervals
    """
    if by == "script" and (method != "totals" or sensitivity_report):
        raise click.UsageError("--by script pools per-sentence counts (method totals); it does not combine with "
                               "--method joined or --normalization-sensitivity")
    corpus_spec = corpus_spec_from_flags(corpus, split, langs, pivot)
    # User files are read block by block (memory bounded whatever their size); the joined method
    # and the normal-form comparison need each language whole.
    streamed = (corpus_spec.split(":", 1)[0] in STREAMABLE and method == "totals" and not sensitivity_report
                and by == "language")
    loaded = open_stream(corpus_spec) if streamed else load_corpus(corpus_spec)
    adapters = list({a.name: a for a in (load_tokenizer(t) for t in (tokenizers or DEFAULT_TOKENIZERS))}.values())
    measure = MeasureOptions(normalize=normalize, jobs=jobs, executor=executor)
    options = AuditOptions(pivot=pivot, method=method, measure=measure,
                           bootstrap=BootstrapOptions(resamples=resamples, seed=seed))
    units = loaded.expected_blocks if streamed else len(loaded.langs)
    steps = len(adapters) * units * (3 if sensitivity_report else 1)
    with progress_callback("encoding", steps) as advance:
        if sensitivity_report:
            sensitivity = normalization_sensitivity(adapters, loaded, options, advance)
            frame, signature, result = sensitivity.rows, sensitivity.signature, None
        else:
            result = run_audit(adapters, loaded, options, advance)
            frame, signature = result.rows, result.signature
    if by == "script" and result:
        frame = pl.concat([script_rows(adapter, loaded, pivot, measure, options.bootstrap) for adapter in adapters])
        signature = build(signature, ("by", "script:pooled_languages,paired_bootstrap"))
    if fmt != "table":
        write_frame(frame, fmt, output, signature)
    elif by == "script" and result:
        console = stdout_console()
        console.print(summary_table(result))
        console.print(script_table(frame, pivot))
        signature_line(console, signature)
    else:
        _print_report(result, frame, show_all, top)
        if not result:
            signature_line(stdout_console(), signature)
    if plot and result:
        from toklab.cli.plots import per_language_bars

        per_language_bars(result.rows, "premium", "tokenizer", plot, f"Tokenization premium vs {pivot} "
                          f"({loaded.spec}, method {method})", "premium (×)", log=True, reference=1.0)
        click.echo(f"wrote {visible(str(plot))}", err=True)


def script_table(frame: pl.DataFrame, pivot: str) -> Table:
    """Scripts as rows, tokenizers as columns: the pooled premium with its interval."""
    names = frame["tokenizer"].unique(maintain_order=True).to_list()
    first = frame.filter(pl.col("tokenizer") == names[0])
    table = Table(title=f"Premium per script vs {text_cell(pivot)}: the script's languages pooled, 95 % paired "
                        f"bootstrap interval; sorted by {text_cell(names[0])}")
    table.add_column("script", no_wrap=True)
    table.add_column("langs", justify="right")
    for name in names:
        table.add_column(text_cell(name.split(":", 1)[-1][-28:]), justify="right")
    by_key = {(r["tokenizer"], r["script"]): r for r in frame.iter_rows(named=True)}
    for row in first.iter_rows(named=True):
        cells = []
        for name in names:
            r = by_key.get((name, row["script"]))
            cells.append(f"{r['premium']:.2f}× [dim][{r['premium_lo']:.2f}–{r['premium_hi']:.2f}][/dim]" if r else "—")
        table.add_row(text_cell(row["script_name"]), str(row["languages"]), *cells)
    return table


def _print_report(result: AuditResult | None, frame: pl.DataFrame, show_all: bool, top: int) -> None:
    console = stdout_console()
    if result is None:
        shown = frame if show_all else frame.head(top)
        from toklab.cli.render import frame_table

        console.print(frame_table(shown.drop("script"), title="Premium under NFC / NFD / NFKC, largest spread first"))
        return
    console.print(summary_table(result))
    table, flagged = language_table(result.rows, show_all, top, 5)
    console.print(table)
    if flagged:
        console.print(f"† not comparable: more than {COMPARABLE_UNK_SHARE:.0%} of the language's characters became "
                      "unknown tokens, so its premium looks cheap because text was thrown away.")
    signature_line(console, result.signature)
