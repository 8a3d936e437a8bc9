"""What the report says, independent of its format: the tables as cells (a number to sort by, a text
to show), the figures with their captions, and the methodology. The opening is lead.py, the terms,
limits and sources glossary.py, the table of every language language_table.py. html.py and
markdown.py only lay these out, so both formats show the same numbers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import polars as pl

from toklab.languages import language_name, script_label
from toklab.loss.attribution import STAGES
from toklab.report import figures
from toklab.report.collect import CONTENT_TOKENS, ReportData, short_name
from toklab.report.lead import main_tokenizer, tokenizer_label, unit
from toklab.signature import Signature


@dataclasses.dataclass(frozen=True)
class Cell:
    text: str
    value: float | str | None = None  # what sorting uses (None sorts last)
    note: str = ""  # a short remark shown beside the text (never only on hover)
    estimate: bool = False  # a number measured through a proxy: marked visibly


@dataclasses.dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    provenance: list[str]  # Provenance keys behind the numbers
    row_attributes: list[dict[str, str]] = dataclasses.field(default_factory=list)
    groups: list[str] = dataclasses.field(default_factory=list)  # per column: its group key, "" always shown
    details: list[list[tuple[str, str]]] = dataclasses.field(default_factory=list)  # per row: (heading, text)

    def group_of(self, column: int) -> str:
        return self.groups[column] if self.groups else ""


@dataclasses.dataclass(frozen=True)
class FigureSpec:
    key: str
    title: str
    caption: str
    png: bytes
    provenance: list[str]

    @property
    def width_px(self) -> int:
        """The width it was designed for, in CSS pixels (96 per inch): text drawn at 8 pt is 8 pt there."""
        pixels = int.from_bytes(self.png[16:20], "big")  # the PNG's IHDR width
        return round(pixels / figures.DPI * 96)


def report_title(data: ReportData) -> str:
    from toklab.report.lead import title

    return title(data)


def times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def thousands(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1e6:.2f}M" if value >= 1e6 else f"{value / 1e3:.0f}k"


def stale_prices(data: ReportData) -> list[str]:
    """One warning per selected price older than the price database's age limit, or undated."""
    from toklab.premium.price_db import age_warning

    today = _report_day(data)
    return [f"Check this price: the price of {p.model} is {why}, so it may have changed."
            for p in data.prices if (why := age_warning(p.dated, today))]


def _report_day(data: ReportData):
    import datetime as dt

    return dt.date.fromisoformat(data.created[:10])


def _dated_cell(dated: str, today) -> Cell:
    from toklab.premium.price_db import MAX_AGE_DAYS, stale

    if not stale(dated, today):
        return Cell(dated, dated)
    return Cell(f"{dated} (over {MAX_AGE_DAYS} days old: check)", dated, estimate=True)


def mix_ratio(data: ReportData) -> str:
    from fractions import Fraction

    share_in, share_out = data.options.mix
    ratio = Fraction(share_in / share_out).limit_denominator(100) if share_out else None
    return f"{ratio.numerator}:{ratio.denominator}" if ratio else "1:0"


def model_table(data: ReportData) -> Table:
    """One row per priced model: its list prices and what the same content costs under it."""
    from toklab.premium.pricing import short_model

    today = _report_day(data)
    pivot = language_name(data.pivot)
    headers = ["model", "USD per 1M tokens: input / output / cached input", "price dated", f"same content, {pivot}",
               "median language", "dearest language", "context window", "context there"]
    rows = []
    for price in data.prices:
        part = data.price_rows.filter(pl.col("model") == price.model)
        pivot_cost = part.filter(pl.col("lang") == data.pivot)["content_cost"][0]
        top = part.sort("content_cost").row(-1, named=True)
        median = float(part["content_cost"].median())
        rows.append([
            Cell(short_model(price.model) + (" (estimate)" if price.estimate else ""), price.model,
                 estimate=price.estimate),
            Cell(" / ".join("—" if v is None else f"${v:g}" for v in
                            (price.input_per_1m, price.output_per_1m, price.cached_input_per_1m)), price.input_per_1m),
            _dated_cell(price.dated, today),
            Cell(money(pivot_cost), pivot_cost, estimate=price.estimate),
            Cell(money(median), median, estimate=price.estimate),
            Cell(f"{top['lang_name']} {money(top['content_cost'])} ({top['premium']:.2f}×)", top["content_cost"],
                 estimate=price.estimate),
            Cell(thousands(price.context_window), price.context_window),
            Cell(thousands(top["effective_context"]), top["effective_context"], estimate=price.estimate),
        ])
    return Table("models", f"What the content of {CONTENT_TOKENS:,} {pivot} tokens costs per model "
                           f"({mix_ratio(data)} input:output tokens)", headers, rows, ["prices"])


