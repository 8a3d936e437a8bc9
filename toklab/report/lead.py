"""The report's opening: a title in words and a few paragraphs generated from the numbers — what the
finding is (the dearest and cheapest languages and scripts for the main model), what it costs in money
and context, and how sure it is. Format-free: a paragraph is a list of plain strings and `Term`s
(words the glossary defines, linked in HTML), so html.py and markdown.py say the same thing.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from toklab.languages import language_name, script_label
from toklab.premium.pricing import Price
from toklab.report.collect import ReportData, short_name


@dataclasses.dataclass(frozen=True)
class Term:
    """Words the glossary defines (`glossary.GLOSSARY` key): a link to the definition in HTML."""
    text: str
    key: str


Paragraph = list["str | Term"]


def unit(data: ReportData) -> str:
    """What one document is: FLORES-200's are sentences."""
    return "sentences" if data.corpus.spec.scheme == "flores200" else "documents"


def corpus_words(data: ReportData) -> str:
    scheme = data.corpus.spec.scheme
    return "FLORES-200" if scheme == "flores200" else data.corpus.spec.canonical


def title(data: ReportData) -> str:
    return f"What the same text costs in {len(data.corpus.langs)} languages"


def subtitle(data: ReportData) -> str:
    models = f" and API prices of {len(data.prices)} models" if data.prices else ""
    tokenizers = len(data.tokenizers)
    return (f"Token counts under {tokenizers} tokenizer{'s' if tokenizers != 1 else ''}{models}, measured on the "
            f"same {data.corpus.frame.height // max(len(data.corpus.langs), 1):,} {unit(data)} in every language "
            f"({corpus_words(data)}), relative to {language_name(data.pivot)}.")


def main_price(data: ReportData) -> Price | None:
    """The model the lead speaks of: the first chosen model counted exactly, else the first."""
    return next((p for p in data.prices if not p.estimate), data.prices[0] if data.prices else None)


def main_tokenizer(data: ReportData) -> str:
    """The main model's tokenizer when the report shows it, else the first tokenizer shown."""
    shown = data.languages["tokenizer"].unique(maintain_order=True).to_list()
    price = main_price(data)
    if price is not None and price.tokenizer in shown:
        return price.tokenizer
    return shown[0]


def tokenizer_label(data: ReportData, tokenizer: str) -> str:
    """`tiktoken:o200k_base` → 'o200k_base (gpt-5.5, gpt-5-mini)': a tokenizer with the chosen models it counts."""
    from toklab.premium.pricing import short_model

    models = [short_model(p.model) for p in data.prices if p.tokenizer == tokenizer and not p.estimate]
    shown = ", ".join(models[:2]) + (", …" if len(models) > 2 else "")
    return f"{short_name(tokenizer)} ({shown})" if models else short_name(tokenizer)


def others(data: ReportData, tokenizer: str) -> pl.DataFrame:
    return data.languages.filter((pl.col("tokenizer") == tokenizer) & (pl.col("lang") != data.pivot))


def script_medians(rows: pl.DataFrame) -> pl.DataFrame:
    """Per script: its languages' median premium and how many there are, dearest first."""
    return (rows.group_by("script").agg(median=pl.col("premium").median(), languages=pl.len())
            .sort(["median", "script"], descending=[True, False]))


def _times(value: float) -> str:
    return f"{value:.1f}×" if value >= 10 else f"{value:.2f}×"


def _money(value: float) -> str:
    return f"${value:,.2f}" if value < 1000 else f"${value:,.0f}"


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def summary(data: ReportData) -> Paragraph:
    """The finding and how sure it is, in the first screen: the main tokenizer's median premium, how
    many languages pay at least twice, the dearest language, and the interval's width."""
    tokenizer = main_tokenizer(data)
    rows = others(data, tokenizer).sort("premium", descending=True)
    pivot = language_name(data.pivot)
    median = data.summary.filter(pl.col("tokenizer") == tokenizer)["median_premium"][0]
    dearest = rows.row(0, named=True)
    double = rows.filter(pl.col("premium") >= 2).height
    price = main_price(data)
    name = Term(short_name(tokenizer), "tokenizer")
    who: Paragraph = ([f"Under the tokenizer of {price.model} (", name, ")"]
                      if price is not None and price.tokenizer == tokenizer else ["Under the ", name, " tokenizer"])
    out: Paragraph = [
        f"Most languages pay more than {pivot} for the same text. ", *who,
        f", the median of {rows.height + 1} languages needs {_times(median)} as many ", Term("tokens", "token"),
        f" as {pivot} — its ", Term("premium", "premium"), f" — {double} of {rows.height} need at least twice as "
        f"many, and {dearest['lang_name']} needs {_times(dearest['premium'])}: the same request costs "
        f"{dearest['premium']:.1f} times as much there, and the same ", Term("context window", "context"),
        f" holds {100 / dearest['premium']:.0f} % as much of it."]
    width = median_half_width(rows)
    if width is not None:
        out += [" For the median language the figure is firm to ±", f"{100 * width:.1f} % (its ",
                Term("95 % interval", "interval"), f" over the {unit(data)} measured); choices the interval does "
                "not cover, such as the kind of text, can move premiums more (see Limitations)."]
    return out


