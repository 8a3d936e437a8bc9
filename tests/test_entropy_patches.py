"""Entropy patches as a scheme: a trained byte run cuts text where its next-byte entropy is high;
lossless, exact entropies, a threshold chosen on the run's validation text that meets its
target there, audited like any tokenizer, and bad specs refused in one line."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from tests.conftest import run_cli

TEXTS = ["The cat sat on the mat.", "नमस्ते दुनिया", "", "x", "日本語のテキスト、そして English." * 12]


@pytest.fixture
def byte_run(tmp_path, flores_ready):
    import toklab

    return toklab.train_byte_model(tmp_path / "run", preset="tiny", steps=30,
                                   corpus="flores200?split=dev&langs=eng_Latn,hin_Deva")


def test_patches_are_the_text_cut_and_ids_label_them(byte_run):
    from toklab.registry import load_tokenizer

    adapter = load_tokenizer(f"entropy:{byte_run}?bytes_per_patch=3")
    analysis = adapter.analyse(TEXTS)
    for text, ids, ends in zip(TEXTS, analysis.ids, analysis.ends):
        assert adapter.decode(ids) == text
        assert b"".join(adapter.token_bytes(i) for i in ids) == text.encode()
        assert list(ends) == sorted(ends) and (not len(ends) or ends[-1] == len(text.encode()))
        assert adapter.encode(text) == ids
    assert adapter.family == "patches" and "threshold_bits:" in adapter.signature


def test_entropies_are_the_models_own(byte_run):
    from byte_model.loading import load_model
    from toklab.registry import load_tokenizer

    adapter = load_tokenizer(f"entropy:{byte_run}?threshold=3")
    model, vocab, _payload = load_model(byte_run)
    text = "The cat sat on the mat."
    ids = torch.tensor([[vocab.bos, *text.encode()[:-1]]])
    with torch.no_grad():
        logp = torch.log_softmax(model(ids).float()[0, :, :256], dim=-1)
    expected = (-(logp.exp() * logp).sum(-1) / math.log(2)).numpy()
    assert np.allclose(adapter.entropies([text])[0], expected, atol=1e-5)
    long = adapter.entropies([TEXTS[-1]])[0]  # longer than the tiny model's context: windows
    assert len(long) == len(TEXTS[-1].encode()) and np.isfinite(long).all() and (long > 0).all()
    cuts = adapter.cuts(np.array([0.5, 4.0, 1.0, 3.5, 2.0]))
    assert cuts.tolist() == [1, 3, 5]  # patches begin at byte 0 and where entropy exceeds 3 bits


def test_the_threshold_meets_its_target_on_the_validation_text(byte_run):
    from byte_model.data import split_validation
    from corpora import load_corpus
    from toklab.registry import load_tokenizer

    adapter = load_tokenizer(f"entropy:{byte_run}?bytes_per_patch=4")
    _train, held = split_validation(load_corpus("flores200?split=dev&langs=eng_Latn,hin_Deva").frame, 0.05)
    texts = held.sort("lang", "doc_id").group_by("lang", maintain_order=True).head(10)["text"].to_list()
    analysis = adapter.analyse(texts)
    mean = sum(len(t.encode()) for t in texts) / sum(map(len, analysis.ids))
    assert mean == pytest.approx(4.0, rel=0.02)
    assert "bytes_per_patch:4|chosen_on:run_validation" in adapter.signature


def test_audit_counts_patches_like_tokens(byte_run, tiny_parallel, tmp_path):
    out = tmp_path / "audit.json"
    result = run_cli("audit", "-t", f"entropy:{byte_run}?bytes_per_patch=4", "-t", "bytes:utf8", "--corpus",
                     f"file:{tiny_parallel}", "--resamples", "50", "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    import json

    rows = [r for r in json.loads(out.read_text())["rows"] if r["tokenizer"].startswith("entropy:")]
    assert {r["lang"] for r in rows} == {"eng_Latn", "fra_Latn", "jpn_Jpan"}
    assert all(r["premium"] > 0 and r["tokens"] > 0 for r in rows)


@pytest.mark.parametrize("query, message", [("bytes_per_patch=4&threshold=2", "not both"),
                                            ("threshold=nan", "threshold"), ("bytes_per_patch=0", "bytes_per_patch"),
                                            ("patch=4", "unknown parameter 'patch'")])
def test_bad_specs_get_one_line(byte_run, query, message):
    result = run_cli("tokenizers", "show", f"entropy:{byte_run}?{query}")
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_a_glitch_scan_says_patches_have_no_vocabulary(byte_run):
    result = run_cli("glitch", f"entropy:{byte_run}?threshold=2")
    assert result.exit_code != 0 and "not drawn from a vocabulary" in result.output and "Traceback" not in result.output


def test_a_token_model_run_is_refused(tiny_parallel, tmp_path):
    import toklab

    run = toklab.train_byte_model(tmp_path / "run", preset="tiny", steps=2, corpus=f"file:{tiny_parallel}",
                                  tokenizer="chars:unicode")
    result = run_cli("tokenizers", "show", f"entropy:{run}?threshold=2")
    assert result.exit_code != 0 and "need a byte model" in result.output and "Traceback" not in result.output