def counting_table(data: ReportData) -> Table:
    """Which tokenizer counts each model's tokens, and the evidence for it (or why it is a stand-in)."""
    headers = ["model", "provider", "counted with", "exact or estimate", "evidence", "price source"]
    rows = [[Cell(p.model, p.model), Cell(p.provider, p.provider), Cell(p.tokenizer, p.tokenizer),
             Cell("estimate" if p.estimate else "exact", "estimate" if p.estimate else "exact", estimate=p.estimate),
             Cell(p.why, p.why), Cell(p.source, p.source)] for p in data.prices]
    return Table("counting", "Which tokenizer counts each model", headers, rows, ["prices"])


def no_exposure(family: str | None) -> str:
    """Why a scheme has no glitch exposure: a glitch token is a vocabulary entry."""
    return "n/a: no vocabulary" if family == "patches" else "n/a: reads bytes"


def summary_table(data: ReportData) -> Table:
    headers = ["tokenizer", "median premium", "dearest language", "cheapest language", "Gini",
               "languages ≥ 2×", "≥ 4×", "≥ 8×", "chars lost", "glitch exposure, all tokens",
               "glitch exposure, median language"]
    rows = []
    for r in data.summary.iter_rows(named=True):
        part = data.languages.filter(pl.col("tokenizer") == r["tokenizer"])
        names = dict(zip(part["lang"], part["lang_name"]))
        median_exposure = part["exposure"].median()
        byte_vocabulary = r["exposure"] is None
        family = part["family"][0] if "family" in part.columns and part.height else None
        rows.append([
            Cell(tokenizer_label(data, r["tokenizer"]), r["tokenizer"]),
            Cell(times(r["median_premium"]), r["median_premium"]),
            Cell(f"{names.get(r['max_lang'], r['max_lang'])} {times(r['max_premium'])}", r["max_premium"]),
            Cell(f"{names.get(r['min_lang'], r['min_lang'])} {times(r['min_premium'])}", r["min_premium"]),
            Cell(f"{r['gini']:.3f}", r["gini"]),
            Cell(str(r["ge_2x"]), r["ge_2x"]), Cell(str(r["ge_4x"]), r["ge_4x"]), Cell(str(r["ge_8x"]), r["ge_8x"]),
            Cell(percent(r["chars_lost"], 3), r["chars_lost"]),
            Cell(no_exposure(family) if byte_vocabulary else percent(r["exposure"]), r["exposure"]),
            Cell("n/a" if byte_vocabulary else percent(median_exposure), median_exposure),
        ])
    return Table("summary", "Per tokenizer", headers, rows, ["audit", "loss"] + glitch_keys(data))


def glitch_keys(data: ReportData) -> list[str]:
    return [key for key in data.provenance if key.startswith("glitch-")]


def script_table(data: ReportData) -> Table:
    """Per script: how many languages, the median premium under each tokenizer, the byte premium."""
    scripts = data.scripts()
    names = data.languages["tokenizer"].unique(maintain_order=True).to_list()
    medians = {(r["tokenizer"], r["script"]): r for r in scripts.iter_rows(named=True)}
    main = main_tokenizer(data)
    order = scripts.filter(pl.col("tokenizer") == main).sort("premium_median", descending=True)
    headers = ["script", "languages"] + [f"median premium {short_name(n)}" for n in names] + ["byte premium"]
    rows = []
    for s in order.iter_rows(named=True):
        cells = [Cell(script_label(s["script"]), script_label(s["script"])), Cell(str(s["languages"]), s["languages"])]
        for name in names:
            r = medians[(name, s["script"])]
            spread = f" ({r['premium_min']:.2f}–{r['premium_max']:.2f})" if r["languages"] > 1 else ""
            cells.append(Cell(f"{times(r['premium_median'])}{spread}", r["premium_median"]))
        cells.append(Cell(times(s["byte_premium"]), s["byte_premium"]))
        rows.append(cells)
    return Table("scripts", f"Per script: the median premium of its languages (their range in brackets), dearest "
                            f"under {short_name(main)} first", headers, rows, ["audit"])


