"""Glitch categories and signals: the facts on the real vocabularies in shared/."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from tests.conftest import run_cli, shared_path
from toklab import load_tokenizer
from toklab.glitch.categories import categorise
from toklab.glitch.scan import scan
from toklab.glitch.score import fit_logistic, predict
from toklab.glitch.signals import auroc


def single_bytes(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("bytes").str.len_chars() == 2)


@pytest.mark.parametrize("name,unreachable", [("r50k_base", 0), ("cl100k_base", 0), ("o200k_base", 12)])
def test_tiktoken_unreachable_and_single_bytes(tiktoken_ready, name, unreachable):
    frame = categorise(load_tokenizer(f"tiktoken:{name}"))
    bad = frame.filter(pl.col("category") == "unreachable")
    assert bad.height == unreachable
    assert set(bad["reason"].to_list()) <= {"pretokenizer"}
    if unreachable:
        assert "'\\n//'" in bad["token"].to_list()
    singles = single_bytes(frame)
    assert singles.height == 256 and singles["category"].null_count() == 0
    assert (singles["category"] == "invalid_byte").sum() == 13


def test_wordpiece_continuation_rule():
    adapter = load_tokenizer(f"hf:{shared_path('models/all-MiniLM-L6-v2')}")
    frame = categorise(adapter).filter(pl.col("token").is_in(["'##,'", "'##中'", "'##ing'", "'##u'", "'[unused0]'"]))
    verdict = {r["token"]: (r["category"], r["reason"]) for r in frame.iter_rows(named=True)}
    assert verdict["'##,'"] == ("unreachable", "pretokenizer")
    assert verdict["'##中'"] == ("unreachable", "pretokenizer")
    assert verdict["'##ing'"][0] == "ok" and verdict["'##u'"][0] == "ok"
    assert verdict["'[unused0]'"] == ("unreachable", "pretokenizer")


def test_minilm_weight_signals_separate_untrained_rows():
    folder = shared_path("models/all-MiniLM-L6-v2")
    result = scan(load_tokenizer(f"hf:{folder}"), None, folder, words=False)
    found = result.weights
    assert found.reference_size >= 994 + 300  # [unusedN] plus unreachable ## pieces
    assert found.auroc["embedding_norm"] >= 0.99
    assert found.auroc["untrained_similarity"] >= 0.99
    top = result.frame.head(200)
    assert (top["category"] == "unreachable").mean() > 0.8
    assert 0.0 <= result.frame["weight_score"].min() and result.frame["weight_score"].max() <= 1.0
    # the weight-free ranking puts never-producible ids first; their rows look untrained
    assert found.agreement["top_near_untrained"] > 0.8


def test_mistral_ascii_byte_pieces_mostly_shadowed():
    result = scan(load_tokenizer(f"spm:{shared_path('tokenizers/mistral-7b-v0.1.model')}"))
    pieces = result.frame.filter(pl.col("category") == "byte_fallback")
    assert pieces.height == 256 - 13  # the 13 bytes that never occur in UTF-8 are `invalid_byte`
    ascii_pieces = pieces.filter(pl.col("bytes").map_elements(lambda h: int(h, 16) < 0x80, return_dtype=pl.Boolean))
    assert (ascii_pieces["reachable"] == False).sum() > 100  # noqa: E712


def test_auroc_and_logistic():
    assert auroc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    assert auroc(np.array([1.0, 1.0]), np.array([0, 1])) == 0.5
    x = np.linspace(-3, 3, 200)[:, None]
    y = (x[:, 0] > 0).astype(float)
    w = fit_logistic(x, y, l2=1.0)
    assert predict(np.array([[2.0]]), w)[0] > 0.9 and predict(np.array([[-2.0]]), w)[0] < 0.1


def test_glitch_cli(tiktoken_ready):
    result = run_cli("glitch", "tiktoken:r50k_base", "--reference", "none", "--no-words", "--top", "5", width=200)
    assert result.exit_code == 0, result.output
    assert "Top 5 glitch candidates" in result.output and "invalid_byte" in result.output
    table = run_cli("glitch", "tiktoken:r50k_base", "--reference", "none", "--no-words", "--format", "csv")
    assert "byte 0xFF never occurs in UTF-8" in table.output and "control character U+001F" in table.output
    explained = run_cli("glitch", "tiktoken:r50k_base", "--reference", "none", "--no-words", "--explain", "188", width=200)
    assert explained.exit_code == 0 and "control character U+0000" in explained.output
    missing = run_cli("glitch", "tiktoken:r50k_base", "--reference", "none", "--no-words", "--explain", "Zorbquuxian")
    assert missing.exit_code != 0 and "no token of tiktoken:r50k_base spells 'Zorbquuxian'" in missing.output
    ids = run_cli("glitch", "tiktoken:r50k_base", "--reference", "1,2")
    assert ids.exit_code != 0 and "--untrained-ids" in ids.output


def test_experiment_scores_signals_against_known_counts(flores_ready):
    from toklab.glitch.experiment import ExperimentConfig, best_single, injected_strings, run_experiment

    # The default data (every kind of injected string at every dose), with a short LM run: the truth
    # (counts in B) and every weight-free signal do not depend on how long the LM trains.
    config = ExperimentConfig(steps=60)
    result = run_experiment(config)
    table, facts = result.table, result.facts
    assert result.signature.startswith("experiment:glitch|tok:train:bytebpe") and "|content:" in result.signature
    assert facts["untrained"] > 0 and len(facts["injected"]) == 36 and facts["lm_steps"] == 60
    untrained = table.filter(pl.col("target").str.starts_with("untrained"))
    auroc_of = dict(zip(untrained["signal"], untrained["auroc"]))
    assert auroc_of["low embedding norm"] > 0.8  # rows that never get a gradient keep their initial norm
    assert auroc_of["weight-free rank (combined)"] >= 0.95  # the goal, without weights
    assert auroc_of["weight-free rank (combined)"] >= auroc_of["string-frequency mismatch"]
    for target, (combined, best, best_auroc) in best_single(table).items():
        assert combined >= best_auroc - 1e-9, f"{target}: combined {combined:.4f} below {best} {best_auroc:.4f}"
    assert {"code", "crlf"} <= {kind for kind, _line in injected_strings(config)}
    assert any("\r\n" in line for line in facts["injected"])  # CRLF lines reach the tokenizer's corpus
    assert set(table.columns) >= {"auroc", "average_precision", "precision_at_1pct", "spearman_vs_log_count"}
