"""`toklab compare` — byte model, token models and compressors on one bits-per-byte axis."""

from __future__ import annotations

import dataclasses

import click
import polars as pl

from toklab.cli.options import FiniteFloat, format_option, output_option, plot_option
from toklab.cli.render import frame_table, signature_line, stdout_console, write_frame

QUICK = dict(langs=("eng_Latn", "fra_Latn", "hin_Deva", "zho_Hans", "arb_Arab", "shn_Mymr"), per_lang=30,
             minutes=0.4, schemes=("bytes", "bpe:1024", "unigram:1024", "paritybpe:1024"), preset="tiny")


@click.command("compare")
@click.option("--schemes", default="bytes,bpe:8192,unigram:8192,paritybpe:8192", show_default=True,
              help="Comma-separated: bytes, bpe:N, unigram:N, paritybpe:N.")
@click.option("--langs", default=None, help="Comma-separated FLORES codes (default: all 204).")
@click.option("--per-lang", type=click.IntRange(min=1), default=100, show_default=True,
              help="First N devtest sentences per language.")
@click.option("--minutes", type=FiniteFloat(low=0.01), default=6.0, show_default=True,
              help="Training budget per model scheme (fixed as steps after the first steps).")
@click.option("--preset", default="cpu", show_default=True, help="Transformer preset shared by every scheme.")
@click.option("--quick", is_flag=True, help="6 languages, 1,024-token vocabularies, 30 s per model (≈ 5 min).")
@click.option("--no-compressors", is_flag=True, help="Skip gzip/bz2/xz/PPMd.")
@plot_option("Write a PNG: BPB per language per scheme.")
@format_option
@output_option
def compare_cmd(schemes, langs, per_lang, minutes, preset, quick, no_compressors, plot, fmt, output) -> None:
    """Bits per byte per language for every scheme on the same text and budget.

    \b
    Examples:
      toklab compare --quick
      toklab compare --minutes 10 --plot compare.png        # ≈ 45 min on a 2-core CPU
    """
    from toklab.compare.comparison import CompareConfig, run_compare

    config = CompareConfig(tuple(s.strip() for s in schemes.split(",")),
                           tuple(langs.split(",")) if langs else (), per_lang, minutes, preset, not no_compressors)
    if quick:
        config = dataclasses.replace(config, **QUICK)
    result = run_compare(config, on_log=lambda m: click.echo(m, err=True))
    rows, table, correlation, seconds = result.rows, result.summary, result.correlation, result.seconds
    facts = {scheme: {k: v for k, v in fact.items() if k != "signature"} for scheme, fact in result.facts.items()}
    held = (f"held equal: transformer preset {config.preset} (non-embedding parameters "
            f"{', '.join(sorted({str(f['params_non_embedding']) for f in facts.values()}))}), optimizer, schedule, "
            f"{config.minutes} min wall clock per model, training text FLORES dev")
    signature = result.signature
    if plot:
        from toklab.cli.plots import per_language_bars

        per_language_bars(rows, "bpb", "scheme", plot, "bits per byte per language", "BPB")
        click.echo(f"wrote {plot}", err=True)
    if fmt != "table":
        write_frame(rows, fmt, output, signature)
        return
    console = stdout_console()
    console.print(frame_table(table, title="Overall (byte-weighted) and macro-averaged BPB"))
    budget = pl.DataFrame(list(facts.values())).drop("tokenizer")
    console.print(frame_table(budget, title="What each model scheme got from the same wall-clock budget", floats=0))
    wide = rows.pivot(on="scheme", index="lang", values="bpb").sort("lang")
    console.print(frame_table(wide, title="BPB per language"))
    for scheme, value in correlation.items():
        console.print(f"correlation across languages of {scheme}'s token premium with its BPB gap to the byte model: {value:+.2f}")
    console.print(f"{held}; ran {seconds / 60:.1f} min")
    signature_line(console, signature)
