"""Price and counts files that would have priced silently wrong, or crashed: each is one line."""

from __future__ import annotations

import json
import os

import polars as pl
import pytest

from tests.conftest import run_cli
from tests.test_errors_cli import assert_one_line_error

CLOSED = {"model": "closed-x", "provider": "p", "proxy": "bytes:utf8", "input_per_1m": 3.0, "output_per_1m": 15.0,
          "context_window": 1000}
LANGS = ("eng_Latn", "fra_Latn", "jpn_Jpan")


def prices(tmp_path, entries=(CLOSED,), raw: bytes | None = None) -> str:
    path = tmp_path / "prices.json"
    path.write_bytes(raw if raw is not None else json.dumps({"models": list(entries)}).encode())
    return str(path)


def counts(tmp_path, rows, name="counts.csv", prefix="") -> str:
    path = tmp_path / name
    lines = "".join(f"{d},{lang},closed-x,{t}\n" for d, lang, t in rows)
    path.write_text(prefix + "doc_id,lang,model,tokens\n" + lines, encoding="utf-8")
    return str(path)


def price_counts(tmp_path, corpus, counts_path, *more):
    return run_cli("price", "--prices", prices(tmp_path), "-m", "closed-x", "--corpus", f"file:{corpus}",
                   "--counts", counts_path, *more)


def full_counts(pivot_tokens=10):
    return [(d, lang, pivot_tokens if lang == "eng_Latn" else 12 + d) for lang in LANGS for d in range(4)]


def test_counts_missing_documents_of_a_language_are_refused(tmp_path, tiny_parallel):
    rows = [r for r in full_counts() if not (r[1] == "fra_Latn" and r[0] in (1, 3))]
    path = counts(tmp_path, rows)
    for extra in ((), ("--format", "json")):
        assert_one_line_error(price_counts(tmp_path, tiny_parallel, path, *extra), path, "2 of the pivot eng_Latn's 4",
                              "fra_Latn", "ids 1, 3", "count the same documents")


def test_counts_of_documents_the_pivot_lacks_are_refused(tmp_path, tiny_parallel):
    rows = [r for r in full_counts() if not (r[1] == "eng_Latn" and r[0] == 2)]
    path = counts(tmp_path, rows)
    assert_one_line_error(price_counts(tmp_path, tiny_parallel, path), path, "lacks a count in the pivot eng_Latn",
                          "id 2")


def test_complete_counts_still_price(tmp_path, tiny_parallel):
    result = price_counts(tmp_path, tiny_parallel, counts(tmp_path, full_counts()), "--format", "json")
    assert result.exit_code == 0, result.output
    assert "docs_per_lang:4" in result.output


def test_counts_with_a_pivot_of_zero_tokens_are_one_line(tmp_path, tiny_parallel):
    path = counts(tmp_path, full_counts(pivot_tokens=0))
    assert_one_line_error(price_counts(tmp_path, tiny_parallel, path), path, "the pivot eng_Latn has 0 tokens",
                          "closed-x")


def test_counts_csv_with_a_byte_order_mark_is_read(tmp_path):
    from toklab.premium.counts_file import read_counts_file

    frame = read_counts_file(counts(tmp_path, full_counts(), prefix="\ufeff"))
    assert frame.height == 12 and frame["doc_id"].to_list()[:2] == [0, 1]


def test_counts_jsonl_with_a_lone_surrogate_or_deep_nesting_is_one_line(tmp_path):
    from toklab.errors import CorruptFileError
    from toklab.premium.counts_file import read_counts_file

    path = tmp_path / "c.jsonl"
    path.write_text('{"doc_id": 0, "lang": "eng_Latn", "model": "m\\udc00", "tokens": 3}\n', encoding="utf-8")
    with pytest.raises(CorruptFileError, match="line 1: model holds a lone surrogate"):
        read_counts_file(path)
    path.write_text("[" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(CorruptFileError, match="nested too deeply"):
        read_counts_file(path)


def test_price_entry_without_output_price_is_refused(tmp_path, tiny_parallel):
    entry = {k: v for k, v in CLOSED.items() if k != "output_per_1m"} | {"tokenizer": "bytes:utf8"}
    path = prices(tmp_path, [entry])
    result = run_cli("price", "--prices", path, "-m", "closed-x", "--corpus", f"file:{tiny_parallel}",
                     "--scenario", "1000000,0,1000")
    assert_one_line_error(result, path, "'closed-x' has no output_per_1m")


def test_database_model_without_output_price_is_not_free_in_the_scenario():
    from toklab.premium.pricing import Price, Scenario, _price_row

    price = Price(model="m", provider="p", tokenizer="bytes:utf8", exact=True, why="", input_per_1m=2.0,
                  output_per_1m=None, cached_input_per_1m=None, context_window=None, context_note="", source="",
                  dated="2026-12-01")
    row = {"lang": "eng_Latn", "lang_name": "English", "script": "Latn", "premium": 1.0, "comparable": True,
           "pivot_fertility": 1.0}
    result = _price_row(price, row, 1e6, Scenario(1000, 0, 1000), (0.75, 0.25))
    assert result["monthly_bill"] == pytest.approx(1000 * 1000 * 2.0 / 1e6)


def test_price_file_nested_too_deeply_is_one_line(tmp_path, tiny_parallel):
    path = prices(tmp_path, raw=b"[" * 100_000)
    result = run_cli("price", "--prices", path, "-m", "closed-x", "--corpus", f"file:{tiny_parallel}")
    assert_one_line_error(result, path, "not valid JSON (nested too deeply)")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_price_file_with_a_lone_surrogate_is_one_line(tmp_path, fmt):
    path = prices(tmp_path, raw=json.dumps({"models": [CLOSED | {"source": "\udc00"}]}).encode())
    assert_one_line_error(run_cli("price", "--prices", path, "--list", "--format", fmt), path, "source",
                          "lone surrogate")


@pytest.mark.parametrize("option", ["--prices", "--counts"])
def test_a_device_or_fifo_is_named_for_what_it_is(tmp_path, tiny_parallel, option):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    device = "/dev/zero" if option == "--prices" else str(fifo)
    kind = "character device" if option == "--prices" else "FIFO"
    args = {"--prices": ("--prices", device), "--counts": ("--prices", prices(tmp_path), "--counts", device)}[option]
    result = run_cli("price", *args, "-m", "closed-x", "--corpus", f"file:{tiny_parallel}")
    assert_one_line_error(result, device, kind, "not a regular file")


def test_content_tokens_are_bounded(tmp_path, tiny_parallel):
    result = run_cli("price", "--prices", prices(tmp_path), "-m", "closed-x", "--corpus", f"file:{tiny_parallel}",
                     "--content-tokens", "1e308")
    assert_one_line_error(result, "--content-tokens", "1e+308", "1e+15")


def test_price_table_refuses_a_non_finite_cost_before_printing():
    from toklab.cli.price_cmd import _emit
    from toklab.finite import NonFiniteResultError

    shown = []
    with pytest.raises(NonFiniteResultError, match="price table"):
        frame = pl.DataFrame({"model": ["m"], "content_cost": [float("inf")]})
        _emit(frame, "table", None, "", lambda: shown.append(1))
    assert not shown
