"""`toklab price` — the same content's API bill per language, from the audit's premiums."""

from __future__ import annotations

from pathlib import Path

import click
import polars as pl
from rich.table import Table

from corpora import load_corpus
from toklab.cli.options import FiniteFloat, corpus_spec_from_flags, format_option, output_option
from toklab.cli.progress import progress_callback
from toklab.cli.render import signature_line, stdout_console, write_frame
from toklab.premium.audit import AuditOptions, run_audit
from toklab.premium.pricing import DEFAULT_MODELS, Scenario, load_prices, price_audit, select
from toklab.registry import load_tokenizer


@click.command("price")
@click.option("-m", "--model", "models", multiple=True, help=f"Model from the price snapshot (repeatable). Default: {', '.join(DEFAULT_MODELS)}.")
@click.option("--prices", "price_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your own price file, same format as toklab/data/prices.json.")
@click.option("--corpus", default="flores200", show_default=True, help="Parallel corpus spec.")
@click.option("--split", default=None, help="Corpus split(s).")
@click.option("--langs", default=None, help="Comma-separated language codes.")
@click.option("--pivot", default="eng_Latn", show_default=True)
@click.option("--content-tokens", default=1_000_000, show_default=True, type=FiniteFloat(low=0.0),
              help="Amount of content, in pivot-language tokens, to price.")
@click.option("--scenario", default=None, help="REQUESTS,INPUT_WORDS,OUTPUT_WORDS per month, e.g. 100000,500,200.")
@click.option("--all", "show_all", is_flag=True, help="Show every language.")
@click.option("--list", "list_models", is_flag=True, help="List the price snapshot and exit.")
@format_option
@output_option
def price_cmd(models, price_file, corpus, split, langs, pivot, content_tokens, scenario, show_all, list_models,
              fmt, output) -> None:
    """Cost per language of the same content, a monthly bill, and the effective context window.

    \b
    Examples:
      toklab price                                    # default models, 204 languages
      toklab price -m gpt-4o -m gpt-5 --scenario 100000,500,200
      toklab price --list
    Models with no public tokenizer are priced through a labelled proxy and marked as estimates.
    """
    prices, price_signature = load_prices(price_file)
    if list_models:
        frame = pl.DataFrame([p.__dict__ for p in prices.values()])
        _emit(frame, fmt, output, price_signature, lambda: stdout_console().print(_list_table(frame)))
        return
    chosen = select(prices, list(models or DEFAULT_MODELS))
    parsed_scenario = Scenario.parse(scenario) if scenario else None
    loaded = load_corpus(corpus_spec_from_flags(corpus, split, langs, pivot))
    specs = list(dict.fromkeys(p.counting_spec for p in chosen))
    adapters = [load_tokenizer(s) for s in specs]
    with progress_callback("encoding", len(adapters) * len(loaded.langs)) as advance:
        audit = run_audit(adapters, loaded, AuditOptions(pivot=pivot), advance)
    result = price_audit(audit, dict(zip([a.name for a in adapters], specs)), chosen, price_signature, pivot,
                         content_tokens, parsed_scenario)
    table, signature = result.table, result.signature
    _emit(table, fmt, output, signature, lambda: _report(table, chosen, content_tokens, parsed_scenario, show_all, signature))


def _emit(frame, fmt, output, signature, show_table) -> None:
    if fmt == "table":
        show_table()
    else:
        write_frame(frame, fmt, output, signature)


def _list_table(frame: pl.DataFrame) -> Table:
    table = Table(title="Price snapshot (USD per 1M tokens)", title_justify="left", header_style="bold")
    for column in ("model", "provider", "counted with", "input", "output", "context", "checked"):
        table.add_column(column)
    for p in frame.iter_rows(named=True):
        counted = p["tokenizer"] or f"[yellow]no public tokenizer: proxy {p['proxy']} (estimate)[/yellow]"
        table.add_row(p["model"], p["provider"], counted, f"${p['input_per_1m']:.2f}", f"${p['output_per_1m']:.2f}",
                      f"{p['context_window']:,}", p["checked"])
    return table


def _report(table: pl.DataFrame, chosen, content_tokens, scenario, show_all, signature) -> None:
    console = stdout_console()
    value = "monthly_bill" if scenario else "content_cost"
    first = table.filter(pl.col("model") == chosen[0].model).sort("premium", descending=True)
    order = first["lang"].to_list()
    if not show_all and len(order) > 20:
        order = order[:15] + [None] + order[-5:]
    what = (f"monthly bill for {scenario.requests:,} requests × {scenario.input_words:g} input + "
            f"{scenario.output_words:g} output English-equivalent words" if scenario
            else f"input cost of content worth {content_tokens:,.0f} English tokens")
    out = Table(title=f"USD per language: {what}", title_justify="left", header_style="bold")
    out.add_column("language", no_wrap=True, max_width=22, overflow="ellipsis")
    for price in chosen:
        out.add_column(price.model + (" *" if price.estimate else ""), justify="right")
    out.add_column(f"context ({chosen[0].model})", justify="right")
    cells = {(r["model"], r["lang"]): r for r in table.iter_rows(named=True)}
    for lang in order:
        if lang is None:
            out.add_row("…", *[""] * (len(chosen) + 1))
            continue
        row = [f"${cells[(p.model, lang)][value]:,.2f}" for p in chosen]
        first_cell = cells[(chosen[0].model, lang)]
        name = first_cell["lang_name"].split(" (")[0] + ("" if first_cell["comparable"] else " †")
        out.add_row(name, *row, f"{first_cell['effective_context']:,.0f}")
    console.print(out)
    for price in chosen:
        if price.estimate:
            console.print(f"[yellow]* {price.model}: no public tokenizer; counted with proxy {price.proxy} — an estimate.[/yellow]")
    console.print(f"Prices per 1M tokens as of {', '.join(sorted({p.checked for p in chosen}))}; "
                  "context = the window in English-equivalent tokens.")
    signature_line(console, signature)
