"""What the report says, independent of its format: the headline, the tables as cells (a number to
sort by, a text to show, a note for the tooltip), the figures and the methodology. html.py and
markdown.py only lay these out, so both formats show the same numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import polars as pl

from toklab.glitch.exposure import FRAGMENTS
from toklab.languages import language_name
from toklab.loss.attribution import STAGES
from toklab.report import figures
from toklab.report.collect import CONTENT_TOKENS, ReportData, short_name
from toklab.signature import Signature


@dataclasses.dataclass(frozen=True)
class Cell:
    text: str
    value: float | str | None = None  # what sorting uses (None sorts last)
    note: str = ""  # shown on hover / in print as a footnote-free title
    estimate: bool = False  # a number measured through a proxy: marked visibly


@dataclasses.dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    provenance: list[str]  # Provenance keys behind the numbers
    row_attributes: list[dict[str, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class FigureSpec:
    key: str
    title: str
    caption: str
    png: bytes
    provenance: list[str]


def report_title(data: ReportData) -> str:
    return (f"Tokenization audit: {len(data.corpus.langs)} languages × {len(data.tokenizers)} tokenizers "
            f"({data.corpus.spec.canonical})")


def times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def headline(data: ReportData) -> list[str]:
    """One sentence per tokenizer: the median, the worst language with its interval, how many pay ≥ 2×."""
    languages = data.languages
    out = []
    for row in data.summary.iter_rows(named=True):
        worst = languages.filter((pl.col("tokenizer") == row["tokenizer"]) & (pl.col("lang") == row["max_lang"])).row(
            0, named=True)
        interval = (f" (95% interval {worst['premium_lo']:.2f}–{worst['premium_hi']:.2f})"
                    if worst["premium_lo"] is not None else "")
        out.append(
            f"Under {short_name(row['tokenizer'])}, the median language needs {row['median_premium']:.2f}× the "
            f"tokens {language_name(data.pivot)} needs for the same content; {language_name(row['max_lang'])} needs "
            f"{row['max_premium']:.2f}×{interval}. {row['ge_2x']} of {row['languages']} languages pay at least "
            f"2×, {row['ge_4x']} at least 4×; Gini {row['gini']:.3f}.")
    return out + [price_sentence(data, price) for price in data.prices[:1]]


def price_sentence(data: ReportData, price) -> str:
    rows = data.price_rows.filter(pl.col("model") == price.model).sort("content_cost")
    pivot = rows.filter(pl.col("lang") == data.pivot).row(0, named=True)
    dearest = rows.row(-1, named=True)
    context = (f", and its {price.context_window:,}-token input window holds {dearest['effective_context']:,.0f} "
               f"tokens' worth of {language_name(data.pivot)} content there" if price.context_window else "")
    return (f"With {price.model}{' (an estimate: counted with a stand-in tokenizer)' if price.estimate else ''}, "
            f"content that costs ${pivot['content_cost']:.2f} in {language_name(data.pivot)} costs "
            f"${dearest['content_cost']:.2f} in {dearest['lang_name']}{context}.")


def stale_prices(data: ReportData) -> list[str]:
    """One warning per selected price older than the price database's age limit, or undated."""
    from toklab.premium.price_db import age_warning

    today = _report_day(data)
    return [f"Warning: the price of {p.model} is {why}; check it, or refresh the price data "
            "(toklab price --refresh-prices)." for p in data.prices if (why := age_warning(p.dated, today))]


def _report_day(data: ReportData):
    import datetime as dt

    return dt.date.fromisoformat(data.created[:10])


def _dated_cell(dated: str, today) -> Cell:
    from toklab.premium.price_db import MAX_AGE_DAYS, stale

    if not stale(dated, today):
        return Cell(dated, dated)
    return Cell(f"{dated} (check: over {MAX_AGE_DAYS} days old or undated)", dated,
                "check this price, or refresh the price data", estimate=True)


