"""What the tokenization premium means on an API bill, per language.

Prices come from a dated snapshot shipped with the package (or a user file in the same format).
Models with no public tokenizer are priced only through an explicitly named proxy encoding and
every output marks them as estimates.

Arithmetic (English-equivalent content, premium p_L of language L under the model's tokenizer):
- cost of content worth N English tokens: N · p_L · price_in / 1e6
- scenario bill: requests · (in_words · f_en · p_L · price_in + out_words · f_en · p_L · price_out) / 1e6,
  where f_en is the tokenizer's English tokens per word (the pivot's fertility)
- effective context window: window / p_L (how much English-equivalent content fits)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from importlib import resources
from pathlib import Path

import polars as pl

from toklab.errors import CorruptFileError, MissingFileError, SpecError
from toklab.suggest import nearest

FIELDS = ("model", "provider", "tokenizer", "proxy", "input_per_1m", "output_per_1m", "context_window", "source", "checked")
DEFAULT_MODELS = ("gpt-5", "gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo", "claude-sonnet-4")


@dataclasses.dataclass(frozen=True)
class Price:
    model: str
    provider: str
    tokenizer: str | None
    proxy: str | None
    input_per_1m: float
    output_per_1m: float
    context_window: int
    source: str
    checked: str

    @property
    def estimate(self) -> bool:
        return self.tokenizer is None

    @property
    def counting_spec(self) -> str:
        return self.tokenizer or self.proxy  # type: ignore[return-value]


@dataclasses.dataclass(frozen=True)
class Scenario:
    requests: int
    input_words: float
    output_words: float

    @classmethod
    def parse(cls, text: str) -> "Scenario":
        try:
            values = [float(x) for x in text.split(",")]
        except ValueError:
            values = []
        if len(values) != 3 or not all(math.isfinite(v) and v >= 0 for v in values):
            raise SpecError(f"scenario {text!r}: write REQUESTS,INPUT_WORDS,OUTPUT_WORDS as numbers ≥ 0, "
                            "e.g. 100000,500,200")
        requests, words_in, words_out = values
        return cls(int(requests), words_in, words_out)


def load_prices(path: Path | None = None) -> tuple[dict[str, Price], str]:
    if path is None:
        text = resources.files("toklab.data").joinpath("prices.json").read_text(encoding="utf-8")
        origin = "toklab/data/prices.json"
    else:
        if not path.is_file():
            raise MissingFileError(f"price file {path} does not exist")
        text, origin = path.read_text(encoding="utf-8"), str(path)
    try:
        data = json.loads(text)
        prices = {entry["model"]: _price(entry, origin) for entry in data["models"]}
    except json.JSONDecodeError as exc:
        raise CorruptFileError(f"{origin}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except (KeyError, TypeError) as exc:
        raise CorruptFileError(f"{origin}: expected {{'models': [{{{', '.join(FIELDS)}}}]}}; missing {exc}") from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return prices, f"prices:{origin}@{data.get('snapshot', 'undated')}|prices_sha256:{digest}"


def _price(entry: dict, origin: str) -> Price:
    price = Price(**{field: entry.get(field) for field in FIELDS})
    for field in ("input_per_1m", "output_per_1m", "context_window"):
        value = getattr(price, field)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise CorruptFileError(f"{origin}: model {price.model!r}: {field} is {value!r}; write a number ≥ 0")
    if not price.tokenizer and not price.proxy:
        raise CorruptFileError(f"{origin}: model {price.model!r} has neither a tokenizer nor a labelled proxy")
    return price


def select(prices: dict[str, Price], models: list[str]) -> list[Price]:
    for model in models:
        if model not in prices:
            raise SpecError(f"no price for {model!r} in the snapshot; known: {', '.join(prices)}" + nearest(model, prices))
    return [prices[m] for m in models]


def price_table(premiums: pl.DataFrame, prices: list[Price], content_tokens: float,
                scenario: Scenario | None) -> pl.DataFrame:
    """One row per (model, language). `premiums` holds tokenizer, lang, lang_name, script,
    premium and fertility from the audit, with the pivot's fertility as `pivot_fertility`."""
    rows = []
    for price in prices:
        part = premiums.filter(pl.col("tokenizer") == price.counting_spec)
        for r in part.iter_rows(named=True):
            row = {
                "model": price.model, "provider": price.provider, "tokenizer": price.counting_spec,
                "estimate": price.estimate, "lang": r["lang"], "lang_name": r["lang_name"], "script": r["script"],
                "premium": r["premium"], "comparable": r["comparable"],
                "input_per_1m": price.input_per_1m, "output_per_1m": price.output_per_1m,
                "content_cost": content_tokens * r["premium"] * price.input_per_1m / 1e6,
                "effective_context": price.context_window / r["premium"],
                "price_checked": price.checked,
            }
            if scenario:
                per_word = r["pivot_fertility"] * r["premium"]
                row["monthly_input_tokens"] = scenario.requests * scenario.input_words * per_word
                row["monthly_output_tokens"] = scenario.requests * scenario.output_words * per_word
                row["monthly_bill"] = (row["monthly_input_tokens"] * price.input_per_1m
                                       + row["monthly_output_tokens"] * price.output_per_1m) / 1e6
            rows.append(row)
    return pl.DataFrame(rows)


@dataclasses.dataclass(frozen=True)
class PriceResult:
    table: pl.DataFrame  # one row per (model, language)
    signature: str


def price_audit(audit, adapters_by_spec: dict[str, str], prices: list[Price], prices_signature: str, pivot: str,
                content_tokens: float, scenario: Scenario | None) -> PriceResult:
    """Price every selected model per language from an audit of the tokenizers that count for
    them (`adapters_by_spec`: adapter name → the spec the price snapshot names)."""
    premiums = audit.rows.with_columns(tokenizer=pl.col("tokenizer").replace(adapters_by_spec))
    pivot_fertility = premiums.filter(pl.col("lang") == pivot).select(  # the pivot's unit, whichever applies
        "tokenizer", pl.coalesce("fertility_words", "fertility_chars").alias("pivot_fertility"))
    table = price_table(premiums.join(pivot_fertility, on="tokenizer"), prices, content_tokens, scenario)
    scenario_part = (f"scenario:{scenario.requests}x{scenario.input_words:g}in+{scenario.output_words:g}out_words"
                     if scenario else "")
    signature = "|".join(p for p in (audit.signature, prices_signature,
                                     f"models:{','.join(p.model for p in prices)}",
                                     f"content_tokens:{content_tokens:g}", scenario_part) if p)
    return PriceResult(table, signature)
