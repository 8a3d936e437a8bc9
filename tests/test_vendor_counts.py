"""Counting closed models' tokens through the vendors' SDKs, against a local fake of their endpoints.

Nothing here touches the network: every request goes to tests/fake_vendor_server.py on 127.0.0.1.
"""

from __future__ import annotations

import json

import re

import polars as pl
import pytest

from tests.fake_vendor_server import DROP, Fail, FakeVendorServer, fake_tokens
from toklab.errors import CorruptFileError, MissingFileError, SpecError, ToklabError
from toklab.paths import cache_root
from toklab.premium.counted_premium import premiums_from_counts
from toklab.bootstrap import BootstrapOptions
from toklab.premium.counts_file import read_counts_file, write_counts_file
from toklab.premium.vendor_counts import (VendorKeyError, VendorRejectedError, VendorUnavailableError,
                                          count_documents, sample_doc_ids, signature)

# One model per vendor, with the module its SDK is imported as.
MODELS = [pytest.param("claude-test-1", "anthropic", id="anthropic"),
          pytest.param("gemini-test-1", "google.genai", id="google")]

VENDOR_ENV = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_PROFILE",
              "ANTHROPIC_CUSTOM_HEADERS", "GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL",
              "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_GENAI_API_VERSION", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
              "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def no_vendor_env(monkeypatch):
    """No real key, endpoint or proxy from the environment reaches a test."""
    for name in VENDOR_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake():
    with FakeVendorServer() as server:
        yield server


@pytest.fixture
def docs() -> pl.DataFrame:
    texts = {"eng_Latn": ["The cat sat.", "Tokens cost money.", "Hello world!"],
             "hin_Deva": ["बिल्ली बैठी।", "टोकन पैसे लेते हैं।", "नमस्ते दुनिया!"]}
    return pl.DataFrame([(i, lang, text) for lang, lines in texts.items() for i, text in enumerate(lines)],
                        schema={"doc_id": pl.Int64, "lang": pl.Utf8, "text": pl.Utf8}, orient="row")


def count(model, docs, fake, **options):
    options.setdefault("sleep", lambda seconds: None)
    return count_documents(model, docs, api_key=fake.key, base_url=fake.url, **options)


def expected(model, docs) -> pl.DataFrame:
    return docs.select("doc_id", "lang", model=pl.lit(model),
                       tokens=pl.Series([fake_tokens(t) for t in docs["text"]], dtype=pl.Int64))


# ---------------------------------------------------------------- the SDKs against the fake endpoints


@pytest.mark.parametrize("model, sdk", MODELS)
def test_each_sdk_returns_the_vendors_counts(model, sdk, fake, docs):
    pytest.importorskip(sdk)
    ticks = []
    counts = count(model, docs, fake, progress=lambda: ticks.append(1))
    assert counts.equals(expected(model, docs))
    assert [r.text for r in fake.counted()] == docs["text"].to_list()  # one request per document
    assert {r.model for r in fake.requests} == {model} and len(ticks) == docs.height


@pytest.mark.parametrize("model, sdk", MODELS)
def test_server_errors_and_dropped_connections_are_retried_with_growing_delays(model, sdk, fake, docs):
    pytest.importorskip(sdk)
    fake.script.update({1: Fail(500), 2: DROP, 3: Fail(503)})
    sleeps = []
    counts = count(model, docs, fake, sleep=sleeps.append, backoff_base=0.5)
    assert counts.equals(expected(model, docs))
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(fake.requests) == docs.height + 3


@pytest.mark.parametrize("model, sdk", MODELS)
def test_a_rate_limit_waits_as_long_as_retry_after_asks(model, sdk, fake, docs):
    pytest.importorskip(sdk)
    fake.script.update({1: Fail(429, retry_after="7"), 2: Fail(429)})
    sleeps = []
    assert count(model, docs, fake, sleep=sleeps.append).equals(expected(model, docs))
    assert sleeps == [7.0, 2.0]  # the header's 7 s, then the backoff's second step