def model_table(data: ReportData) -> Table:
    """One row per priced model: its prices, how it is counted, and what the same content costs."""
    today = _report_day(data)
    headers = ["model", "provider", "counted with", "USD in / out / cached per 1M", "dated", f"USD {data.pivot}",
               "USD median language", "dearest language", "context there"]
    rows = []
    for price in data.prices:
        part = data.price_rows.filter(pl.col("model") == price.model)
        pivot_cost = part.filter(pl.col("lang") == data.pivot)["content_cost"][0]
        top = part.sort("content_cost").row(-1, named=True)
        median = float(part["content_cost"].median())
        context = top["effective_context"]
        rows.append([
            Cell(price.model, price.model), Cell(price.provider, price.provider),
            Cell(price.tokenizer + (" (estimate*)" if price.estimate else " (exact)"), price.tokenizer, price.why,
                 estimate=price.estimate),
            Cell(" / ".join("—" if v is None else f"${v:g}" for v in
                            (price.input_per_1m, price.output_per_1m, price.cached_input_per_1m)), price.input_per_1m,
                 price.tiers or ""),
            _dated_cell(price.dated, today),
            Cell(f"${pivot_cost:.2f}", pivot_cost, estimate=price.estimate),
            Cell(f"${median:.2f}", median, estimate=price.estimate),
            Cell(f"{top['lang_name']} ${top['content_cost']:.2f} ({top['premium']:.2f}×)", top["content_cost"],
                 estimate=price.estimate),
            Cell("—" if context is None else _thousands(context), context, price.context_note,
                 estimate=price.estimate),
        ])
    return Table("models", f"Per model: the content of {CONTENT_TOKENS:,} {data.pivot} tokens at a "
                           f"{_mix(data)} input:output mix", headers, rows, ["prices"])


def _mix(data: ReportData) -> str:
    from fractions import Fraction

    share_in, share_out = data.options.mix
    ratio = Fraction(share_in / share_out).limit_denominator(100) if share_out else None
    return f"{ratio.numerator}:{ratio.denominator}" if ratio else "1:0"


def worst_languages(data: ReportData, n: int = 5) -> Table:
    """The most expensive languages under each tokenizer, side by side."""
    columns = []
    others = data.languages.filter(pl.col("lang") != data.pivot)
    n = min(n, others["lang"].n_unique())
    for name in others["tokenizer"].unique(maintain_order=True):
        part = others.filter(pl.col("tokenizer") == name).sort("premium", descending=True).head(n)
        columns.append([Cell(f"{language_name(r['lang'])} {r['premium']:.2f}×", r["premium"])
                        for r in part.iter_rows(named=True)])
    rows = [[Cell(str(i + 1), i + 1)] + [column[i] for column in columns] for i in range(n)]
    headers = ["#"] + [short_name(t) for t in data.summary["tokenizer"]]
    return Table("worst", f"The {n} most expensive languages", headers, rows, ["audit"])


def summary_table(data: ReportData) -> Table:
    headers = ["tokenizer", "median premium", "max (language)", "Gini", "≥2×", "≥4×", "≥8×", "chars lost",
               "glitch exposure", "most exposed"]
    rows = []
    for r in data.summary.iter_rows(named=True):
        rows.append([
            Cell(r["tokenizer"], r["tokenizer"]), Cell(times(r["median_premium"]), r["median_premium"]),
            Cell(f"{r['max_premium']:.2f}× {r['max_lang']}", r["max_premium"]), Cell(f"{r['gini']:.3f}", r["gini"]),
            Cell(str(r["ge_2x"]), r["ge_2x"]), Cell(str(r["ge_4x"]), r["ge_4x"]), Cell(str(r["ge_8x"]), r["ge_8x"]),
            Cell(percent(r["chars_lost"], 3), r["chars_lost"]),
            Cell(percent(r["exposure"]) if r["exposure"] is not None else "n/a (byte vocabulary)", r["exposure"]),
            Cell(r["most_exposed"] or "—", r["most_exposed"]),
        ])
    return Table("summary", "Per tokenizer", headers, rows, ["audit", "loss"] + _glitch_keys(data))


def _glitch_keys(data: ReportData) -> list[str]:
    return [key for key in data.provenance if key.startswith("glitch-")]


def _premium_cell(r: dict) -> Cell:
    interval = f" [{r['premium_lo']:.2f}–{r['premium_hi']:.2f}]" if r["premium_lo"] is not None else ""
    mark = " †" if not r["comparable"] else ""
    return Cell(f"{r['premium']:.2f}×{interval}{mark}", r["premium"],
                "" if r["comparable"] else "not comparable: >10% of the characters became unknown tokens")