def key_numbers(data: ReportData) -> list[tuple[str, str]]:
    """(number, what it is) for the lead's side panel."""
    tokenizer = main_tokenizer(data)
    rows = others(data, tokenizer).sort("premium", descending=True)
    median = data.summary.filter(pl.col("tokenizer") == tokenizer)["median_premium"][0]
    dearest = rows.row(0, named=True)
    out = [(_times(median), f"median premium over {rows.height + 1} languages ({short_name(tokenizer)})"),
           (f"{rows.filter(pl.col('premium') >= 2).height} of {rows.height}", "languages pay at least twice as much"),
           (_times(dearest["premium"]), f"the dearest language: {dearest['lang_name']}")]
    price = main_price(data)
    if price is not None:
        costs = data.price_rows.filter(pl.col("model") == price.model)
        pivot_cost = costs.filter(pl.col("lang") == data.pivot)["content_cost"][0]
        top = costs.sort("content_cost").row(-1, named=True)
        out.append((f"{_money(pivot_cost)} → {_money(top['content_cost'])}",
                    f"{price.model}, the same content: {language_name(data.pivot)} → {top['lang_name']}"))
    width = median_half_width(rows)
    if width is not None:
        out.append((f"±{100 * width:.1f} %", "95 % interval of the median language's premium"))
    return out


def finding(data: ReportData) -> Paragraph:
    """The dearest and cheapest languages under the main tokenizer."""
    rows = others(data, main_tokenizer(data)).sort("premium", descending=True)
    dearest = [f"{r['lang_name']} at {_times(r['premium'])}" for r in rows.head(3).iter_rows(named=True)]
    cheapest = rows.row(-1, named=True)
    quadruple = rows.filter(pl.col("premium") >= 4).height
    return [f"The most expensive languages are {_listing(dearest)}; {quadruple} languages need at least four times "
            f"as many tokens. The cheapest is {cheapest['lang_name']} at {_times(cheapest['premium'])}."]


def by_script(data: ReportData) -> Paragraph:
    rows = others(data, main_tokenizer(data))
    scripts = script_medians(rows)
    if scripts.height < 2:
        return []
    top = [f"{script_label(r['script'])} ({_times(r['median'])})" for r in scripts.head(3).iter_rows(named=True)]
    last = scripts.row(-1, named=True)
    return ["By ", Term("script", "script"), f" (writing system), languages written in the {_listing(top)} pay "
            f"most at the median; those in the {script_label(last['script'])} pay least "
            f"({_times(last['median'])})."]


def money(data: ReportData) -> Paragraph:
    price = main_price(data)
    if price is None:
        return []
    rows = data.price_rows.filter(pl.col("model") == price.model).sort("content_cost")
    pivot_row = rows.filter(pl.col("lang") == data.pivot).row(0, named=True)
    dearest = rows.row(-1, named=True)
    pivot = language_name(data.pivot)
    out: Paragraph = [
        f"In money: at {price.model}'s list prices, content that costs {_money(pivot_row['content_cost'])} in "
        f"{pivot} costs {_money(dearest['content_cost'])} in {dearest['lang_name']}: "
        f"{dearest['content_cost'] / pivot_row['content_cost']:.1f} times the ",
        Term("price for the same content", "price"), "."]
    if price.context_window and dearest["effective_context"] is not None:
        out += [f" Its {price.context_window:,}-token ", Term("context window", "context"),
                f" holds as much {dearest['lang_name']} text as {dearest['effective_context']:,.0f} tokens of {pivot}."]
    ratios = _dearest_ratios(data)
    if len(ratios) > 1:
        out.append(f" Across the {len(ratios)} models priced, the most expensive language pays "
                   f"{min(ratios):.1f} to {max(ratios):.1f} times the {pivot} price.")
    return out


def _dearest_ratios(data: ReportData) -> list[float]:
    ratios = []
    for price in data.prices:
        rows = data.price_rows.filter(pl.col("model") == price.model)
        pivot_cost = rows.filter(pl.col("lang") == data.pivot)["content_cost"][0]
        ratios.append(float(rows["content_cost"].max() / pivot_cost))
    return ratios


def median_half_width(rows: pl.DataFrame) -> float | None:
    """Half the 95 % interval's width relative to the premium, for the median language."""
    widths = rows.drop_nulls("premium_lo").select((pl.col("premium_hi") - pl.col("premium_lo")) / 2 / pl.col("premium"))
    return None if widths.height == 0 else float(widths.to_series().median())


def estimates(data: ReportData) -> Paragraph:
    estimated = [p.model for p in data.prices if p.estimate]
    if not estimated:
        return []
    return [f"{len(estimated)} of the {len(data.prices)} models are priced as ", Term("estimates", "estimate"),
            ": their vendors do not publish their tokenizers, so a named stand-in counts for them."]


def advice(data: ReportData) -> Paragraph:
    return ["If you build for or buy for speakers of these languages, compare models on their languages rather "
            f"than on {language_name(data.pivot)}: the table of every language below gives each one's premium and "
            "its price under every model, and can be downloaded."]


def lead(data: ReportData) -> list[Paragraph]:
    """The paragraphs after the summary, each generated from the report's numbers."""
    return [p for p in (finding(data), by_script(data), money(data), estimates(data), advice(data)) if p]


def plain(paragraph: Paragraph) -> str:
    return "".join(part if isinstance(part, str) else part.text for part in paragraph)


def key_figure_caption(data: ReportData) -> str:
    tokenizer = main_tokenizer(data)
    return (f"Each point is one language's premium under {tokenizer_label(data, tokenizer)}: how many tokens it needs "
            f"for what {language_name(data.pivot)} says in one (log scale; 1× = as many as {language_name(data.pivot)}"
            "). Its line is the 95 % interval; the dark mark is the median of the script's languages. Rows are "
            "scripts, dearest at the top; hollow points are languages the tokenizer cannot write (not comparable).")
