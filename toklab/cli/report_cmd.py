"""`toklab report` — one self-contained document joining every analyzer per language."""

from __future__ import annotations

import time
from pathlib import Path

import click

from corpora import load_corpus
from toklab.cli.argtypes import SEED
from toklab.cli.options import corpus_spec_from_flags, protocol_option, writable_target
from toklab.cli.progress import StagedProgress
from toklab.display import visible
from toklab.glitch.exposure import TOP_RANKED
from toklab.premium.audit import DEFAULT_TOKENIZERS
from toklab.bootstrap import MAX_RESAMPLES
from toklab.premium.pricing import DEFAULT_MODELS, parse_count_with, parse_mix
from toklab.registry import load_tokenizer
from toklab.report import FORMATS, ReportOptions, collect, planned_steps, write_report
from toklab.report.write import check_target, refuse_to_replace
from toklab.spec import Spec


@click.command("report")
@click.option("-t", "--tokenizer", "tokenizers", multiple=True,
              help=f"Tokenizer spec or model alias (repeatable). Default: {', '.join(DEFAULT_TOKENIZERS)}.")
@click.option("--corpus", default="flores200", show_default=True, help="Parallel corpus spec.")
@click.option("--split", default=None,
              help="Corpus split(s). FLORES-200 default: devtest (held out: byte models train on dev).")
@click.option("--langs", default=None, help="Comma-separated language codes (default: all).")
@click.option("--pivot", default="eng_Latn", show_default=True, help="Pivot language.")
@click.option("-m", "--models", default=",".join(DEFAULT_MODELS), show_default=True,
              help="API models to price, comma-separated (see `toklab price --list`).")
@click.option("--prices", "price_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your own price file instead of the genai-prices database (format: toklab price --help).")
@click.option("--counts", "counts_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Vendor counts (toklab price --vendor-counts --save-counts FILE): Claude/Gemini priced exactly.")
@click.option("--mix", default="3:1", show_default=True, help="INPUT:OUTPUT token mix of the blended price.")
@click.option("--count-with", "count_with", multiple=True, metavar="MODEL=SPEC",
              help="Count MODEL's tokens with SPEC (a model toklab cannot map; marked as an estimate).")
@click.option("--resamples", type=click.IntRange(min=1, max=MAX_RESAMPLES), default=1000, show_default=True,
              help="Paired bootstrap resamples for the premium intervals.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--glitch-top", type=click.IntRange(min=0), default=TOP_RANKED, show_default=True,
              help="Ids of the glitch ranking (past its categories) counted in the glitch exposure.")
@click.option("--glitch-words/--no-glitch-words", default=True, show_default=True,
              help="Rank glitch tokens with the wordfreq lists' string frequencies.")
@click.option("--byte-run", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="A byte-model run directory (toklab byte train): adds its bits per byte per language.")
@protocol_option
@click.option("--byte-docs", type=click.IntRange(min=1), default=100, show_default=True,
              help="Documents per language the byte model scores.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True,
              help="html: one self-contained file; md: Markdown with its PNGs beside it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"),
              show_default=True, callback=writable_target, help="The report file.")
@click.option("--overwrite", is_flag=True, help="Replace an existing report (and its PNGs).")
def report_cmd(tokenizers, corpus, split, langs, pivot, models, price_file, counts_file, mix, count_with, resamples, seed, glitch_top, glitch_words,
               byte_run, protocol, byte_docs, fmt, output, overwrite) -> None:
    """One self-contained report: premium, price, loss and glitch exposure per language.

    \b
    Examples:
      toklab report                                   # 204 FLORES languages × default tokenizers → report.html
      toklab report -t gpt-5.5 -t llama-4 -m gpt-5.5,claude-sonnet-5-5,deepseek-v4-pro -o audit.html
      toklab report --byte-run runs/bytes --format md -o report.md   # Markdown, PNGs beside it
    Measurements come from the cache when the same tokenizer measured the same content before.
    """
    if fmt == "md" and output.suffix == ".html":
        output = output.with_suffix(".md")
    check_target(output, fmt)  # before the work, not after it
    refuse_to_replace([output], overwrite)
    started = time.perf_counter()
    named = Spec.parse(corpus)
    if split is None and named.scheme == "flores200" and named.get("split") is None:
        split = "devtest"  # held out: byte models train on dev
    loaded = load_corpus(corpus_spec_from_flags(corpus, split, langs, pivot))
    adapters = [load_tokenizer(t) for t in (tokenizers or DEFAULT_TOKENIZERS)]
    options = ReportOptions(pivot=pivot, resamples=resamples, seed=seed,
                            models=tuple(m.strip() for m in models.split(",") if m.strip()), price_file=price_file,
                            mix=parse_mix(mix), counts_file=counts_file, count_with=tuple(parse_count_with(count_with).items()),
                            glitch_top=glitch_top, glitch_words=glitch_words, byte_run=byte_run,
                            byte_protocol=protocol, byte_docs=byte_docs)
    with StagedProgress("report", planned_steps(adapters, loaded, options)) as progress:
        data = collect(adapters, loaded, options, progress.advance, progress.stage)
        progress.stage("drawing the figures and writing the report")
        written = write_report(data, output, fmt, overwrite)
    click.echo(f"wrote {', '.join(visible(str(p)) for p in written)} ({len(loaded.langs)} languages × {len(adapters)} "
               f"tokenizers, {time.perf_counter() - started:.1f} s)", err=True)
