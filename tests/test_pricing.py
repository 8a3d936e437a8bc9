"""Pricing: the genai-prices database, toklab's counting map, the arithmetic, the age warning, and
closed models counted by their vendors (against a fake server on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from tests.conftest import run_cli
from toklab.errors import CorruptFileError, SpecError
from toklab.premium.counting import counting_for
from toklab.premium.price_db import stale
from toklab.premium.pricing import DEFAULT_MODELS, Price, Scenario, load_prices, parse_mix, price_table, select


def premiums() -> pl.DataFrame:
    return pl.DataFrame({
        "tokenizer": ["tiktoken:o200k_base"] * 2, "lang": ["eng_Latn", "hin_Deva"], "lang_name": ["English", "Hindi"],
        "script": ["Latn", "Deva"], "premium": [1.0, 2.5], "comparable": [True, True], "pivot_fertility": [1.2, 1.2],
    })


def price(**changes) -> Price:
    base = dict(model="m", provider="p", tokenizer="tiktoken:o200k_base", exact=True, why="test", input_per_1m=2.0,
                output_per_1m=8.0, cached_input_per_1m=0.5, context_window=100_000, context_note="", source="src",
                dated="2026-11-01")
    return Price(**(base | changes))


def test_arithmetic_input_output_blend_and_scenario():
    table = price_table(premiums(), [price()], 1_000_000, Scenario(1000, 100, 50), parse_mix("3:1"))
    hindi = table.filter(pl.col("lang") == "hin_Deva").row(0, named=True)
    assert hindi["input_cost"] == pytest.approx(5.0)  # 1M × 2.5 × $2 / 1M
    assert hindi["output_cost"] == pytest.approx(20.0)  # 1M × 2.5 × $8 / 1M
    assert hindi["content_cost"] == pytest.approx(0.75 * 5.0 + 0.25 * 20.0)
    assert hindi["effective_context"] == pytest.approx(40_000)
    assert hindi["monthly_input_tokens"] == pytest.approx(1000 * 100 * 1.2 * 2.5)
    assert hindi["monthly_bill"] == pytest.approx((300_000 * 2.0 + 150_000 * 8.0) / 1e6)
    assert not hindi["estimate"]
    with pytest.raises(SpecError, match="INPUT:OUTPUT"):
        parse_mix("3:x")


def test_defaults_are_current_models_of_five_providers_or_more():
    prices, signature = load_prices(today=dt.date(2026, 12, 4))
    chosen = select(prices, list(DEFAULT_MODELS))
    assert len(chosen) >= 15 and len({p.provider for p in chosen}) >= 5
    assert "genai-prices" in signature and "priced_on:2026-12-04" in signature and "counting_sha256:" in signature
    for p in chosen:
        assert p.input_per_1m > 0 and p.output_per_1m and p.dated <= "2026-12-04"
    by_model = {p.model: p for p in chosen}
    assert by_model["deepseek-v4-pro"].tokenizer == "pkg:deepseek-v4" and by_model["deepseek-v4-pro"].exact
    assert by_model["claude-opus-5-5"].estimate and "ANTHROPIC_API_KEY" in by_model["claude-opus-5-5"].why
    assert by_model["gpt-5.5"].exact and by_model["gpt-5.5"].tokenizer == "tiktoken:o200k_base"


def test_counting_map_says_why():
    assert counting_for("gpt-4o").exact and counting_for("gpt-4o").tokenizer == "tiktoken:o200k_base"
    assert counting_for("gpt-oss-120b").tokenizer == "tiktoken:o200k_harmony"
    future = counting_for("gpt-99-nova")
    assert not future.exact and "no entry" in future.why
    assert counting_for("qwen/qwen3.6-plus").tokenizer == "pkg:qwen-3.6"
    assert not counting_for("mistral-large-4").exact
    assert counting_for("some-unknown-model") is None
    # a hosted id by its last path segment: the model's own name
    assert counting_for("@cf/deepseek-ai/deepseek-v4-pro-0813").tokenizer == "pkg:deepseek-v4"
    assert counting_for("openai/gpt-oss-120b").tokenizer == "tiktoken:o200k_harmony"
    assert counting_for("somehost/olmo-3-7b") is None


def test_input_limit_replaces_the_whole_window_where_the_vendor_states_one():
    prices, _ = load_prices(today=dt.date(2026, 12, 4))
    assert prices["gpt-5"].context_window == 272_000 and "input limit" in prices["gpt-5"].context_note


def test_age_warning_after_ninety_days():
    assert not stale("2026-10-01", dt.date(2026, 12, 4))
    assert stale("2026-09-01", dt.date(2026, 12, 4))
    assert stale("2999-01-01", dt.date(2026, 12, 4))  # a date after today is no date to trust


def test_unknown_and_unmapped_models_are_one_line_errors():
    prices, _ = load_prices(today=dt.date(2026, 12, 4))
    with pytest.raises(SpecError, match="gpt-5.5"):
        select(prices, ["gpt-5.55"])
    with pytest.raises(SpecError, match="--count-with muse-spark-1.3=SPEC"):
        select(prices, ["muse-spark-1.3"])
    mapped, _ = load_prices(today=dt.date(2026, 12, 4), count_with={"muse-spark-1.3": "pkg:llama-4"})
    assert select(mapped, ["muse-spark-1.3"])[0].estimate


def test_price_file_rules(tmp_path):
    bad = tmp_path / "p.json"
    entry = {"model": "x", "provider": "y", "tokenizer": None, "proxy": None, "input_per_1m": 1, "output_per_1m": 1,
             "context_window": 1, "source": "s", "checked": "2026-01-01"}
    bad.write_text(json.dumps({"models": [entry]}))
    with pytest.raises(CorruptFileError, match="neither a tokenizer nor a labelled proxy"):
        load_prices(bad)
    bad.write_text(json.dumps({"models": [entry | {"tokenizer": "bytes:utf8", "input_per_1m": None}]}))
    with pytest.raises(CorruptFileError, match="no input_per_1m"):
        load_prices(bad)


def test_price_cli(flores_ready, tiktoken_ready):
    result = run_cli("price", "-m", "gpt-5.5", "-m", "claude-sonnet-5-5", "--langs", "eng_Latn,hin_Deva,shn_Mymr",
                     width=150)
    assert result.exit_code == 0, result.output
    assert "claude-sonnet-5-5 *" in result.output and "an estimate" in result.output
    listing = run_cli("price", "--list", "--format", "json")
    rows = {r["model"]: r for r in json.loads(listing.output)["rows"]}
    assert {"gpt-5.5", "claude-sonnet-5-5", "deepseek-v4-pro"} <= set(rows) and len(rows) > 1000
    assert rows["deepseek-v4-pro"]["tokenizer"] == "pkg:deepseek-v4"


def test_stale_prices_warn_in_the_terminal(flores_ready, tiktoken_ready, tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"models": [{"model": "old-model", "provider": "y", "tokenizer": "tiktoken:o200k_base",
                                           "input_per_1m": 1, "output_per_1m": 2, "context_window": 1000,
                                           "source": "s", "checked": "2020-01-01"}]}))
    result = run_cli("price", "--prices", str(old), "-m", "old-model", "--langs", "eng_Latn,fra_Latn", width=150)
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "2020-01-01" in result.output


def test_closed_model_counted_by_its_vendor_on_the_fake_server(flores_ready, tiktoken_ready, tmp_path, monkeypatch):
    """--vendor-counts asks Anthropic's SDK (here: a fake endpoint on 127.0.0.1); the model is then
    exact, its premiums come from the counts, and the counts can be shared and read back without a key."""
    pytest.importorskip("anthropic")
    from tests.fake_vendor_server import FakeVendorServer

    for name in ("ANTHROPIC_AUTH_TOKEN", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    shared = tmp_path / "counts.csv"
    with FakeVendorServer() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", fake.key)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        result = run_cli("price", "-m", "claude-sonnet-5-5", "--vendor-counts", "--sample", "4", "--langs",
                         "eng_Latn,hin_Deva", "--save-counts", str(shared), "--format", "json", width=150)
        assert result.exit_code == 0, result.output
        assert len(fake.counted()) == 4 * 2 + 1  # the sample in two languages, and the framing probe
    payload = json.loads(result.output)
    assert "counted:anthropic/claude-sonnet-5-5" in payload["signature"]
    rows = {r["lang"]: r for r in payload["rows"]}
    assert not rows["hin_Deva"]["estimate"] and rows["hin_Deva"]["tokenizer"] == "counted:claude-sonnet-5-5"
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    again = run_cli("price", "-m", "claude-sonnet-5-5", "--counts", str(shared), "--langs", "eng_Latn,hin_Deva",
                    "--format", "json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["rows"][0]["premium"] == payload["rows"][0]["premium"]


def _serve_once(payload: bytes):
    """A one-file HTTP server on 127.0.0.1 (stopped by the caller)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — the name http.server calls
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_refresh_keeps_the_fetched_prices_and_later_runs_use_them(monkeypatch):
    raw = [{"id": "openai", "name": "OpenAI", "api_pattern": "https://api\\.openai\\.com",
            "pricing_urls": ["https://example.test/pricing"], "model_match": {"starts_with": "gpt-"},
            "models": [{"id": "gpt-5.5", "match": {"equals": "gpt-5.5"}, "context_window": 1_000_000,
                        "prices": {"input_mtok": 7.5, "output_mtok": 30}}]}]
    server = _serve_once(json.dumps(raw).encode())
    try:
        monkeypatch.setenv("TOKLAB_PRICES_URL", f"http://127.0.0.1:{server.server_address[1]}/data.json")
        prices, signature = load_prices(today=dt.date(2026, 12, 4), refresh=True)
    finally:
        server.shutdown()
    assert prices["gpt-5.5"].input_per_1m == 7.5 and "refresh_of_2026-12-04" in signature
    again, signature = load_prices(today=dt.date(2026, 12, 5))  # no network: the kept refresh
    assert again["gpt-5.5"].input_per_1m == 7.5 and "refresh_of_2026-12-04" in signature


def test_refresh_offline_is_one_line_and_keeps_the_bundled_prices(monkeypatch):
    import socket

    from toklab.errors import MissingFileError

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TOKLAB_PRICES_URL", f"http://127.0.0.1:{port}/data.json")
    with pytest.raises(MissingFileError, match="could not refresh prices from http://127.0.0.1"):
        load_prices(today=dt.date(2026, 12, 4), refresh=True)
    _, signature = load_prices(today=dt.date(2026, 12, 4))
    assert "bundled" in signature