@dataclasses.dataclass(frozen=True)
class FigurePlan:
    """A figure before it is drawn: `draw(table, *arguments)` makes it (or None: nothing to draw)."""
    key: str
    title: str
    caption: str
    table: pl.DataFrame
    draw: Callable
    arguments: tuple
    provenance: list[str]


def figure_specs(data: ReportData) -> list[FigureSpec]:
    """Every figure the data supports, as PNG bytes (the loss figure only when something was lost,
    premium vs BPB only with a byte run). The first is the key figure the lead points to."""
    specs = []
    for plan in figure_plans(data):
        png = figures.drawn_png(plan.key, plan.table, plan.draw, *plan.arguments)
        if png is not None:
            specs.append(FigureSpec(plan.key, plan.title, plan.caption, png, plan.provenance))
    return specs


def figure_plans(data: ReportData) -> list[FigurePlan]:
    """What each figure draws, from which table, with which arguments and caption."""
    pivot = language_name(data.pivot)
    main = main_tokenizer(data)
    languages, prices = data.languages, data.price_rows
    labels = {name: tokenizer_label(data, name) for name in languages["tokenizer"].unique(maintain_order=True)}
    ranked = min(15, max((languages["lang"].n_unique() - 1) // 2, 1))
    # (key, title, caption, the table drawn, the drawing function and its arguments, provenance)
    build: list[tuple[str, str, str, pl.DataFrame, tuple[Callable, tuple], list[str]]] = [
        ("scripts", f"The premium of every language, by script, under {labels[main]}", key_caption(data), languages,
         (figures.script_dots, (main, pivot)), ["audit"]),
        ("ranked", f"The {ranked} most and {ranked} least expensive languages under {labels[main]}",
         f"Premium with its 95 % interval (the bar), relative to {pivot}; log scale. Every language is in the "
         "table below.", languages, (figures.ranked_languages, (main, pivot, ranked)), ["audit"]),
        ("prices", "What the same content costs, per model",
         f"Each row is a model; each grey point one language's price for the content of {CONTENT_TOKENS:,} {pivot} "
         f"tokens ({mix_ratio(data)} input:output tokens, list prices). The square is {pivot}; the dark point the "
         "dearest language, named. Hollow marks and dashed rows are estimates: the vendor does not publish the "
         "tokenizer, so a named stand-in counts for it (see Sources).", prices,
         (figures.model_prices, (data.pivot, pivot)), ["prices"]),
        ("script-tokenizers", "Median premium per script, every tokenizer",
         f"One row per script; each mark is the median premium of the script's languages under one tokenizer, "
         f"relative to {pivot} (log scale). The line joins the cheapest and dearest tokenizer for that script.",
         languages, (figures.scripts_by_tokenizer, ({name: short_name(name) for name in labels}, pivot)), ["audit"]),
        ("loss", "Characters lost, by the stage that lost them",
         "For every tokenizer that loses any text: the languages that lose most, as the share of their "
         "characters that do not survive an encode–decode round trip, split by the stage that dropped them.",
         languages, (figures.loss_by_stage, ()), ["loss"]),
    ]
    if "bpb" in languages.columns:
        build.append(("bpb", "Premium against bits per byte",
                      "Each point is a language: its premium under a tokenizer (log scale) against how well the "
                      "byte model predicts its text (bits per byte; lower is better).", languages,
                      (figures.premium_vs_bpb, ()), ["audit", "bpb"]))
    return [FigurePlan(key, title, caption, inputs, draw, arguments, provenance)
            for key, title, caption, inputs, (draw, arguments), provenance in build]


def key_caption(data: ReportData) -> str:
    from toklab.report.lead import key_figure_caption

    return key_figure_caption(data)


def missing_figures(data: ReportData, shown: list[FigureSpec]) -> list[str]:
    """Why a figure the report can draw is not there, in words (an absent figure is never silent)."""
    keys = {f.key for f in shown}
    notes = []
    if "loss" not in keys:
        notes.append("No figure of characters lost: no tokenizer lost a character; every round trip was exact.")
    if "bpb" not in keys:
        notes.append("No figure of premium against bits per byte: this report was made without a byte-level model.")
    return notes


def bootstrap_words(value: str | None) -> str:
    """`1000x@0.95/seed0` → '1,000 paired bootstrap resamples, 95 % percentile interval, seed 0'."""
    match = re.fullmatch(r"(\d+)x@([0-9.]+)/seed(\d+)", value or "")
    if match is None:
        return value or "none"
    resamples, level, seed = match.groups()
    return f"{int(resamples):,} paired bootstrap resamples, {100 * float(level):g} % percentile interval, seed {seed}"


def methodology(data: ReportData) -> list[tuple[str, str]]:
    """(term, description) pairs, every value taken from what was computed."""
    from toklab.report.glossary import corpus_sentence, price_source

    options = data.options
    interval = Signature.parse(data.provenance["audit"].signature).get("bootstrap")
    items = [
        ("Corpus", corpus_sentence(data)),
        ("Pivot", f"{language_name(data.pivot)} ({data.pivot})"),
        ("Premium", f"tokens of a language over the pivot's on the same {unit(data)} (sums over aligned "
                    f"{unit(data)}); interval: {bootstrap_words(interval)}, resampling {unit(data)}. "
                    "Byte premium: the same ratio for UTF-8 bytes."),
        ("Prices", f"{price_source(data)}; priced on {data.created[:10]}. Cost = {CONTENT_TOKENS:,} × premium × "
                   f"(the list price blended at {mix_ratio(data)} input:output tokens) / 1M; the context there = "
                   "the input window / premium. A price is dated by the newest date its entry in the price data "
                   "records."),
        ("Estimates", "models whose tokenizer is not public are counted with a named stand-in: their prices and "
                      "contexts are estimates (" + ("; ".join(f"{p.model} via {p.tokenizer}" for p in data.prices
                                                              if p.estimate) or "none selected") + "). "
                      f"Loss stages marked ≈ were attributed on a seeded sample of the {unit(data)} that lost text."),
        ("Information loss", f"exact round trip decode(encode(x)) per {unit(data)[:-1]}; characters not reproduced "
                             "(alignment), attributed to the first pipeline stage that explains them: "
                             + ", ".join(STAGES) + "."),
        ("Glitch exposure", "share of a language's tokens that are byte fragments (a character's UTF-8 bytes cut "
                            "apart, or bytes that are not UTF-8), in another glitch category (never produced by the "
                            f"encoder, special) or among the top {options.glitch_top:,} of the weight-free glitch "
                            "ranking (character class, string-frequency mismatch"
                            + (" against the wordfreq lists" if options.glitch_words else "") + "). "
                            "Tokenizers that read bytes: n/a."),
    ]
    if "bpb" in data.provenance:
        items.append(("Bits per byte", f"byte model {options.byte_run}, best checkpoint, protocol "
                                       f"{options.byte_protocol}, the first {options.byte_docs or 'all'} "
                                       f"{unit(data)} per language of the report's corpus."))
    for adapter in data.tokenizers:
        items.append((f"Tokenizer {adapter.name}", f"family {adapter.family}, vocabulary {adapter.vocab_size:,}"
                      + (f", artifact sha256 {adapter.artifact_hash}" if adapter.artifact_hash else "")
                      + (f", {adapter.library} {adapter.library_version}" if adapter.library_version else "")))
    for price in data.prices:
        items.append((f"Price {price.model}", f"{price.provider}{'; ' + price.tiers if price.tiers else ''}; "
                      f"{price.context_note}; {price.source} (dated {price.dated})"))
    items.append(("Versions", data.versions))
    items.append(("Generated", data.created))
    return items
