"""What the tokenization premium means on an API bill, per language.

Prices come from the genai-prices database (`toklab.premium.price_db`), or a user file. Models
with no public tokenizer are counted through a labelled stand-in, and every output marks them as
estimates (or, with a vendor key or a counts file, through the vendor's own count).

Arithmetic (English-equivalent content, premium p_L of language L under the model's tokenizer):
- cost of content worth N English tokens, as input or as output: N · p_L · price / 1e6; blended at
  an input:output mix (s_in + s_out = 1): N · p_L · (s_in · price_in + s_out · price_out) / 1e6
- scenario bill: requests · (in_words · f_en · p_L · price_in + out_words · f_en · p_L · price_out) / 1e6,
  where f_en is the tokenizer's English tokens per word (the pivot's fertility)
- effective context window: window / p_L (how much English-equivalent content fits)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
from pathlib import Path

import polars as pl

from toklab.errors import CorruptFileError, SpecError
from toklab.premium.user_files import check_text, load_json, require_regular_file
from toklab.signature import Signature, build, section
from toklab.suggest import nearest

DEFAULT_MODELS = (
    "gpt-6.1-sol", "gpt-6.1-terra", "gpt-5.5", "gpt-5-mini",
    "claude-opus-5-5", "claude-sonnet-5-5", "claude-haiku-5-5",
    "gemini-4-argon", "gemini-3.8-flash", "gemini-3.5-flash-lite",
    "deepseek-v4-pro", "deepseek-v4-flash",
    "mistral-large-4", "mistral-medium-3-5",
    "groq:meta-llama/llama-4-maverick-17b-128e-instruct", "novita:qwen/qwen3.6-35b-a3b",
)
#: The fields of a `--prices FILE` entry (the lab's own format for one's own figures).
FILE_FIELDS = ("model", "provider", "tokenizer", "proxy", "input_per_1m", "output_per_1m", "context_window", "source",
               "checked")


@dataclasses.dataclass(frozen=True)
class Price:
    model: str
    provider: str
    tokenizer: str | None     # the spec that counts this model's tokens (None: unknown, not priced)
    exact: bool               # False: a labelled stand-in, every number an estimate
    why: str                  # where the mapping comes from, or why it is only an estimate
    input_per_1m: float
    output_per_1m: float | None
    cached_input_per_1m: float | None
    context_window: int | None
    context_note: str
    source: str
    dated: str                # YYYY-MM-DD: the newest date the price's entry records
    counted_by: str | None = None  # the vendor whose endpoint counts exactly with the user's key
    tiers: str | None = None       # long-prompt price tiers, said in words

    @property
    def estimate(self) -> bool:
        return not self.exact

    @property
    def counting_spec(self) -> str:
        return self.tokenizer


@dataclasses.dataclass(frozen=True)
class Scenario:
    requests: int
    input_words: float
    output_words: float

    @classmethod
    def parse(cls, text: str) -> "Scenario":
        values = _ascii_numbers(text, ",")
        if len(values) != 3 or not all(0 <= v <= MAX_SCENARIO for v in values) or values[0] != int(values[0]):
            raise SpecError(f"scenario {text!r}: write REQUESTS,INPUT_WORDS,OUTPUT_WORDS as numbers from 0 to "
                            f"{MAX_SCENARIO:g} in ASCII (requests whole), e.g. 100000,500,200")
        requests, words_in, words_out = values
        return cls(int(requests), words_in, words_out)


def parse_mix(text: str) -> tuple[float, float]:
    """`3:1` → the share of input and of output tokens in the blended price."""
    values = _ascii_numbers(text, ":")
    if len(values) != 2 or not all(0 <= v <= MAX_SCENARIO for v in values) or sum(values) == 0:
        raise SpecError(f"--mix {text!r}: write INPUT:OUTPUT token shares, e.g. 3:1 (three input tokens per output token)")
    return values[0] / sum(values), values[1] / sum(values)


MAX_SCENARIO = 1e12  # requests, words or shares: far beyond any bill, far below a float's overflow to inf
MAX_PRICE = 1e6  # dollars per 1M tokens
MAX_CONTEXT = 2**40  # tokens


def _ascii_numbers(text: str, separator: str) -> list[float]:
    """Finite numbers written in ASCII ('１' or 'nan' are not), or [] when any part is not one."""
    from toklab.numeric import FLOAT_TEXT

    parts = [part.strip() for part in text.split(separator)]
    if not all(FLOAT_TEXT.fullmatch(part) for part in parts):
        return []
    values = [float(part) for part in parts]
    return values if all(math.isfinite(v) for v in values) else []


def load_prices(path: Path | None = None, today: dt.date | None = None, refresh: bool = False,
                count_with: dict[str, str] | None = None) -> tuple[dict[str, Price], str]:
    """The price of every model toklab can count, and the signature of where the prices come from:
    the genai-prices database (a refresh kept in the cache when there is one), or `path`."""
    from toklab.premium import price_db
    from toklab.premium.counting import mapping_signature

    today = today or dt.date.today()
    if path is not None:
        prices, origin = _load_file(path, count_with or {})
        return prices, Signature.of(origin, mapping_signature(), ("priced_on", today))
    snapshot = price_db.refresh(today) if refresh else price_db.newest_snapshot(today)
    return price_db.entries(snapshot, today, count_with), Signature.of(price_db.signature(snapshot, today),
                                                                       mapping_signature())


def _load_file(path: Path, count_with: dict[str, str]) -> tuple[dict[str, Price], str]:
    require_regular_file(path, "price file")
    origin = str(path)
    text = _utf8(path.read_bytes(), origin)
    data = load_json(text, origin)
    try:
        if not isinstance(data, dict) or not isinstance(data.get("models"), list):
            raise KeyError("models")
        prices = {}
        for index, entry in enumerate(data["models"]):
            if not isinstance(entry, dict):
                raise CorruptFileError(f"{origin}: models[{index}] is {entry!r:.40}, not an object with "
                                       f"{', '.join(FILE_FIELDS)}")
            price = _file_price(entry, origin, count_with)
            if price.model in prices:
                raise CorruptFileError(f"{origin}: model {price.model!r} is listed twice (entries "
                                       f"{[e.get('model') for e in data['models']].index(price.model)} and {index}); "
                                       "keep one price per model")
            prices[price.model] = price
    except (KeyError, TypeError) as exc:
        raise CorruptFileError(f"{origin}: expected {{'models': [{{{', '.join(FILE_FIELDS)}}}]}}; missing {exc}") from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    snapshot = data.get("snapshot", "undated")
    if isinstance(snapshot, str):
        check_text(snapshot, origin, "snapshot")
    return prices, Signature.of(("prices", f"{origin}@{snapshot}"), ("prices_sha256", digest))


def _utf8(raw: bytes, origin: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptFileError(f"{origin}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                               "save the price file as UTF-8 JSON") from None


def _file_price(entry: dict, origin: str, count_with: dict[str, str]) -> Price:
    model = entry["model"]
    if not isinstance(model, str) or not model:
        raise CorruptFileError(f"{origin}: a model name is {model!r}; write each model's name as a string")
    texts = {field: entry.get(field) for field in ("provider", "tokenizer", "proxy", "source", "checked")}
    wrong = [field for field, value in texts.items() if value is not None and not isinstance(value, str)]
    if wrong:
        raise CorruptFileError(f"{origin}: model {model!r}: {wrong[0]} is {texts[wrong[0]]!r}; write it as a string")
    check_text(model, origin, "a model name")
    for field, value in texts.items():
        if value is not None:
            check_text(value, f"{origin}: model {model!r}", field)
    for field, what in (("input_per_1m", "input"), ("output_per_1m", "output")):
        if entry.get(field) is None:
            raise CorruptFileError(f"{origin}: model {model!r} has no {field}; write its {what} price per 1M tokens")
    for field in ("input_per_1m", "output_per_1m", "cached_input_per_1m", "context_window"):
        value = entry.get(field)
        if value is None and field != "input_per_1m":
            continue
        high = MAX_CONTEXT if field == "context_window" else MAX_PRICE
        kinds = int if field == "context_window" else (int, float)
        number = isinstance(value, kinds) and not isinstance(value, bool)
        if not (number and math.isfinite(value) and 0 <= value <= high):
            raise CorruptFileError(f"{origin}: model {model!r}: {field} is {value!r}; write a "
                                   f"{'whole ' if field == 'context_window' else ''}number from 0 to {high:,}")
    tokenizer, proxy = entry.get("tokenizer"), entry.get("proxy") or count_with.get(model)
    if not tokenizer and not proxy:
        raise CorruptFileError(f"{origin}: model {model!r} has neither a tokenizer nor a labelled proxy; add one, "
                               f"or name one with --count-with {model}=SPEC")
    return Price(model=model, provider=entry.get("provider") or "", tokenizer=tokenizer or proxy, exact=bool(tokenizer),
                 why=f"{origin} names {tokenizer}" if tokenizer else f"no public tokenizer; {proxy} stands in",
                 input_per_1m=float(entry["input_per_1m"]), output_per_1m=entry.get("output_per_1m"),
                 cached_input_per_1m=entry.get("cached_input_per_1m"), context_window=entry.get("context_window"),
                 context_note=f"context window ({origin})", source=entry.get("source") or origin,
                 dated=str(entry.get("checked") or "undated"))


def select(prices: dict[str, Price], models: list[str]) -> list[Price]:
    for model in models:
        if model not in prices:
            raise SpecError(f"no price for {model!r} in the price data ({len(prices):,} models; `toklab price --list` "
                            "shows them)" + nearest(model, prices))
        if prices[model].tokenizer is None:
            raise SpecError(f"toklab does not know which tokenizer {model!r} counts with; price it by naming one, "
                            f"marked as an estimate: --count-with {model}=SPEC (e.g. tiktoken:o200k_base)")
    return [prices[m] for m in models]


def short_model(model: str) -> str:
    """`groq:meta-llama/llama-4-maverick-17b-128e-instruct` → `llama-4-maverick-17b-128e-instruct`."""
    return model.rsplit("/", 1)[-1].split(":", 1)[-1]


def parse_count_with(pairs) -> dict[str, str]:
    """`MODEL=SPEC` options → {model: spec}."""
    out = {}
    for pair in pairs or ():
        model, sep, spec = pair.partition("=")
        if not sep or not model or not spec:
            raise SpecError(f"--count-with {pair!r}: write MODEL=SPEC, e.g. --count-with muse-spark-1.3=llama-4")
        out[model] = spec
    return out


def price_table(premiums: pl.DataFrame, prices: list[Price], content_tokens: float,
                scenario: Scenario | None, mix: tuple[float, float] = (0.75, 0.25)) -> pl.DataFrame:
    """One row per (model, language). `premiums` holds tokenizer, lang, lang_name, script,
    premium and fertility from the audit, with the pivot's fertility as `pivot_fertility`."""
    rows = []
    for price in prices:
        part = premiums.filter(pl.col("tokenizer") == price.counting_spec)
        for r in part.iter_rows(named=True):
            rows.append(_price_row(price, r, content_tokens, scenario, mix))
    return pl.DataFrame(rows)


