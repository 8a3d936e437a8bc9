"""The table of every language: a few columns that matter shown first (premium with its interval
under the main tokenizer, the price under every chosen model, the context left under the main model,
characters lost), the rest in column groups a reader can reveal, and each language's breakdown
(every tokenizer's premium, loss by stage, glitch exposure by kind) in a row of its own that opens
by click or touch and is printed. Also its data as CSV, for a reader to check the numbers.
"""

from __future__ import annotations

import csv
import io

import polars as pl

from toklab.loss.attribution import STAGES
from toklab.report.collect import ReportData, short_name
from toklab.report.layout import Cell, Table, glitch_keys, money, no_exposure, percent, thousands, times
from toklab.report.lead import main_price, main_tokenizer, unit

#: Column groups: key → (what the reader toggles, shown before any toggling).
GROUPS = {
    "premium": ("premium, main tokenizer", True),
    "price": ("price per model", True),
    "context": ("context, main model", True),
    "loss": ("characters lost", True),
    "premium-all": ("premium, other tokenizers", False),
    "context-all": ("context, other models", False),
    "exposure": ("glitch exposure", False),
    "bytes": ("byte premium", False),
    "bpb": ("bits per byte", False),
}


def premium_text(r: dict) -> str:
    interval = f" [{r['premium_lo']:.2f}–{r['premium_hi']:.2f}]" if r["premium_lo"] is not None else ""
    return f"{r['premium']:.2f}×{interval}{'' if r['comparable'] else ' †'}"


def premium_cell(r: dict) -> Cell:
    return Cell(premium_text(r), r["premium"])


def compute_cell(r: dict) -> Cell:
    """The byte model's compute premium with its interval; a dash where the pivot shares no sentence."""
    if r["compute_premium"] is None:
        return Cell("—", None)
    return Cell(f"{r['compute_premium']:.2f}× [{r['compute_low']:.2f}–{r['compute_high']:.2f}]", r["compute_premium"])


def loss_words(r: dict) -> str:
    if r["chars_lost"] is None:
        return "not measured"
    drawn = r.get("fallback_font_chars")
    fallback = f"; drawn by a fallback font {percent(drawn, 3)}" if drawn else ""
    if not r["chars_lost"]:
        return f"none (exact round trip{fallback})"
    if r.get("family") == "patches" and drawn is not None:  # a renderer loses characters only as tofu
        return f"{percent(r['chars_lost'], 3)} drawn as empty boxes (no glyph){fallback}"
    stages = ", ".join(f"{stage} {percent(r[stage], 3)}" for stage in STAGES if r[stage])
    sampled = r["attributed_docs"] < r["lossy_docs"]
    return (f"{percent(r['chars_lost'], 3)} ({stages or 'no stage'}"
            + (f"; stages estimated from {r['attributed_docs']} of {r['lossy_docs']} affected texts" if sampled else "")
            + ")")


def exposure_words(r: dict, top: int) -> str:
    if r.get("exposure") is None:
        return no_exposure(r.get("family"))
    return (f"{percent(r['exposure'])}: byte fragments {percent(r['fragment_share'])}, other glitch categories "
            f"{percent(r['category_share'] - r['fragment_share'])}, top {top:,} of the glitch ranking "
            f"{percent(r['top_share'], 3)}")


class _Builder:
    """Columns added one at a time, each with its header and group."""

    def __init__(self) -> None:
        self.headers: list[str] = []
        self.groups: list[str] = []

    def add(self, header: str, group: str = "") -> None:
        self.headers.append(header)
        self.groups.append(group)


