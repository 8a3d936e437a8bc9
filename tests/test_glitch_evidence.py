"""The weight-free glitch evidence on a hand-made vocabulary whose right answers are known."""

from __future__ import annotations

import base64
import json

import numpy as np
import polars as pl
import pytest

from corpora import load_corpus
from toklab import load_tokenizer
from toklab.glitch.charclass import character_flag
from toklab.glitch.mismatch import mismatch
from toklab.glitch.reference import string_frequency, word_list_reference
from toklab.glitch.scan import scan

WORDS = [" the", "ing", " thing", " is", " Plimf", " Zorb", " ZorbQuux", " Vexlar"]  # ranks follow this order


def ranks_file(folder) -> str:
    """Bytes 0–255, then every prefix (2+ bytes) of each word: the merge chain tiktoken needs."""
    tokens = [bytes([b]) for b in range(256)]
    for word in WORDS:
        raw = word.encode()
        tokens += [raw[:n] for n in range(2, len(raw) + 1) if raw[:n] not in tokens]
    path = folder / "handmade.tiktoken"
    path.write_text("".join(f"{base64.b64encode(t).decode()} {rank}\n" for rank, t in enumerate(tokens)))
    return f"tiktoken:{path}"


@pytest.fixture()
def handmade(tmp_path):
    adapter = load_tokenizer(ranks_file(tmp_path))
    lines = ["the thing is the thing", "the ZorbQuux is the thing", "thing is the ZorbQuux"] * 5
    corpus_file = tmp_path / "reference.jsonl"
    corpus_file.write_text("".join(json.dumps({"text": t, "lang": "eng_Latn"}) + "\n" for t in lines))
    result = scan(adapter, load_corpus(f"jsonl:{corpus_file}"), words=False)
    by_token = {bytes.fromhex(r["bytes"]): r for r in result.frame.iter_rows(named=True)}
    return result, by_token


def test_evidence_order_never_producible_then_character_class_then_mismatch(handmade):
    result, by_token = handmade
    frame = result.frame.sort("free_rank")
    assert set(frame.head(13)["category"]) == {"invalid_byte"}  # 0xC0, 0xC1, 0xF5–0xFF
    assert by_token[b"\x10"]["evidence"] == "character class"
    assert by_token[b"\x10"]["why"].startswith("control character U+0010; string occurs in no reference text")
    strengths = frame["evidence"].to_list()
    order = {"never producible": 0, "character class": 1, "mismatch": 2, None: 3}
    assert [order[e] for e in strengths] == sorted(order[e] for e in strengths)


def test_a_piece_always_swallowed_by_a_longer_merge_survives_nowhere(handmade):
    _result, by_token = handmade
    assert by_token[b" ZorbQuux"]["corpus_count"] == 10 and by_token[b" ZorbQuux"]["frequency"] > 0
    assert by_token[b" Zorb"]["corpus_count"] == 0  # its string occurs ten times, always inside " ZorbQuux"
    survival = (0 + 1) / (10 + 1)
    assert by_token[b" Zorb"]["frequency"] == pytest.approx(by_token[b" ZorbQuux"]["frequency"] * survival)
    assert by_token[b" Zorb"]["mismatch"] > by_token[b" ZorbQuux"]["mismatch"]


def test_absent_earlier_merge_outranks_absent_later_merge(handmade):
    _result, by_token = handmade
    plimf, vexlar = by_token[b" Plimf"], by_token[b" Vexlar"]
    assert plimf["frequency"] == vexlar["frequency"] == 0 and plimf["id"] < vexlar["id"]
    assert plimf["free_rank"] < vexlar["free_rank"] < by_token[b" Zorb"]["free_rank"]
    assert by_token[b" the"]["free_rank"] > by_token[b" Zorb"]["free_rank"]  # produced often: ordinary


def test_an_absent_byte_is_judged_as_the_last_merge(handmade):
    _result, by_token = handmade
    assert by_token[b"@"]["frequency"] == by_token[b"#"]["frequency"] == 0  # the reference holds neither
    assert by_token[b"@"]["mismatch"] == by_token[b"#"]["mismatch"]  # one rank for the whole alphabet
    assert by_token[b"@"]["mismatch"] < by_token[b" Plimf"]["mismatch"]  # an absent merge is the stronger evidence


def test_an_absence_from_a_small_corpus_counts_for_less():
    tiny, large = mismatch(np.array([0.0, 0.0]), np.array([99.0, 99.0]), np.array([1e-5, 1e-9]))
    assert (tiny, large) == pytest.approx((3.0, 7.0))


def test_mismatch_is_log_rarity_against_zipf():
    values = mismatch(np.array([0.0, 1e-3, 1e-3]), np.array([99.0, 99.0, 9.0]))
    assert values.round(6).tolist() == [7.0, 1.0, 2.0]


@pytest.mark.parametrize("text,flag", [
    ("\x00", "control character U+0000"), ("\x85", "control character U+0085"), ("\ue000", "private-use character U+E000"),
    ("\U000e0080", "unassigned code point U+E0080"), ("a\ufffd", "replacement character"),
    ("ÃÂÃÂ", "mojibake"), ("Ã©", "mojibake"), ("\t\n", None), (" café", None), ("日本", None),
])
def test_character_flags(text, flag):
    found = character_flag(text)
    assert (found is None) if flag is None else found.startswith(flag)


def test_word_list_reference_is_case_folded_and_word_initial():
    reference = word_list_reference()
    frequency, _n = string_frequency(["\x01the", "the", "\x01zorbquux", None], reference)
    assert frequency[0] > 1e-2 and frequency[1] >= frequency[0]  # "the" also inside "other", "there"…
    assert frequency[2] == 0 and np.isnan(frequency[3])
    assert reference.signature.startswith("words:wordfreq-")


def test_scan_results_carry_reasons_and_signature(handmade):
    result, _by_token = handmade
    assert result.frame["why"].null_count() == 0
    assert "|reference:none" not in result.signature and "|corpus:jsonl:" in result.signature
    assert "method:evidence+mismatch" in result.signature
    assert result.frame.filter(pl.col("rank") == 1).height == 1


def test_controls_lead_the_character_classes():
    from toklab.glitch.mismatch import free_ranking

    frame = pl.DataFrame({
        "id": [0, 1, 2, 3, 4], "category": ["ok"] * 4 + ["invalid_byte"], "reachable": [True] * 4 + [False],
        "char_class": ["replacement character U+FFFD", "mojibake (x)", "control character U+0010", None, None],
        "mismatch": [5.0, 4.0, None, 9.0, None],
    })
    ranked = free_ranking(frame).sort("free_rank")
    assert ranked["id"].to_list() == [4, 2, 1, 0, 3]


@pytest.mark.parametrize("with_corpus", [False, True])
def test_scan_signature_says_when_no_reference_text_was_used(tmp_path, with_corpus):
    """With neither word lists nor a corpus the signature must say `reference:none` (a generator
    tested for truth once dropped it); with a reference it must name that one instead."""
    adapter = load_tokenizer(ranks_file(tmp_path))
    corpus = None
    if with_corpus:
        corpus_file = tmp_path / "reference.jsonl"
        corpus_file.write_text(json.dumps({"text": "the thing is", "lang": "eng_Latn"}) + "\n")
        corpus = load_corpus(f"jsonl:{corpus_file}")
    result = scan(adapter, corpus, words=False)
    fields = result.signature.split("|")
    assert ("reference:none" in fields) is not with_corpus
    assert any(f.startswith("corpus:jsonl:") for f in fields) is with_corpus
    assert len(result.references) == int(with_corpus)