def _price_row(price: Price, r: dict, content_tokens: float, scenario: Scenario | None,
               mix: tuple[float, float]) -> dict:
    tokens = content_tokens * r["premium"]
    output = price.output_per_1m
    row = {
        "model": price.model, "provider": price.provider, "tokenizer": price.counting_spec,
        "estimate": price.estimate, "lang": r["lang"], "lang_name": r["lang_name"], "script": r["script"],
        "premium": r["premium"], "premium_lo": r.get("premium_lo"), "premium_hi": r.get("premium_hi"),
        "comparable": r["comparable"], "input_per_1m": price.input_per_1m, "output_per_1m": output,
        "cached_input_per_1m": price.cached_input_per_1m,
        "input_cost": tokens * price.input_per_1m / 1e6,
        "output_cost": tokens * output / 1e6 if output is not None else None,
        # blended at the input:output mix; a model with no output price (in the database) is priced on input
        # alone, here and in the monthly bill
        "content_cost": tokens * (mix[0] * price.input_per_1m + mix[1] * (output if output is not None
                                                                          else price.input_per_1m)) / 1e6,
        "effective_context": price.context_window / r["premium"] if price.context_window else None,
        "price_dated": price.dated,
    }
    if scenario:
        per_word = r["pivot_fertility"] * r["premium"]
        row["monthly_input_tokens"] = scenario.requests * scenario.input_words * per_word
        row["monthly_output_tokens"] = scenario.requests * scenario.output_words * per_word
        row["monthly_bill"] = (row["monthly_input_tokens"] * price.input_per_1m
                               + row["monthly_output_tokens"] * (output if output is not None
                                                                 else price.input_per_1m)) / 1e6
    return row