def language_table(data: ReportData) -> Table:
    from toklab.premium.pricing import short_model

    names = data.languages["tokenizer"].unique(maintain_order=True).to_list()
    main = main_tokenizer(data)
    price = main_price(data)
    by_key = {(r["tokenizer"], r["lang"]): r for r in data.languages.iter_rows(named=True)}
    prices = {(r["model"], r["lang"]): r for r in data.price_rows.iter_rows(named=True)}
    order = data.languages.filter(pl.col("tokenizer") == main).sort("premium", descending=True)
    has_bpb = "bpb" in data.languages.columns
    columns = _Builder()
    columns.add("language")
    columns.add("script")
    columns.add(f"premium {short_name(main)} [95% interval]", "premium")
    for p in data.prices:
        columns.add(f"{'≈ ' if p.estimate else ''}{short_model(p.model)}", "price")
    if price is not None and price.context_window:
        columns.add(f"context there, {short_model(price.model)}", "context")
    columns.add("chars lost, most lossy tokenizer", "loss")
    for name in names:
        if name != main:
            columns.add(f"premium {short_name(name)}", "premium-all")
    for p in data.prices:
        if p is not price and p.context_window:
            columns.add(f"context there, {short_model(p.model)}", "context-all")
    for name in names:
        columns.add(f"glitch exposure {short_name(name)}", "exposure")
    columns.add("byte premium", "bytes")
    if has_bpb:
        columns.add("bits per byte, byte model", "bpb")
        columns.add("compute premium, byte model [95% interval]", "bpb")
    rows, attributes, details = [], [], []
    for row in order.iter_rows(named=True):
        lang = row["lang"]
        cells = [Cell(row["lang_name"], row["lang_name"]), Cell(_script(row["script"]), _script(row["script"])),
                 premium_cell(by_key[(main, lang)])]
        for p in data.prices:
            cost = prices[(p.model, lang)]["content_cost"]
            cells.append(Cell(money(cost), cost, estimate=p.estimate))
        if price is not None and price.context_window:
            context = prices[(price.model, lang)]["effective_context"]
            cells.append(Cell(thousands(context), context, estimate=price.estimate))
        cells.append(_most_lost(data, names, by_key, lang))
        cells += [premium_cell(by_key[(name, lang)]) for name in names if name != main]
        for p in data.prices:
            if p is not price and p.context_window:
                context = prices[(p.model, lang)]["effective_context"]
                cells.append(Cell(thousands(context), context, estimate=p.estimate))
        for name in names:
            r = by_key[(name, lang)]
            cells.append(Cell("n/a" if r["exposure"] is None else percent(r["exposure"]), r["exposure"]))
        cells.append(Cell(times(row["byte_premium"]), row["byte_premium"]))
        if has_bpb:
            cells.append(Cell("—" if row["bpb"] is None else f"{row['bpb']:.3f}", row["bpb"]))
            cells.append(compute_cell(row))
        rows.append(cells)
        attributes.append({"data-script": row["script"], "data-code": lang, "id": f"lang-{lang}"})
        details.append(breakdown(data, names, by_key, prices, row))
    return Table("languages", f"Every language ({order.height}), dearest under {short_name(main)} first",
                 columns.headers, rows, ["audit", "prices", "loss"] + glitch_keys(data) + (["bpb"] if has_bpb else []),
                 attributes, columns.groups, details)


def _script(script: str) -> str:
    from toklab.languages import script_name

    return script_name(script)


def _most_lost(data: ReportData, names: list[str], by_key: dict, lang: str) -> Cell:
    known = [(by_key[(n, lang)]["chars_lost"], n) for n in names if by_key[(n, lang)]["chars_lost"] is not None]
    if not known:
        return Cell("—")
    lost, name = max(known)
    sampled = by_key[(name, lang)]["attributed_docs"] < by_key[(name, lang)]["lossy_docs"]
    return Cell(percent(lost, 3) + (f" {short_name(name)}" if lost else ""), lost, estimate=sampled and lost > 0)


def breakdown(data: ReportData, names: list[str], by_key: dict, prices: dict, row: dict) -> list[tuple[str, str]]:
    """One language's numbers in words, every tokenizer and model: what the row's columns summarise."""
    lang = row["lang"]
    top = data.options.glitch_top
    out = [("Code", f"{lang}, {_script(row['script'])} script; {row['docs']:,} {unit(data)}, {row['chars']:,} "
                    f"characters; byte premium {times(row['byte_premium'])}")]
    out.append(("Premium", " · ".join(f"{short_name(n)} {premium_text(by_key[(n, lang)])}" for n in names)))
    if data.prices:
        out.append(("Price and context there", " · ".join(_price_words(p, prices[(p.model, lang)])
                                                          for p in data.prices)))
    out.append(("Characters lost", " · ".join(f"{short_name(n)} {loss_words(by_key[(n, lang)])}" for n in names)))
    out.append(("Glitch exposure", " · ".join(f"{short_name(n)} {exposure_words(by_key[(n, lang)], top)}"
                                              for n in names)))
    return out


def _price_words(price, r: dict) -> str:
    from toklab.premium.pricing import short_model

    context = f", {thousands(r['effective_context'])}" if r["effective_context"] is not None else ""
    return f"{short_model(price.model)}{' (estimate)' if price.estimate else ''} {money(r['content_cost'])}{context}"


def shown_columns(table: Table) -> list[int]:
    """The columns shown before a reader reveals more (the Markdown report shows only these)."""
    return [i for i in range(len(table.headers)) if not table.group_of(i) or GROUPS[table.group_of(i)][1]]


# A cell that starts like a formula is text, not a formula, when a spreadsheet opens the file.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(frame: pl.DataFrame) -> str:
    """The frame as CSV text (numbers at full precision); text that a spreadsheet would run as a
    formula gets a leading apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    for values in frame.iter_rows():
        writer.writerow(["'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else
                         "" if v is None else v for v in values])
    return buffer.getvalue()


def downloads(data: ReportData) -> dict[str, str]:
    """File name → CSV text: every measurement per (tokenizer, language), and every price per (model, language)."""
    languages = data.languages.select(
        "tokenizer", "lang", "lang_name", "script", "docs", "chars", "tokens", "premium", "premium_lo", "premium_hi",
        "comparable", "byte_premium", "chars_lost", *STAGES, "exposure", "fragment_share", "category_share",
        "top_share", *(["bpb"] if "bpb" in data.languages.columns else []))
    prices = data.price_rows.select("model", "provider", "tokenizer", "estimate", "lang", "lang_name", "script",
                                    "premium", "premium_lo", "premium_hi", "input_per_1m", "output_per_1m",
                                    "content_cost", "effective_context", "price_dated")
    return {"toklab-languages.csv": csv_text(languages), "toklab-prices.csv": csv_text(prices)}
