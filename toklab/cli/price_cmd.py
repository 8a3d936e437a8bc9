"""`toklab price` — the same content's API bill per language, from the audit's premiums."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import polars as pl
from rich.markup import escape
from rich.table import Table

from corpora import load_corpus
from toklab.cli.options import FiniteFloat, corpus_spec_from_flags, format_option, new_target, output_option
from toklab.cli.progress import progress_callback
from toklab.cli.render import signature_line, stderr_console, stdout_console, text_cell, write_frame
from toklab.finite import check_finite
from toklab.premium.audit import AuditOptions, run_audit
from toklab.premium.closed_counts import gather
from toklab.premium.counts_file import write_counts_file
from toklab.bootstrap import BootstrapOptions
from toklab.premium.price_db import age_warning
from toklab.premium.pricing import (DEFAULT_MODELS, Scenario, load_prices, parse_count_with, parse_mix, price_audit,
                                    select, short_model)
from toklab.registry import load_tokenizer


@click.command("price")
@click.option("-m", "--model", "models", multiple=True,
              help="Model to price (repeatable): a bare id (gpt-5.5, claude-opus-5-5) or PROVIDER:ID for a hosted "
                   "model (groq:meta-llama/llama-4-maverick-17b-128e-instruct). Default: " + ", ".join(DEFAULT_MODELS) + ".")
@click.option("--prices", "price_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your own price file (JSON: {'models': [{model, provider, tokenizer|proxy, input_per_1m, "
                   "output_per_1m, context_window, source, checked}]}) instead of the genai-prices database.")
@click.option("--refresh-prices", is_flag=True,
              help="Fetch the newest genai-prices data (online) and keep it in the cache for later runs.")
@click.option("--count-with", "count_with", multiple=True, metavar="MODEL=SPEC",
              help="Count MODEL's tokens with SPEC (a model toklab cannot map; marked as an estimate).")
@click.option("--vendor-counts", is_flag=True,
              help="Count Claude and Gemini models exactly through their vendors' count endpoints (needs "
                   "ANTHROPIC_API_KEY / GEMINI_API_KEY; cached, resumable) on a seeded sample of documents.")
@click.option("--counts", "counts_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="A counts file (doc_id,lang,model,tokens; .csv/.jsonl/.parquet) someone with a key shared.")
@click.option("--sample", type=click.IntRange(min=1), default=100, show_default=True,
              help="Documents per language the vendors count (the same seeded sample in every language).")
@click.option("--save-counts", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=new_target, help="Write the vendor counts to FILE, to share with people without a key "
              "(an existing FILE only with --overwrite: counts cost API calls).")
@click.option("--corpus", default="flores200", show_default=True, help="Parallel corpus spec.")
@click.option("--split", default=None, help="Corpus split(s).")
@click.option("--langs", default=None, help="Comma-separated language codes.")
@click.option("--pivot", default="eng_Latn", show_default=True)
@click.option("--content-tokens", default=1_000_000, show_default=True, type=FiniteFloat(low=0.0),
              callback=lambda ctx, param, value: _at_most(value, MAX_CONTENT_TOKENS, param),
              help="Amount of content, in pivot-language tokens, to price.")
@click.option("--mix", default="3:1", show_default=True,
              help="INPUT:OUTPUT token mix of the blended price (3:1: three input tokens per output token).")
@click.option("--scenario", default=None, help="REQUESTS,INPUT_WORDS,OUTPUT_WORDS per month, e.g. 100000,500,200.")
@click.option("--all", "show_all", is_flag=True, help="Show every language.")
@click.option("--list", "list_models", is_flag=True, help="List the priced models and how each is counted, and exit.")
@format_option
@output_option
def price_cmd(models, price_file, refresh_prices, count_with, vendor_counts, counts_file, sample, save_counts, corpus,
              split, langs, pivot, content_tokens, mix, scenario, show_all, list_models, fmt, output) -> None:
    """Cost per language of the same content on today's models, a monthly bill, and the context window.

    \b
    Examples:
      toklab price                                    # 16 current models, 204 languages
      toklab price -m gpt-5.5 -m deepseek-v4-pro --mix 1:1 --scenario 100000,500,200
      toklab price --list --format csv -o models.csv  # every priced model and its tokenizer
      toklab price -m muse-spark-1.3 --count-with muse-spark-1.3=llama-4
      toklab price -m claude-sonnet-5-5 --vendor-counts --save-counts claude.csv   # with ANTHROPIC_API_KEY
      toklab price -m claude-sonnet-5-5 --counts claude.csv                        # counts someone shared
    Prices: genai-prices (input, output, cached input per 1M tokens; dated; older than 90 days is
    flagged). Models with no public tokenizer are counted through a labelled stand-in and marked
    as estimates.
    """
    today = dt.date.today()
    prices, price_signature = load_prices(price_file, today, refresh_prices, parse_count_with(count_with))
    if list_models:
        frame = _listing(prices)
        _emit(frame, fmt, output, price_signature, lambda: stdout_console().print(_list_table(frame)))
        return
    chosen = select(prices, list(models or DEFAULT_MODELS))
    shares = parse_mix(mix)
    parsed_scenario = Scenario.parse(scenario) if scenario else None
    loaded = load_corpus(corpus_spec_from_flags(corpus, split, langs, pivot))
    counted = _counted(chosen, loaded, pivot, vendor_counts, counts_file, sample, save_counts)  # a key error first
    specs = list(dict.fromkeys(p.counting_spec for p in chosen))
    adapters = [load_tokenizer(s) for s in specs]
    with progress_callback("encoding", len(adapters) * len(loaded.langs)) as advance:
        audit = run_audit(adapters, loaded, AuditOptions(pivot=pivot), advance)
    result = price_audit(audit, dict(zip([a.name for a in adapters], specs)), chosen, price_signature, pivot,
                         content_tokens, parsed_scenario, shares, counted)
    table, signature = result.table, result.signature
    _warn_stale(result.prices, today)
    _emit(table, fmt, output, signature,
          lambda: _report(table, result.prices, content_tokens, parsed_scenario, shares, show_all, signature))


MAX_CONTENT_TOKENS = 1e15  # far beyond any bill, far below a float's overflow to inf in a cost


def _at_most(value: float, high: float, param) -> float:
    if value > high:
        raise click.BadParameter(f"{value:g} is more than {high:g} tokens; price a smaller amount of content",
                                 param=param)
    return value


def _counted(chosen, loaded, pivot, vendor_counts, counts_file, sample, save_counts):
    """Vendor counts for the estimated models (asked now, or from a shared file), saved when asked."""
    if not (vendor_counts or counts_file):
        return []
    steps = sample * len(loaded.langs) * sum(1 for p in chosen if p.counted_by) if vendor_counts else 0
    with progress_callback("counting with vendors", steps) as advance:
        counted, counts = gather(chosen, loaded, pivot, ask_vendors=vendor_counts, counts_path=counts_file,
                                 per_language=sample, seed=0, bootstrap=BootstrapOptions(),
                                 progress=lambda: advance(""))
    if save_counts is not None and counts is not None:
        write_counts_file(counts, save_counts)
    return counted


def _emit(frame, fmt, output, signature, show_table) -> None:
    if fmt == "table":
        check_finite(frame, "price table")  # as the exports: no $inf shown with exit code 0
        show_table()
    else:
        write_frame(frame, fmt, output, signature)


def _listing(prices) -> pl.DataFrame:
    rows = [{"model": p.model, "provider": p.provider, "tokenizer": p.tokenizer, "exact": p.exact if p.tokenizer else None,
             "how_counted": p.why, "input_per_1m": p.input_per_1m, "output_per_1m": p.output_per_1m,
             "cached_input_per_1m": p.cached_input_per_1m, "context_window": p.context_window,
             "context_note": p.context_note, "tiers": p.tiers, "dated": p.dated, "source": p.source}
            for p in prices.values()]
    return pl.DataFrame(rows, infer_schema_length=None)


def _money(value) -> str:
    return "—" if value is None else f"${value:,.3g}" if value < 0.1 else f"${value:,.2f}"


def _list_table(frame: pl.DataFrame) -> Table:
    table = Table(title="Priced models (USD per 1M tokens)", title_justify="left", header_style="bold")
    for column in ("model", "provider", "counted with", "input", "output", "cached in", "context", "dated"):
        table.add_column(column, overflow="fold")
    for p in frame.iter_rows(named=True):
        if p["tokenizer"] is None:
            counted = "[dim]unknown: --count-with MODEL=SPEC[/dim]"
        else:
            counted = escape(p["tokenizer"]) + ("" if p["exact"] else " [yellow](estimate)[/yellow]")
        context = f"{p['context_window']:,}" if p["context_window"] else "—"
        table.add_row(escape(p["model"]), escape(p["provider"]), counted, _money(p["input_per_1m"]),
                      _money(p["output_per_1m"]), _money(p["cached_input_per_1m"]), context, text_cell(p["dated"]))
    return table


def _warn_stale(chosen, today: dt.date) -> None:
    console = stderr_console()
    for price in chosen:
        why = age_warning(price.dated, today)
        if why:
            console.print(f"[bold yellow]warning:[/bold yellow] the price of {escape(price.model)} is {escape(why)}; "
                          "refresh with --refresh-prices or pass --prices FILE")


def _report(table: pl.DataFrame, chosen, content_tokens, scenario, shares, show_all, signature) -> None:
    console = stdout_console()
    value = "monthly_bill" if scenario else "content_cost"
    what = (f"monthly bill for {scenario.requests:,} requests × {scenario.input_words:g} input + "
            f"{scenario.output_words:g} output English-equivalent words" if scenario
            else f"content worth {content_tokens:,.0f} English tokens at {_mix_words(shares)}")
    if len(chosen) > LANGUAGE_COLUMNS_UP_TO and not show_all:
        console.print(_model_summary(table, chosen, value, what))
    else:
        console.print(_language_table(table, chosen, value, what, show_all))
    _footnotes(console, chosen, signature)


LANGUAGE_COLUMNS_UP_TO = 6  # more models than this: one row per model (the per-language detail: --all or --format)


def _mix_words(shares) -> str:
    from fractions import Fraction

    if not shares[1]:
        return "input prices"
    ratio = Fraction(shares[0] / shares[1]).limit_denominator(100)
    return f"a {ratio.numerator}:{ratio.denominator} input:output token mix"


def _model_summary(table: pl.DataFrame, chosen, value: str, what: str) -> Table:
    out = Table(title=f"USD per model: {what}", title_justify="left", header_style="bold",
                caption="dearest = the most expensive language for the same content (premium ×, its 95 % interval); "
                        "context = the input window in English-equivalent tokens for that language. "
                        "--all shows every language.", caption_justify="left")
    for column in ("model", "English", "median language", "dearest language", "×", "≥2×", "context there"):
        out.add_column(column, justify="left" if column in ("model", "dearest language") else "right")
    for price in chosen:
        rows = table.filter(pl.col("model") == price.model)
        pivot_cost = rows.filter(pl.col("premium") == 1.0)[value]
        top = rows.sort("premium").row(-1, named=True)
        context = f"{top['effective_context']:,.0f}" if top["effective_context"] else "—"
        interval = f" ({top['premium_lo']:.1f}–{top['premium_hi']:.1f})" if top.get("premium_lo") else ""
        out.add_row(escape(short_model(price.model)) + (" *" if price.estimate else ""),
                    f"${pivot_cost[0]:,.2f}" if len(pivot_cost) else "—", f"${rows[value].median():,.2f}",
                    escape(top["lang_name"].split(" (")[0]) + f" ${top[value]:,.2f}", f"{top['premium']:.1f}{interval}",
                    str(int((rows["premium"] >= 2).sum())), context)
    return out


def _language_table(table: pl.DataFrame, chosen, value: str, what: str, show_all: bool) -> Table:
    first = table.filter(pl.col("model") == chosen[0].model).sort("premium", descending=True)
    order = first["lang"].to_list()
    if not show_all and len(order) > 20:
        order = order[:15] + [None] + order[-5:]
    out = Table(title=f"USD per language: {what}", title_justify="left", header_style="bold")
    out.add_column("language", no_wrap=True, max_width=22, overflow="ellipsis")
    for price in chosen:
        out.add_column(escape(short_model(price.model)) + (" *" if price.estimate else ""), justify="right")
    context_price = next((p for p in chosen if p.context_window), None)
    if context_price:
        out.add_column(f"context ({escape(short_model(context_price.model))})", justify="right")
    cells = {(r["model"], r["lang"]): r for r in table.iter_rows(named=True)}
    for lang in order:
        if lang is None:
            out.add_row("…", *[""] * (len(chosen) + bool(context_price)))
            continue
        row = [f"${cells[(p.model, lang)][value]:,.2f}" for p in chosen]
        first_cell = cells[(chosen[0].model, lang)]
        name = escape(first_cell["lang_name"].split(" (")[0]) + ("" if first_cell["comparable"] else " †")
        if context_price:
            row.append(f"{cells[(context_price.model, lang)]['effective_context']:,.0f}")
        out.add_row(name, *row)
    return out


def _footnotes(console, chosen, signature) -> None:
    estimates: dict[tuple[str, str], list[str]] = {}
    for price in chosen:
        if price.estimate:
            estimates.setdefault((price.tokenizer, price.why), []).append(short_model(price.model))
    for (tokenizer, why), names in estimates.items():
        console.print(f"[yellow]* {escape(', '.join(names))}: counted with {escape(tokenizer)}, an estimate — "
                      f"{escape(why)}.[/yellow]")
    exact = [f"{short_model(p.model)}: {p.tokenizer}" for p in chosen if p.exact]
    if exact:
        console.print("Exact counts: " + escape("; ".join(exact)) + ".")
    console.print(f"Prices per 1M tokens from the price data, dated {min(p.dated for p in chosen)} to "
                  f"{max(p.dated for p in chosen)}; † = more than 10 % of the text unknown to the tokenizer.")
    signature_line(console, signature)