@dataclasses.dataclass(frozen=True)
class PriceResult:
    table: pl.DataFrame  # one row per (model, language)
    signature: Signature
    prices: list[Price]  # as priced: a closed model counted by its vendor is exact here


PREMIUM_COLUMNS = ("tokenizer", "lang", "lang_name", "script", "premium", "premium_lo", "premium_hi", "comparable",
                   "pivot_fertility")


def price_audit(audit, adapters_by_spec: dict[str, str], prices: list[Price], prices_signature: Signature, pivot: str,
                content_tokens: float, scenario: Scenario | None, mix: tuple[float, float] = (0.75, 0.25),
                counted=()) -> PriceResult:
    """Price every selected model per language from an audit of the tokenizers that count for
    them (`adapters_by_spec`: adapter name → the spec the price snapshot names), or from the counts
    its vendor gave (`counted`: `closed_counts.CountedPremiums`), which replace the stand-in."""
    premiums = audit.rows.with_columns(tokenizer=pl.col("tokenizer").replace(adapters_by_spec))
    pivot_fertility = premiums.filter(pl.col("lang") == pivot).select(  # the pivot's unit, whichever applies
        "tokenizer", pl.coalesce("fertility_words", "fertility_chars").alias("pivot_fertility"))
    frame = premiums.join(pivot_fertility, on="tokenizer").select(PREMIUM_COLUMNS)
    by_model = {c.spec.removeprefix("counted:"): c for c in counted}
    if by_model:
        frame = pl.concat([frame, *(c.rows.select(PREMIUM_COLUMNS) for c in by_model.values())], how="vertical_relaxed")
        prices = [dataclasses.replace(p, tokenizer=by_model[p.model].spec, exact=True, why=by_model[p.model].how)
                  if p.model in by_model else p for p in prices]
    table = price_table(frame, prices, content_tokens, scenario, mix)
    scenario_part = ("scenario", f"{scenario.requests}x{scenario.input_words:g}in+{scenario.output_words:g}out_words"
                     ) if scenario else None
    signature = build(section("audit", audit.signature), *(section("counted", c.signature) for c in by_model.values()),
                      section("prices", prices_signature), ("models", ",".join(p.model for p in prices)),
                      ("content_tokens", f"{content_tokens:g}"), ("mix", f"{mix[0]:g}in/{mix[1]:g}out"), scenario_part)
    return PriceResult(table, signature, prices)
