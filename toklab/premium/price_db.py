"""Prices from a maintained database: `genai-prices` (MIT; input, output and cached-input prices per
million tokens and context windows for about 2,300 models of 47 providers).

The package ships a snapshot; `refresh()` (opt-in, online) fetches the newest one from its source
and keeps it, verified, in the cache, where later runs find it. The price in force on the pricing
day is used (the database records scheduled and past price changes). A price is dated by the
newest date its entry records up to that day (a price change or a check noted by the maintainers),
or else by the snapshot's newest such date; prices older than `MAX_AGE_DAYS` are flagged.

toklab adds only its own knowledge: which tokenizer each model counts with (`toklab.premium.counting`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from decimal import Decimal

from toklab.premium.counting import Counting, counting_for, input_limit
from toklab.signature import Signature

MAX_AGE_DAYS = 90
_DATE = re.compile(r"(20\d\d)-(\d\d)-(\d\d)|datetime\.date\((\d{4}), (\d{1,2}), (\d{1,2})\)")


@dataclasses.dataclass(frozen=True)
class Snapshot:
    providers: list       # genai_prices.types.Provider
    origin: str           # "genai-prices 0.2.3 (bundled)" or "genai-prices refresh of 2026-12-04"
    dated: dt.date        # newest date its entries record up to the pricing day
    model_dates: dict     # (provider id, model id) → the newest date that entry records, where it has one

    @classmethod
    def of(cls, providers: list, origin: str, today: dt.date, fetched: dt.date | None = None) -> "Snapshot":
        """Dates read once per entry. A refresh is dated by the day it was fetched (current then); the
        bundled data by the newest date its entries record."""
        dates = {(p.id, m.id): max(found) for p in providers for m in p.models if (found := _dates(repr(m), today))}
        return cls(providers, origin, fetched or max(dates.values(), default=dt.date(1970, 1, 1)), dates)


def bundled_snapshot(today: dt.date) -> Snapshot:
    import genai_prices
    from genai_prices.data import providers

    return Snapshot.of(providers, f"genai-prices {genai_prices.__version__} (bundled)", today)


def _dates(text: str, today: dt.date) -> list[dt.date]:
    found = []
    for match in _DATE.finditer(text):
        parts = [int(p) for p in (match.groups()[:3] if match.group(1) else match.groups()[3:])]
        try:
            day = dt.date(*parts)
        except ValueError:
            continue
        if day <= today:
            found.append(day)
    return found


def _number(value) -> float | None:
    if value is None:
        return None
    base = getattr(value, "base", value)  # TieredPrices: the rate below the first tier
    return float(base) if isinstance(base, Decimal | int | float) else None


def _tiers(prices) -> str | None:
    tiers = getattr(getattr(prices, "input_mtok", None), "tiers", None)
    if not tiers:
        return None
    return "; ".join(f"input above {t.start:,} tokens: ${float(t.price):g} per 1M" for t in tiers)


def model_key(provider, model) -> str:
    """A first-party model by its bare id (`claude-opus-5-5`), a hosted one as `provider:id`."""
    own = provider.model_match is not None and provider.model_match.is_match(model.id.lower())
    return model.id if own else f"{provider.id}:{model.id}"


def entries(snapshot: Snapshot, today: dt.date, count_with: dict[str, str] | None = None) -> dict:
    """Every priced model of the snapshot as a `pricing.Price`, keyed by `model_key`; a model whose
    tokenizer toklab does not know has none (`pricing.select` refuses it unless `count_with` names one)."""
    from toklab.premium.pricing import Price

    count_with = count_with or {}
    out: dict[str, Price] = {}
    when = dt.datetime.combine(today, dt.time(12), tzinfo=dt.timezone.utc)
    for provider in snapshot.providers:
        for model in provider.models:
            key = model_key(provider, model)
            if key in out:
                continue  # the first listing of an id wins
            prices = model.get_prices(when)
            price_in = _number(getattr(prices, "input_mtok", None))
            if price_in is None:
                continue
            counting = _counting(key, model.id, count_with) or _unmapped()
            out[key] = Price(
                model=key, provider=provider.name, tokenizer=counting.tokenizer, exact=counting.exact,
                why=counting.why, counted_by=counting.counted_by, input_per_1m=price_in,
                output_per_1m=_number(getattr(prices, "output_mtok", None)),
                cached_input_per_1m=_number(getattr(prices, "cache_read_mtok", None)),
                context_window=_window(model), context_note=_window_note(model),
                tiers=_tiers(prices), source=(provider.pricing_urls or [""])[0],
                dated=snapshot.model_dates.get((provider.id, model.id), snapshot.dated).isoformat(),
            )
    return out


def _unmapped() -> Counting:
    return Counting(None, False, "toklab does not know which tokenizer this model counts with", None)  # type: ignore[arg-type]


def _counting(key: str, model_id: str, count_with: dict[str, str]) -> Counting | None:
    if key in count_with or model_id in count_with:
        spec = count_with.get(key) or count_with[model_id]
        return Counting(spec, False, f"counted with {spec} as the user asked (--count-with)", None)
    return counting_for(model_id)


def _window(model) -> int | None:
    limit = input_limit(model.id)
    return limit[0] if limit else model.context_window


def _window_note(model) -> str:
    limit = input_limit(model.id)
    if limit:
        return f"input limit {limit[0]:,} ({limit[1]})"
    if model.context_window is None:
        return "the price database states no context window"
    return "context window (genai-prices: the most input tokens the model takes)"


def signature(snapshot: Snapshot, today: dt.date) -> Signature:
    return Signature.of(("prices", snapshot.origin.replace(" ", "_")), ("price_data_dated", snapshot.dated),
                        ("priced_on", today))


def age_warning(dated: str, today: dt.date) -> str | None:
    """Why a price needs checking (dated more than MAX_AGE_DAYS before `today`, after `today`, or
    undated), or None."""
    try:
        days = (today - dt.date.fromisoformat(dated)).days
    except ValueError:  # "undated", or a date a price file wrote otherwise
        return f"undated ({dated!r})"
    if days < 0:  # a typo or a wrong clock: the price's age is unknown
        return f"dated {dated}, after today ({today})"
    return f"dated {dated}, {days} days ago (more than {MAX_AGE_DAYS})" if days > MAX_AGE_DAYS else None


def stale(dated: str, today: dt.date) -> bool:
    return age_warning(dated, today) is not None


def refreshed_snapshot(today: dt.date) -> Snapshot | None:
    """The newest refresh kept in the cache, verified; None when there is none."""
    from toklab.cache import cache_dir_or_none, load

    folder = cache_dir_or_none("prices")
    if folder is None:
        return None
    for path in sorted(folder.glob("genai-prices-*.json"), reverse=True):
        try:
            day = dt.date.fromisoformat(path.stem.removeprefix("genai-prices-"))
        except ValueError:  # not a name the lab writes
            continue
        payload = load(_refresh_key(day))
        if payload is not None:
            return Snapshot.of(_providers(payload), f"genai-prices refresh of {day}", today, fetched=min(day, today))
    return None


def _refresh_key(day: dt.date):
    """The cache key of the refresh fetched on `day` (its file is named by the day, so the newest can
    be found; the seal binds the day, so a file renamed to another day is refused)."""
    from toklab.cache import cache_key

    return cache_key("prices", f"genai-prices-refresh:{day}", code=[], name=f"genai-prices-{day}.json")


def _providers(payload: bytes):
    from genai_prices.types import _providers_from_raw  # the package's own reader of its JSON

    return _providers_from_raw(json.loads(payload))


def newest_snapshot(today: dt.date) -> Snapshot:
    """The bundled snapshot, or a refresh kept in the cache when that is newer."""
    bundled = bundled_snapshot(today)
    refreshed = refreshed_snapshot(today)
    return refreshed if refreshed is not None and refreshed.dated >= bundled.dated else bundled


def refresh(today: dt.date, url: str | None = None) -> Snapshot:
    """Fetch the price source (online; `TOKLAB_PRICES_URL` names a mirror) and keep it in the cache;
    one-line error offline."""
    import os

    import httpx2
    from genai_prices.update_prices import DEFAULT_UPDATE_URL

    from toklab.cache import store
    from toklab.errors import MissingFileError

    url = url or os.environ.get("TOKLAB_PRICES_URL") or DEFAULT_UPDATE_URL
    try:
        response = httpx2.get(url, timeout=30)
        response.raise_for_status()
        providers = _providers(response.content)
    except Exception as exc:  # network, HTTP status, or a payload the package cannot read
        raise MissingFileError(f"could not refresh prices from {url} ({type(exc).__name__}); the bundled "
                               "genai-prices snapshot stays in use — go online, or pass --prices FILE") from None
    store(_refresh_key(today), response.content)
    return Snapshot.of(providers, f"genai-prices refresh of {today}", today, fetched=today)
