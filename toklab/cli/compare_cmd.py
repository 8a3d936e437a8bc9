"""`toklab compare` — byte model, token models and compressors on one bits-per-byte axis."""

from __future__ import annotations

import dataclasses

import click
import polars as pl

from toklab.cli.options import FiniteFloat, format_option, output_option, plot_option
from toklab.cli.render import frame_table, signature_line, stdout_console, text_cell, write_frame
from toklab.compare.comparison import DEFAULT_SCHEMES, SCHEME_HELP
from toklab.display import visible


def _protocols(_ctx, _param, value: str) -> tuple[str, ...]:
    from byte_model.config import PROTOCOLS

    chosen = tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
    unknown = [p for p in chosen if p not in PROTOCOLS]
    if unknown or not chosen:
        raise click.BadParameter(f"{(unknown or [value])[0]!r}: use one or more of {', '.join(PROTOCOLS)}, "
                                 "comma-separated")
    return chosen


COMPRESSOR_PROTOCOLS = ("compressors: isolated = each sentence compressed alone (container header included); "
                        "context and dynamic = 8·(|C(dev+test)| − |C(dev)|) per language (compressors adapt as they go)")
QUICK = dict(langs=("eng_Latn", "fra_Latn", "hin_Deva", "zho_Hans", "arb_Arab", "shn_Mymr"), per_lang=30,
             minutes=0.4, schemes=("bytes", "bpe:1024", "unigram:1024", "paritybpe:1024", "canine:4", "gbst:4", "hnet:4",
                                   "spacebyte"),
             preset="tiny")


@click.command("compare")
@click.option("--schemes", default=",".join(DEFAULT_SCHEMES), show_default=True,
              help=f"Comma-separated: {SCHEME_HELP}. canine and gbst shorten the sequence by a fixed rate, hnet "
                   "where it learns to cut, spacebyte after space-like bytes; all are byte models matched to the "
                   "preset's non-embedding parameter count.")
@click.option("--langs", default=None, help="Comma-separated FLORES codes (default: all 204).")
@click.option("--per-lang", type=click.IntRange(min=1), default=100, show_default=True,
              help="First N devtest sentences per language.")
@click.option("--minutes", type=FiniteFloat(low=0.01), default=6.0, show_default=True,
              help="Training budget per model scheme (fixed as steps after the first steps).")
@click.option("--preset", default="cpu", show_default=True, help="Transformer preset shared by every scheme.")
@click.option("--quick", is_flag=True, help="6 languages, 1,024-token vocabularies, 24 s per model (≈ 8 min).")
@click.option("--no-compressors", is_flag=True, help="Skip gzip/bz2/xz/PPMd.")
@click.option("--protocol", "protocols", default="isolated", show_default=True, callback=_protocols,
              help="Comma-separated evaluation protocols, each applied to every scheme: isolated, context, "
                   "dynamic (see `toklab byte eval --help`). Each model is trained once and scored under each.")
@plot_option("Write a PNG: every scheme's BPB per language on one axis, one panel per protocol.")
@format_option
@output_option
def compare_cmd(schemes, langs, per_lang, minutes, preset, quick, no_compressors, protocols, plot, fmt, output) -> None:
    """Bits per byte per language for every scheme on the same text, budget and protocol.

    \b
    Examples:
      toklab compare --quick
      toklab compare --quick --protocol context
      toklab compare --minutes 6 --protocol isolated,context --plot compare.png   # ≈ 75 min on a 2-core CPU
      toklab compare --schemes bytes,canine:4,gbst:4 --langs eng_Latn,arb_Arab,zho_Hans
      toklab compare --schemes bytes,gbst:4,hnet:4,spacebyte,bpe:8192 --minutes 6   # the compute premium
    """
    from toklab.compare.comparison import CompareConfig, per_script, run_compare

    config = CompareConfig(tuple(s.strip() for s in schemes.split(",")),
                           tuple(langs.split(",")) if langs else (), per_lang, minutes, preset, not no_compressors,
                           protocols=protocols)
    if quick:
        config = dataclasses.replace(config, **QUICK)
    from toklab.cli.progress import TrainingProgress

    with TrainingProgress() as progress:
        result = run_compare(config, on_log=progress.log, on_step=progress.on_step)
    rows, table, correlation, seconds = result.rows, result.summary, result.correlation, result.seconds
    facts = {scheme: {k: v for k, v in fact.items() if k != "signature"} for scheme, fact in result.facts.items()}
    held = (f"held equal: transformer preset {config.preset} (non-embedding parameters "
            f"{', '.join(sorted({str(f['params_non_embedding']) for f in facts.values()}))}; the shortening "
            "and chunking byte models matched to it), optimizer, schedule, "
            f"{config.minutes} min wall clock per model, training text FLORES dev (the same held-out validation "
            "part chooses each model's best checkpoint and dynamic learning rate)")
    signature = result.signature
    if plot:
        from toklab.cli.plots import schemes_on_one_axis

        schemes_on_one_axis(rows, plot, "bits per byte per language, every scheme on one axis")
        click.echo(f"wrote {visible(str(plot))}", err=True)
    if fmt != "table":
        write_frame(rows, fmt, output, signature)
        return
    console = stdout_console()
    console.print(frame_table(table, title="Overall (byte-weighted) and macro-averaged BPB, per protocol"))
    budget = pl.DataFrame(list(facts.values())).drop("tokenizer")
    budget = budget.drop([c for c in budget.columns if budget[c].null_count() == budget.height])
    console.print(frame_table(budget, title="What each model scheme got from the same wall-clock budget", floats=0))
    shown = config.protocols[-1]
    console.print(frame_table(per_script(rows, shown), title=f"BPB per script, byte-weighted (protocol {shown})"))
    wide = rows.filter(pl.col("protocol") == shown).pivot(on="scheme", index="lang", values="bpb").sort("lang")
    console.print(frame_table(wide, title=f"BPB per language (protocol {shown})"))
    if not result.compute.is_empty():
        console.print(frame_table(result.compute, title="Compute premium: forward FLOPs for the same sentences vs "
                                                        "English, per language (median, Gini over languages, "
                                                        "extremes); bytes per deep position (token, block or chunk)"))
    for scheme, value in correlation.items():
        console.print(f"correlation across languages of {text_cell(scheme)}'s token premium with its BPB gap to the "
                      f"byte model: {value:+.2f}")
    if not no_compressors:
        console.print(COMPRESSOR_PROTOCOLS)
    console.print(f"{held}; ran {seconds / 60:.1f} min")
    signature_line(console, signature)
