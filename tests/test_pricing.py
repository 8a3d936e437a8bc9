"""Pricing arithmetic and the snapshot's honesty rules."""

from __future__ import annotations

import json

import polars as pl
import pytest

from tests.conftest import run_cli
from toklab.errors import CorruptFileError
from toklab.premium.pricing import Price, Scenario, load_prices, price_table


def premiums() -> pl.DataFrame:
    return pl.DataFrame({
        "tokenizer": ["tiktoken:o200k_base"] * 2, "lang": ["eng_Latn", "hin_Deva"], "lang_name": ["English", "Hindi"],
        "script": ["Latn", "Deva"], "premium": [1.0, 2.5], "comparable": [True, True], "pivot_fertility": [1.2, 1.2],
    })


def test_arithmetic():
    price = Price("m", "p", "tiktoken:o200k_base", None, 2.0, 8.0, 100_000, "src", "2025-08")
    table = price_table(premiums(), [price], 1_000_000, Scenario(1000, 100, 50))
    hindi = table.filter(pl.col("lang") == "hin_Deva").row(0, named=True)
    assert hindi["content_cost"] == pytest.approx(5.0)  # 1M × 2.5 × $2 / 1M
    assert hindi["effective_context"] == pytest.approx(40_000)
    assert hindi["monthly_input_tokens"] == pytest.approx(1000 * 100 * 1.2 * 2.5)
    assert hindi["monthly_bill"] == pytest.approx((300_000 * 2.0 + 150_000 * 8.0) / 1e6)
    assert not hindi["estimate"]


def test_closed_models_are_labelled_estimates():
    prices, signature = load_prices()
    assert "2025-08" in signature
    for price in prices.values():
        assert price.estimate == (price.tokenizer is None)
        if price.provider != "OpenAI":
            assert price.estimate and price.proxy


def test_price_file_without_tokenizer_or_proxy(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text(json.dumps({"models": [{"model": "x", "provider": "y", "tokenizer": None, "proxy": None,
                                           "input_per_1m": 1, "output_per_1m": 1, "context_window": 1,
                                           "source": "s", "checked": "c"}]}))
    with pytest.raises(CorruptFileError, match="neither a tokenizer nor a labelled proxy"):
        load_prices(bad)


def test_price_cli(flores_ready, tiktoken_ready):
    result = run_cli("price", "-m", "gpt-4o", "-m", "gpt-3.5-turbo", "-m", "claude-sonnet-4",
                     "--langs", "eng_Latn,hin_Deva,shn_Mymr", width=150)
    assert result.exit_code == 0, result.output
    assert "claude-sonnet-4 *" in result.output and "an estimate" in result.output
    listing = run_cli("price", "--list", "--format", "json")
    assert {r["model"] for r in json.loads(listing.output)["rows"]} >= {"gpt-4o", "claude-sonnet-4"}