def _loss_cell(r: dict) -> Cell:
    if r["chars_lost"] is None:
        return Cell("—")
    stages = ", ".join(f"{stage} {percent(r[stage], 3)}" for stage in STAGES if r[stage])
    sampled = r["attributed_docs"] < r["lossy_docs"]
    note = (f"by stage: {stages}" if stages else "round trip exact") + (
        f" (stages estimated from {r['attributed_docs']} of {r['lossy_docs']} lossy documents)" if sampled else "")
    return Cell(percent(r["chars_lost"], 3), r["chars_lost"], note, estimate=sampled)


def _exposure_cell(r: dict, top: int) -> Cell:
    if r["exposure"] is None:
        return Cell("n/a", None, "a pure byte vocabulary: fragments by design, no rare tokens")
    note = (f"byte fragments ({', '.join(FRAGMENTS)}) {percent(r['fragment_share'])}, other glitch categories "
            f"{percent(r['category_share'] - r['fragment_share'])}, top {top} of the glitch ranking "
            f"{percent(r['top_share'], 3)}; {r['suspect_types']} distinct suspect tokens")
    return Cell(percent(r["exposure"]), r["exposure"], note)


def _thousands(value: float) -> str:
    return f"{value / 1e6:.2f}M" if value >= 1e6 else f"{value / 1e3:.0f}k"


def language_table(data: ReportData) -> Table:
    """One row per language: byte premium, then per tokenizer its premium, loss and glitch exposure,
    per model the content's price and the effective context, and BPB when a byte run was given."""
    names = data.languages["tokenizer"].unique(maintain_order=True).to_list()
    by_key = {(r["tokenizer"], r["lang"]): r for r in data.languages.iter_rows(named=True)}
    first = data.languages.filter(pl.col("tokenizer") == names[0]).sort("premium", descending=True)
    headers = ["language", "code", "script", "byte premium"]
    for name in names:
        label = short_name(name)
        headers += [f"premium {label} [95% CI]", f"chars lost {label}", f"glitch exposure {label}"]
    has_bpb = "bpb" in data.languages.columns
    headers += ["BPB byte model"] if has_bpb else []
    rows, attributes = [], []
    for lang_row in first.iter_rows(named=True):
        lang = lang_row["lang"]
        cells = [Cell(lang_row["lang_name"], lang_row["lang_name"]), Cell(lang, lang),
                 Cell(lang_row["script"], lang_row["script"]),
                 Cell(times(lang_row["byte_premium"]), lang_row["byte_premium"])]
        for name in names:
            r = by_key[(name, lang)]
            cells += [_premium_cell(r), _loss_cell(r), _exposure_cell(r, data.options.glitch_top)]
        if has_bpb:
            cells.append(Cell("—" if lang_row["bpb"] is None else f"{lang_row['bpb']:.3f}", lang_row["bpb"]))
        rows.append(cells)
        attributes.append({"data-script": lang_row["script"], "id": f"lang-{lang}"})
    return Table("languages", f"Every language ({first.height}), most expensive under {short_name(names[0])} first",
                 headers, rows, ["audit", "loss"] + _glitch_keys(data) + (["bpb"] if has_bpb else []),
                 attributes)


def price_language_table(data: ReportData) -> Table:
    """One row per language, one column per priced model: the same content's cost (a table of its
    own, so that the language table stays readable on a page)."""
    from toklab.premium.pricing import short_model

    cells = {(r["model"], r["lang"]): r for r in data.price_rows.iter_rows(named=True)}
    first = data.price_rows.filter(pl.col("model") == data.prices[0].model).sort("content_cost", descending=True)
    headers = ["language"] + [f"{short_model(p.model)}{' (estimate*)' if p.estimate else ''}" for p in data.prices]
    rows = []
    for r in first.iter_rows(named=True):
        row = [Cell(r["lang_name"], r["lang_name"])]
        for price in data.prices:
            cost = cells[(price.model, r["lang"])]["content_cost"]
            row.append(Cell(f"${cost:.2f}", cost, f"{price.model}, counted with {price.tokenizer}",
                            estimate=price.estimate))
        rows.append(row)
    return Table("price-languages", f"USD per language: the content of {CONTENT_TOKENS:,} {data.pivot} tokens at a "
                                    f"{_mix(data)} input:output mix, most expensive under {data.prices[0].model} first",
                 headers, rows, ["prices"])