@pytest.mark.parametrize("model, sdk", MODELS)
def test_a_timeout_is_retried(model, sdk, fake, docs):
    pytest.importorskip(sdk)
    fake.script[1] = Fail(200, delay=1.5)  # answers only after the client gave up
    assert count(model, docs.head(1), fake, timeout=0.3).equals(expected(model, docs.head(1)))
    assert [r.status for r in fake.requests] == [200, 200]


@pytest.mark.parametrize("model, sdk", MODELS)
def test_a_rejected_key_is_one_line_naming_the_variable_and_never_retried(model, sdk, fake, docs):
    pytest.importorskip(sdk)
    sleeps = []
    with pytest.raises(VendorRejectedError) as caught:
        count_documents(model, docs, api_key="wrong", base_url=fake.url, sleep=sleeps.append)
    message = str(caught.value)
    assert "\n" not in message and "rejected the API key" in message
    assert ("ANTHROPIC_API_KEY" if model.startswith("claude") else "GEMINI_API_KEY") in message
    assert len(fake.requests) == 1 and sleeps == []


@pytest.mark.parametrize("model, sdk", MODELS)
def test_an_unknown_model_is_one_line_naming_it(model, sdk, fake, docs):
    pytest.importorskip(sdk)
    with pytest.raises(VendorRejectedError, match="claude-nope|gemini-nope") as caught:
        count(model.replace("test-1", "nope"), docs, fake)
    assert "\n" not in str(caught.value) and len(fake.requests) == 1


def test_a_missing_key_says_which_variable_and_what_to_do_without_one(fake, docs):
    with pytest.raises(VendorKeyError) as caught:
        count_documents("gemini-test-1", docs, base_url=fake.url)
    message = str(caught.value)
    assert isinstance(caught.value, SpecError) and "\n" not in message
    assert "GEMINI_API_KEY" in message and "stand-in" in message and "counts file" in message
    assert fake.requests == []


def test_key_and_endpoint_come_from_the_environment(fake, docs, monkeypatch):
    pytest.importorskip("anthropic")
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake.key)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    assert count_documents("claude-test-1", docs, sleep=lambda s: None).equals(expected("claude-test-1", docs))


def test_a_model_of_no_known_vendor_is_a_spec_error(docs):
    with pytest.raises(SpecError, match="gpt-4o"):
        count_documents("gpt-4o", docs, api_key="x")


def test_signature_names_vendor_model_and_sdk_version():
    sig = signature("claude-sonnet-4-5")
    assert sig.startswith("counted:anthropic/claude-sonnet-4-5|sdk:anthropic ")
    assert signature("gemini-2.5-pro").startswith("counted:google/gemini-2.5-pro|sdk:google-genai ")


# ---------------------------------------------------------------- the cache: resumable, never wrong


@pytest.mark.parametrize("model, sdk", MODELS)
def test_an_interrupted_run_resumes_with_only_the_remaining_documents(model, sdk, fake, docs, monkeypatch, tmp_path):
    pytest.importorskip(sdk)
    whole = count(model, docs, fake)
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "second-home"))  # an empty cache
    fake.requests.clear()
    fake.broken_after = 2
    with pytest.raises(VendorUnavailableError, match="2 of 6 documents are counted") as caught:
        count(model, docs, fake, max_attempts=3)
    assert "\n" not in str(caught.value) and "rerun" in str(caught.value)
    fake.requests.clear()
    fake.broken_after = None
    resumed = count(model, docs, fake)
    assert [r.text for r in fake.requests] == docs["text"].to_list()[2:]
    assert resumed.equals(whole)


