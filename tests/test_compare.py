"""`toklab compare --quick`: every scheme and compressor on one bits-per-byte axis."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from tests.conftest import run_cli
from toklab.compare.compressors import available, conditional_bits, isolated_bits


def test_conditional_compression_arithmetic():
    gzip = available()["gzip"]
    context, text = b"hello world " * 50, b"hello world again"
    bits = conditional_bits(gzip, context, text)
    assert bits == 8 * (len(gzip(context + text)) - len(gzip(context)))
    assert bits < 8 * len(text)  # the context makes the text cheap
    sentences = [b"hello world", b"again"]
    assert isolated_bits(gzip, sentences) == 8 * (len(gzip(sentences[0])) + len(gzip(sentences[1])))


def test_xz_sized_window_gives_the_length_of_xz_9e():
    import lzma

    xz = available()["xz"]
    for data in (b"", b"a", "Tokenizers cost money in every language.".encode(), bytes(range(256)) * 80):
        assert len(xz(data)) == len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))


def test_compare_quick(flores_ready, tmp_path):
    out = tmp_path / "compare.json"
    result = run_cli("compare", "--quick", "--protocol", "isolated,context", "--format", "json", "-o", str(out),
                     "--plot", str(tmp_path / "c.png"))
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    rows = payload["rows"]
    schemes = {r["scheme"] for r in rows}
    assert {"bytes", "bpe:1024", "unigram:1024", "paritybpe:1024", "canine:4", "gbst:4", "hnet:4", "spacebyte", "gzip",
            "bz2", "xz", "ppmd16"} <= schemes
    assert len({r["lang"] for r in rows}) == 6
    for r in rows:
        assert r["bpb"] > 0 and r["bits_per_sentence"] > 0
        if r["scheme"] in ("bytes", "bpe:1024"):
            assert r["flops_per_byte"] > 0 and r["tokens_per_byte"] > 0
    byte_rows = [r for r in rows if r["scheme"] in ("bytes", "canine:4", "gbst:4")]
    assert all(r["tokens_per_byte"] == pytest.approx(1.0) and r["flops_per_byte"] > 0 for r in byte_rows)
    assert np.isfinite([r["bpb"] for r in rows]).all()
    assert payload["signature"].startswith("compare:bytes,bpe:1024")
    assert "arch:canine:R4" in payload["signature"] and "arch:gbst:R4" in payload["signature"]
    assert "protocols:isolated,context" in payload["signature"]
    by_key = {(r["scheme"], r["protocol"], r["lang"]): r for r in rows}
    for (scheme, protocol, lang), row in by_key.items():  # every protocol counts the same bytes
        assert row["bytes"] == by_key[(scheme, "isolated", lang)]["bytes"]
        if protocol == "context" and scheme in ("gzip", "xz"):  # a header per sentence vs one per language
            assert row["bpb"] < by_key[(scheme, "isolated", lang)]["bpb"]
    assert {r["protocol"] for r in rows} == {"isolated", "context"}
    # the compute premium: 1 for English, inside its interval, and for plain bytes the byte ratio itself
    models = [r for r in rows if r["scheme"] not in ("gzip", "bz2", "xz", "ppmd16")]
    english = {r["scheme"]: r for r in models if r["lang"] == "eng_Latn" and r["protocol"] == "isolated"}
    for r in models:
        assert r["compute_low"] <= r["compute_premium"] <= r["compute_high"]
        if r["lang"] == "eng_Latn":
            assert r["compute_premium"] == 1.0
        if r["scheme"] == "bytes":
            assert r["compute_premium"] == pytest.approx(r["bytes"] / english["bytes"]["bytes"])
    chunked = [r for r in models if r["scheme"] in ("hnet:4", "spacebyte")]
    assert all(r["bytes_per_position"] > 1 and r["positions"] < r["tokens"] for r in chunked)
    assert "arch:hnet:L4" in payload["signature"] and "arch:spacebyte" in payload["signature"]


def test_per_script_weights_languages_by_their_bytes():
    from toklab.compare.comparison import per_script

    rows = pl.DataFrame({"protocol": ["isolated"] * 4 + ["context"], "scheme": ["bytes", "bytes", "bytes", "xz", "bytes"],
                         "lang": ["eng_Latn", "fra_Latn", "hin_Deva", "eng_Latn", "eng_Latn"],
                         "script": ["Latn", "Latn", "Deva", "Latn", "Latn"],
                         "bits": [300.0, 100.0, 50.0, 90.0, 1.0], "bytes": [100, 300, 100, 100, 100]})
    table = per_script(rows, "isolated")
    assert table["script"].to_list() == ["Latn", "Deva"] and table["languages"].to_list() == [2, 1]
    assert table["bytes"].to_list() == [pytest.approx(1.0), pytest.approx(0.5)]  # (300 + 100) / 400, not (3 + 1/3) / 2
    assert table["xz"].to_list() == [pytest.approx(0.9), None]


def test_a_misspelt_scheme_fails_before_any_training(tmp_path):
    result = run_cli("compare", "--schemes", "bytes,canine:four", "--minutes", "0.01")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "scheme 'canine:four': write bytes, bpe:N" in result.output and "training" not in result.output


def test_compute_premium_is_a_ratio_of_sums_with_a_paired_interval():
    from toklab.compare.compute_premium import compute_premiums, compute_summary

    docs = pl.DataFrame({"scheme": ["m"] * 6, "lang": ["eng_Latn"] * 3 + ["hin_Deva"] * 3, "doc_id": [0, 1, 2] * 2,
                         "bytes": [10, 20, 30, 30, 60, 90], "flops": [100.0, 200.0, 300.0, 150.0, 500.0, 900.0],
                         "positions": [10, 20, 30, 5, 10, 15]})
    out = compute_premiums(docs).sort("lang")
    hin = out.row(1, named=True)
    assert hin["compute_premium"] == pytest.approx(1550 / 600)
    assert hin["compute_low"] <= hin["compute_premium"] <= hin["compute_high"]
    assert hin["bytes_per_position"] == pytest.approx(180 / 30) and hin["flops_per_byte"] == pytest.approx(1550 / 180)
    summary = compute_summary(out).row(0, named=True)
    assert summary["dearest"] == "hin_Deva" and summary["cheapest"] == "eng_Latn"
    assert summary["compute_gini"] == pytest.approx((1550 / 600 - 1) / (2 * (1 + 1550 / 600)))  # two values


def test_document_costs_count_the_chunks_a_model_cuts():
    import dataclasses

    import torch

    from byte_model import config as C
    from byte_model.architectures import build_model
    from byte_model.compute import document_costs
    from byte_model.data import Documents, Vocabulary

    vocab = Vocabulary("bytes:utf8", 256)
    texts = ["ab cd ef", "한국어 텍스트", "x" * 70]
    docs = Documents([np.frombuffer(t.encode(), dtype=np.uint8).astype(np.int64) for t in texts], ["a"] * 3,
                     np.array([len(t.encode()) for t in texts]))
    small = dataclasses.replace(C.PRESETS["tiny"][0], ctx=32, local_window=8)
    spacebyte = build_model(dataclasses.replace(small, arch="spacebyte")).eval()
    flops, positions = document_costs(spacebyte, docs, vocab, batch_size=2)
    # BOS + "ab cd e": chunks at BOS, ' ', ' '; the Korean text cuts at every character and space;
    # 70 × 'x' in windows of 32, 32, 6 ids: one chunk at each window's start (BOS, then 'x' is not space-like)
    assert positions.tolist()[0] == 3 and positions.tolist()[2] == 3
    with torch.no_grad():
        korean = torch.tensor([[256, *list(texts[1].encode())[:-1]]])
        assert positions.tolist()[1] == int(spacebyte.boundaries(korean).sum())
    plain = build_model(small).eval()
    flops, positions = document_costs(plain, docs, vocab)
    assert positions.tolist() == [len(t.encode()) for t in texts]
    assert flops.tolist() == [n * plain.flops_per_token() for n in positions.tolist()]