def script_table(data: ReportData) -> Table:
    scripts = data.scripts()
    names = data.languages["tokenizer"].unique(maintain_order=True).to_list()
    by_key = {(r["tokenizer"], r["script"]): r for r in scripts.iter_rows(named=True)}
    order = scripts.filter(pl.col("tokenizer") == names[0])
    has_bpb = "bpb" in scripts.columns
    headers = ["script", "languages", "byte premium"] + [
        h for name in names for h in (f"premium {short_name(name)} (range)", f"chars lost {short_name(name)}",
                                      f"glitch exposure {short_name(name)}")] + (["BPB byte model"] if has_bpb else [])
    rows = []
    for s in order.iter_rows(named=True):
        cells = [Cell(f"{s['script_name']} ({s['script']})", s["script"]), Cell(str(s["languages"]), s["languages"]),
                 Cell(times(s["byte_premium"]), s["byte_premium"])]
        for name in names:
            r = by_key[(name, s["script"])]
            spread = f" ({r['premium_min']:.2f}–{r['premium_max']:.2f})" if r["languages"] > 1 else ""
            cells += [Cell(f"{r['premium']:.2f}×{spread}", r["premium"]),
                      Cell(percent(r["chars_lost"], 3), r["chars_lost"]),
                      Cell(percent(r["exposure"]) if r["exposure"] is not None else "n/a", r["exposure"])]
        if has_bpb:
            cells.append(Cell(f"{s['bpb']:.3f}" if s["bpb"] is not None else "—", s["bpb"]))
        rows.append(cells)
    return Table("scripts", "Per script (mean over its languages; loss weighted by characters, exposure by tokens)",
                 headers, rows, ["audit", "loss"] + _glitch_keys(data) + (["bpb"] if has_bpb else []))


def figure_specs(data: ReportData) -> list[FigureSpec]:
    """Every figure the data supports, as PNG bytes (the loss figure only when something was lost,
    premium vs BPB only with a byte run)."""
    corpus, pivot = data.corpus.spec.canonical, data.pivot
    languages, prices = data.languages, data.price_rows
    # (key, title, caption, the drawing function and its arguments after the table, provenance)
    build: list[tuple[str, str, str, pl.DataFrame, tuple[Callable, tuple], list[str]]] = [
        ("premium", "Premium per language, coloured by script",
         f"Tokens each language needs for the content {pivot} says in one token ({corpus}); log scale.", languages,
         (figures.language_bars, ("premium", "tokenizer", "", "premium (×)", True, 1.0)), ["audit"]),
        ("prices", "Price of the same content per language",
         f"Cost of the content of {CONTENT_TOKENS:,} {pivot} tokens at the blended {_mix(data)} input:output "
         "price, per model (hollow markers: estimates, counted with a stand-in tokenizer).", prices,
         (figures.prices_per_language, ("",)), ["prices"]),
        ("exposure", "Glitch exposure per language",
         f"Share of each language's tokens that are byte fragments, in another glitch category or among the top "
         f"{data.options.glitch_top} of the glitch ranking.", languages,
         (figures.language_bars, ("exposure", "tokenizer", "", "share of tokens")), _glitch_keys(data)),
        ("loss", "Characters lost, by pipeline stage",
         "The lossiest languages of every tokenizer that loses anything, stacked by the stage that lost them.",
         languages, (figures.loss_by_stage, ("",)), ["loss"]),
    ]
    if "bpb" in languages.columns:
        build.append(("bpb", "Premium vs bits per byte",
                      "Each language's premium under each tokenizer against the byte model's BPB on the same text.",
                      languages, (figures.premium_vs_bpb, ("",)), ["audit", "bpb"]))
    specs = []
    for key, title, caption, inputs, (draw, arguments), provenance in build:
        png = figures.drawn_png(key, inputs, draw, *arguments)
        if png is not None:
            specs.append(FigureSpec(key, title, caption, png, provenance))
    return specs