def test_the_cache_never_answers_for_another_model_or_an_edited_text(fake, docs):
    pytest.importorskip("anthropic")
    count("claude-test-1", docs, fake)
    fake.requests.clear()
    assert count_documents("claude-test-1", docs).equals(expected("claude-test-1", docs))  # all cached: no key
    assert fake.requests == []
    count("claude-test-2", docs, fake)
    assert len(fake.requests) == docs.height  # another model: every document asked again
    fake.requests.clear()
    edited = docs.with_columns(text=pl.when(pl.col("doc_id") == 0).then(pl.col("text") + " ").otherwise(pl.col("text")))
    assert count("claude-test-1", edited, fake).equals(expected("claude-test-1", edited))
    assert sorted(r.text for r in fake.requests) == sorted(edited.filter(pl.col("doc_id") == 0)["text"])


def test_a_torn_or_tampered_cache_line_is_counted_again(fake, docs):
    pytest.importorskip("anthropic")
    count("claude-test-1", docs, fake)
    [cache_file] = (cache_root() / "vendor_counts").glob("*.jsonl")
    lines = cache_file.read_text().splitlines()
    tampered = json.loads(lines[0]) | {"tokens": 999}  # its checksum no longer matches
    torn = lines[-1][: len(lines[-1]) // 2]  # a crash in the middle of the last write
    cache_file.write_text("\n".join([json.dumps(tampered), *lines[1:-1], torn]))
    fake.requests.clear()
    with pytest.warns(UserWarning, match="1 damaged line"):
        counts = count("claude-test-1", docs, fake)
    assert counts.equals(expected("claude-test-1", docs))
    assert [r.text for r in fake.requests] == [docs["text"][0], docs["text"][-1]]
    fake.requests.clear()
    with pytest.warns(UserWarning, match="damaged"):  # the two appended records survived the torn line
        assert count("claude-test-1", docs, fake).equals(counts)
    assert fake.requests == []


# ---------------------------------------------------------------- counts files


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_counts_file_round_trips(suffix, docs, tmp_path):
    counts = expected("claude-test-1", docs)
    path = tmp_path / f"counts{suffix}"
    write_counts_file(counts, path)
    assert read_counts_file(path).equals(counts.sort("model", "lang", "doc_id"))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []  # no temporary file left


def test_a_csv_counts_file_has_the_documented_header(docs, tmp_path):
    write_counts_file(expected("gemini-test-1", docs), tmp_path / "c.csv")
    assert (tmp_path / "c.csv").read_text().splitlines()[0] == "doc_id,lang,model,tokens"


@pytest.mark.parametrize("text, line, what", [
    ("doc_id,lang,tokens\n0,eng_Latn,5\n", 1, "no column model"),
    ("doc_id,lang,model,tokens\n0,eng_Latn,m,5\n1,eng_Latn,m,abc\n", 3, "tokens 'abc' is not a whole number"),
    ("doc_id,lang,model,tokens\n0,eng_Latn,m,-4\n", 2, "tokens '-4' is not a whole number"),
    ("doc_id,lang,model,tokens\n0,eng_Latn,m,5\n1,eng_Latn,m,5\n0,eng_Latn,m,6\n", 4, "counted twice (also line 2)"),
    ("doc_id,lang,model,tokens\nx,eng_Latn,m,5\n", 2, "doc_id 'x'"),
])
def test_a_bad_csv_counts_file_names_file_and_line(text, line, what, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text(text)
    with pytest.raises(CorruptFileError) as caught:
        read_counts_file(path)
    assert str(caught.value).startswith(f"{path}, line {line}: ") and what in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_bad_jsonl_or_parquet_counts_file_names_file_and_line(tmp_path):
    good = {"doc_id": 0, "lang": "eng_Latn", "model": "m", "tokens": 3}
    path = tmp_path / "counts.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(good | {"doc_id": 1, "tokens": 2.5}) + "\n")
    with pytest.raises(CorruptFileError, match=rf"^{re.escape(str(path))}, line 2: tokens 2\.5 "):
        read_counts_file(path)
    path = tmp_path / "counts.parquet"
    pl.DataFrame([good, good | {"doc_id": 1, "tokens": -1}]).write_parquet(path)
    with pytest.raises(CorruptFileError, match=rf"^{re.escape(str(path))}, row 2: tokens -1 "):
        read_counts_file(path)


def test_a_missing_or_unnamed_counts_file_says_so(tmp_path):
    with pytest.raises(MissingFileError, match="nothing.csv"):
        read_counts_file(tmp_path / "nothing.csv")
    with pytest.raises(SpecError, match=r"\.csv, \.jsonl, \.parquet"):
        read_counts_file(tmp_path / "counts.txt")


# ---------------------------------------------------------------- premiums from counts; sampling


def counts_frame(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"doc_id": pl.Int64, "lang": pl.Utf8, "model": pl.Utf8, "tokens": pl.Int64},
                        orient="row")


def test_premiums_from_counts_match_a_hand_computation():
    rows = [(i, "eng_Latn", "claude-x", t) for i, t in enumerate([10, 20, 30, 40])]
    rows += [(i, "hin_Deva", "claude-x", t) for i, t in enumerate([25, 45, 70, 90])]
    rows += [(1, "fra_Latn", "claude-x", 30), (3, "fra_Latn", "claude-x", 50)]  # only two documents counted
    rows += [(9, "shn_Mymr", "claude-x", 80)]  # no document in common with the pivot: no row
    result = premiums_from_counts(counts_frame(rows), "eng_Latn", BootstrapOptions(resamples=200, seed=1))
    assert result.columns == ["model", "lang", "docs", "tokens", "premium", "premium_lo", "premium_hi"]
    by_lang = {row["lang"]: row for row in result.iter_rows(named=True)}
    assert sorted(by_lang) == ["eng_Latn", "fra_Latn", "hin_Deva"]
    assert by_lang["hin_Deva"]["premium"] == pytest.approx((25 + 45 + 70 + 90) / (10 + 20 + 30 + 40))
    assert by_lang["fra_Latn"]["premium"] == pytest.approx((30 + 50) / (20 + 40))
    assert (by_lang["fra_Latn"]["docs"], by_lang["fra_Latn"]["tokens"]) == (2, 80)
    assert by_lang["eng_Latn"]["premium"] == by_lang["eng_Latn"]["premium_lo"] == 1.0
    for row in by_lang.values():
        assert row["premium_lo"] <= row["premium"] <= row["premium_hi"]
    assert by_lang["hin_Deva"]["premium_lo"] < by_lang["hin_Deva"]["premium_hi"]


def test_premiums_without_the_pivot_or_with_a_double_count_are_errors():
    rows = [(0, "hin_Deva", "claude-x", 5), (0, "eng_Latn", "gemini-y", 4), (0, "hin_Deva", "gemini-y", 6)]
    with pytest.raises(SpecError, match="pivot 'eng_Latn' has no counts under claude-x"):
        premiums_from_counts(counts_frame(rows), "eng_Latn", BootstrapOptions(resamples=10))
    doubled = counts_frame(rows[1:] + [rows[2]])
    with pytest.raises(ToklabError, match="more than once"):
        premiums_from_counts(doubled, "eng_Latn", BootstrapOptions(resamples=10))


def test_sample_doc_ids_is_seeded_paired_and_deterministic(docs):
    ids = list(range(500))
    first = sample_doc_ids(ids, per_language=50, seed=3)
    assert first == sample_doc_ids(list(reversed(ids)) + ids, per_language=50, seed=3)  # order, repeats: no matter
    assert len(first) == 50 == len(set(first)) and first == sorted(first)
    assert first != sample_doc_ids(ids, per_language=50, seed=4)
    assert sample_doc_ids(ids[:10], per_language=50, seed=3) == ids[:10]
    picked = docs.filter(pl.col("doc_id").is_in(sample_doc_ids(docs["doc_id"], per_language=2, seed=0)))
    by_lang = picked.group_by("lang").agg(pl.col("doc_id").sort())["doc_id"].to_list()
    assert len(by_lang) == 2 and by_lang[0] == by_lang[1] and len(by_lang[0]) == 2
