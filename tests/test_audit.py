"""The inflation audit: golden counts, bootstrap properties, flags, rendering, exports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from corpora import load_corpus
from tests.conftest import CLI_SCRIPT, run_cli, shared_path
from toklab import load_tokenizer
from toklab.premium.audit import AuditOptions, run_audit
from toklab.bootstrap import BootstrapOptions, bootstrap_interval, bootstrap_weights, gini, paired_bootstrap

LANGS = "eng_Latn,fra_Latn,jpn_Jpan,kor_Hang,shn_Mymr"

# Petrov et al. (2023) method; values computed from the raw files (split on "\n", join with " ").
GOLDEN_JOINED = {
    "tiktoken:cl100k_base": {"eng_Latn": 52835, "fra_Latn": 84407, "jpn_Jpan": 121627, "kor_Hang": 125737, "shn_Mymr": 795074},
    "tiktoken:r50k_base": {"eng_Latn": 52567, "fra_Latn": 104971, "jpn_Jpan": 157858, "kor_Hang": 266663, "shn_Mymr": 986091},
    "tiktoken:o200k_base": {"eng_Latn": 52279, "fra_Latn": 71042, "jpn_Jpan": 87991, "kor_Hang": 76829, "shn_Mymr": 415968},
    "bytes:utf8": {"eng_Latn": 259396, "fra_Latn": 320613, "jpn_Jpan": 329167, "kor_Hang": 310727, "shn_Mymr": 1020993},
    "chars:unicode": {"eng_Latn": 259170, "fra_Latn": 308489, "jpn_Jpan": 113611, "kor_Hang": 130986, "shn_Mymr": 368897},
}


@pytest.fixture
def corpus(flores_ready, tiktoken_ready):
    return load_corpus(f"flores200?langs={LANGS}")


def test_joined_method_golden_counts(corpus):
    adapters = [load_tokenizer(s) for s in GOLDEN_JOINED]
    rows = run_audit(adapters, corpus, AuditOptions(method="joined")).rows
    for spec, expected in GOLDEN_JOINED.items():
        got = dict(rows.filter(pl.col("tokenizer") == spec).select("lang", "tokens").iter_rows())
        assert got == expected, spec


def test_joined_bytes_follow_the_method_by_hand(corpus, flores_ready):
    """Every newline becomes a space and one space joins the two files: bytes = sizes + 1."""
    rows = run_audit([load_tokenizer("bytes:utf8")], corpus, AuditOptions(method="joined")).rows
    for lang in LANGS.split(","):
        sizes = sum((flores_ready / split / f"{lang}.{split}").stat().st_size for split in ("dev", "devtest"))
        assert rows.filter(pl.col("lang") == lang)["tokens"][0] == sizes + 1


def test_totals_premium_properties(corpus):
    rows = run_audit([load_tokenizer("tiktoken:cl100k_base")], corpus, AuditOptions()).rows
    eng = rows.filter(pl.col("lang") == "eng_Latn").row(0, named=True)
    assert eng["premium"] == 1.0 and eng["premium_lo"] == 1.0 and eng["premium_hi"] == 1.0
    for r in rows.iter_rows(named=True):
        assert r["premium_lo"] <= r["premium"] <= r["premium_hi"]
        assert r["ratio_p10"] <= r["ratio_p50"] <= r["ratio_p90"]
        assert r["docs"] == 2009 and r["comparable"] and r["unk_char_share"] == 0
    shan = rows.filter(pl.col("lang") == "shn_Mymr").row(0, named=True)
    assert shan["premium"] > 10 and shan["fertility_unit"] == "char"
    assert rows.filter(pl.col("lang") == "fra_Latn")["fertility_unit"][0] == "whitespace_word"


def test_pivot_against_itself(corpus):
    rows = run_audit([load_tokenizer("tiktoken:o200k_base")], corpus, AuditOptions(pivot="jpn_Jpan")).rows
    assert rows.filter(pl.col("lang") == "jpn_Jpan")["premium"][0] == 1.0


def test_minilm_japanese_not_comparable(corpus):
    adapter = load_tokenizer(f"hf:{shared_path('models/all-MiniLM-L6-v2')}")
    rows = run_audit([adapter], corpus, AuditOptions()).rows
    jpn = rows.filter(pl.col("lang") == "jpn_Jpan").row(0, named=True)
    assert jpn["unk_char_share"] > 0.10 and not jpn["comparable"]
    assert rows.filter(pl.col("lang") == "fra_Latn")["comparable"][0]


def test_bootstrap_deterministic_and_narrows():
    rng = np.random.default_rng(1)
    pivot = rng.integers(10, 40, 2000).astype(float)
    lang = pivot * rng.uniform(1.5, 2.5, 2000)
    opts = BootstrapOptions(resamples=500, seed=7)
    small = bootstrap_interval(bootstrap_weights(100, opts), lang[:100], pivot[:100], 0.95)
    again = bootstrap_interval(bootstrap_weights(100, opts), lang[:100], pivot[:100], 0.95)
    large = bootstrap_interval(bootstrap_weights(2000, opts), lang, pivot, 0.95)
    assert small == again
    assert large[1] - large[0] < small[1] - small[0]
    point = lang[:100].sum() / pivot[:100].sum()
    assert small[0] <= point <= small[1]


def test_blocked_bootstrap_draws_the_same_resamples():
    """The memory-bounded bootstrap (resamples drawn in blocks) gives the intervals of the full
    weight matrix exactly, for several languages at once and a count that is no multiple of a block."""
    rng = np.random.default_rng(3)
    pivot = rng.integers(10, 40, (300, 1))
    langs = np.hstack([pivot * 2 + rng.integers(0, 9, (300, 1)), pivot + rng.integers(0, 30, (300, 1))])
    opts = BootstrapOptions(resamples=137, seed=5)
    low, high = paired_bootstrap(langs, np.hstack([pivot, pivot]), opts)
    for j in range(2):
        assert (low[j], high[j]) == bootstrap_interval(bootstrap_weights(300, opts), langs[:, j], pivot[:, 0], 0.95)


def test_gini():
    assert gini(np.array([1.0, 1.0, 1.0])) == 0.0
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)


def test_cli_report_fixed_width(flores_ready, tiktoken_ready):
    result = run_cli("audit", "-t", "tiktoken:cl100k_base", "-t", "bytes:utf8", "--langs", LANGS, width=140)
    assert result.exit_code == 0, result.output
    assert "Tokenization premium vs pivot" in result.output
    assert "Shan" in result.output and "shn_Mymr" in result.output
    assert "signature: tok:tiktoken:cl100k_base" in result.output


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_exports_round_trip(flores_ready, tiktoken_ready, tmp_path, fmt):
    out = tmp_path / f"audit.{fmt}"
    result = run_cli("audit", "-t", "tiktoken:o200k_base", "--langs", LANGS, "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        frame = pl.read_csv(out)
    elif fmt == "json":
        payload = json.loads(out.read_text())
        assert payload["signature"].startswith("tok:tiktoken:o200k_base")
        frame = pl.DataFrame(payload["rows"])
    else:
        frame = pl.read_parquet(out)
        assert "toklab_signature" in pl.read_parquet_metadata(out)
    required = {"tokenizer", "lang", "docs", "bytes", "chars", "tokens", "premium", "premium_lo", "premium_hi",
                "ratio_p10", "ratio_p50", "ratio_p90", "byte_premium", "bytes_per_token", "chars_per_token",
                "fertility_words", "fertility_chars", "fertility_unit", "continued_words", "renyi_efficiency_vocab",
                "renyi_efficiency_observed", "unk_char_share",
                "comparable", "signature"}
    assert required <= set(frame.columns)
    assert frame.height == 5


def test_normalization_sensitivity_korean_nfd(flores_ready, tiktoken_ready):
    result = run_cli("audit", "-t", "tiktoken:o200k_base", "--langs", LANGS, "--normalization-sensitivity",
                     "--format", "json")
    rows = {r["lang"]: r for r in json.loads(result.output)["rows"]}
    korean = rows["kor_Hang"]
    assert korean["premium_nfd"] > 1.5 * korean["premium_nfc"]  # decomposed Hangul costs far more


def test_plot_written(flores_ready, tiktoken_ready, tmp_path):
    png = tmp_path / "p.png"
    result = run_cli("audit", "-t", "tiktoken:o200k_base", "--langs", LANGS, "--plot", str(png))
    assert result.exit_code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_parity_report_on_tiny_corpus(tiny_parallel):
    from toklab.premium.parity import compare_parity

    table, result = compare_parity(400, f"file:{tiny_parallel}", f"file:{tiny_parallel}")
    assert table.height == 2 and set(table["tokenizer"].str.slice(0, 14)) == {"train:bytebpe?", "train:paritybp"}
    assert (table["global_bytes_per_token"] > 1).all()


def test_piped_output_keeps_full_width(flores_ready, tiktoken_ready):
    """`toklab audit > out.txt` must not cut names to 80 columns."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    out = subprocess.run([sys.executable, str(CLI_SCRIPT), "audit", "-t", "tiktoken:cl100k_base", "-t", "tiktoken:o200k_base",
                          "-t", "bytes:utf8", "--langs", "eng_Latn,fra_Latn", "--resamples", "10"],
                         capture_output=True, text=True, env=env, check=False)
    assert out.returncode == 0, out.stderr
    assert "│ tiktoken:cl100k_base" in out.stdout and "…" not in out.stdout.split("signature")[0]
    assert max(map(len, out.stdout.splitlines())) > 80


def test_premium_by_script_pools_its_languages(flores_ready):
    """On parallel text a script's pooled premium is the mean of its languages' premiums, and its
    paired interval holds it."""
    langs = "eng_Latn,hin_Deva,mar_Deva,npi_Deva,zho_Hans"
    per_language = json.loads(run_cli("audit", "-t", "bytes:utf8", "--langs", langs, "--resamples", "50",
                                    "--format", "json").output)["rows"]
    by_script = json.loads(run_cli("audit", "-t", "bytes:utf8", "--langs", langs, "--resamples", "50", "--by", "script",
                                 "--format", "json").output)["rows"]
    deva = next(row for row in by_script if row["script"] == "Deva")
    mean = sum(r["premium"] for r in per_language if r["script"] == "Deva") / 3
    assert deva["languages"] == 3 and deva["premium"] == pytest.approx(mean)
    assert deva["premium_lo"] < deva["premium"] < deva["premium_hi"]
    assert {row["script"] for row in by_script} == {"Deva", "Hans"}  # the pivot's own script has no other language
    assert "by:script" in deva["signature"]