def missing_figures(data: ReportData, shown: list[FigureSpec]) -> list[str]:
    """Why a figure the report can draw is not there, in words (an absent figure is never silent)."""
    keys = {f.key for f in shown}
    notes = []
    if "loss" not in keys:
        notes.append("No loss figure: no tokenizer lost a character; every round trip was exact.")
    if "bpb" not in keys:
        notes.append("No premium-vs-BPB figure: give a byte-model run with --byte-run RUN_DIR.")
    return notes


def price_snapshot(signature: Signature) -> str:
    """The price part of a signature (prices, price_data_dated, priced_on, counting…) in words."""
    return "; ".join(f"{key.replace('_', ' ')} {value}" for key, value in Signature.parse(signature).fields())


def methodology(data: ReportData) -> list[tuple[str, str]]:
    """(term, description) pairs, every value taken from what was computed."""
    corpus, options = data.corpus, data.options
    interval = Signature.parse(data.provenance["audit"].signature).get("bootstrap")
    items = [
        ("Corpus", f"{corpus.spec.canonical}: {len(corpus.langs)} languages, {corpus.frame.height:,} documents, "
                   f"{corpus.n_bytes:,} bytes; content sha256 {corpus.content_hash}"),
        ("Pivot", f"{language_name(data.pivot)} ({data.pivot})"),
        ("Premium", "tokens of a language over the pivot's on the same documents (sums over aligned documents); "
                    f"interval: paired bootstrap over documents ({interval}, percentile). "
                    "Byte premium: the same ratio for UTF-8 bytes."),
        ("Prices", f"{price_snapshot(data.price_snapshot)}. Cost = {CONTENT_TOKENS:,} × premium × (the blended "
                   f"price at a {_mix(data)} input:output token mix) / 1M; effective context = input window / premium. "
                   "A price is dated by the newest date its entry in the price data records."),
        ("Estimates", "* models whose tokenizer is not public are counted with a named stand-in: their prices "
                      "and contexts are estimates (" + ("; ".join(f"{p.model} via {p.tokenizer}: {p.why}"
                                                                  for p in data.prices if p.estimate)
                                                        or "none selected") + "). "
                      "Loss stages marked ≈ were attributed on a seeded sample of lossy documents."),
        ("Information loss", "exact round trip decode(encode(x)) per document; characters not reproduced "
                             "(alignment), attributed to the first pipeline stage that explains them: "
                             + ", ".join(STAGES) + "."),
        ("Glitch exposure", "share of a language's tokens whose id is a byte fragment, in another glitch category "
                            f"(unreachable, special) or among the top {options.glitch_top} ids of the weight-free "
                            "glitch ranking (character class, string-frequency mismatch"
                            + (" against the wordfreq lists" if options.glitch_words else "") + "). "
                            "Pure byte vocabularies: n/a."),
    ]
    if "bpb" in data.provenance:
        items.append(("Bits per byte", f"byte model {options.byte_run}, best checkpoint, protocol "
                                       f"{options.byte_protocol}, first {options.byte_docs or 'all'} documents per "
                                       "language of the report's corpus."))
    for adapter in data.tokenizers:
        items.append((f"Tokenizer {adapter.name}", f"family {adapter.family}, vocabulary {adapter.vocab_size:,}"
                      + (f", artifact sha256 {adapter.artifact_hash}" if adapter.artifact_hash else "")
                      + (f", {adapter.library} {adapter.library_version}" if adapter.library_version else "")))
    for price in data.prices:
        prices = " / ".join("—" if v is None else f"${v:g}" for v in
                            (price.input_per_1m, price.output_per_1m, price.cached_input_per_1m))
        items.append((f"Price {price.model}", f"{price.provider}: {prices} per 1M input / output / cached input "
                      f"tokens{'; ' + price.tiers if price.tiers else ''}; {price.context_note}; counted with "
                      f"{price.tokenizer} ({'exact' if price.exact else 'estimate'}: {price.why}); {price.source} "
                      f"(dated {price.dated})"))
    items.append(("Versions", data.versions))
    items.append(("Generated", data.created))
    return items
