"""Information loss: facts on the real tokenizers and FLORES-200, plus attribution rules."""

from __future__ import annotations

import pytest

from corpora import load_corpus
from tests.conftest import run_cli, shared_path
from toklab import load_tokenizer
from toklab.loss.alignment import align, lost_and_edits
from toklab.loss.analysis import STAGES, loss_rows
from toklab.memo import clear_memos


def test_alignment_rules():
    assert align("abc", "abc").lost == ()
    assert align("Apple", "apple").lost == (0,)
    assert align("नमस्ते", "नमसत").lost == (3, 5)  # the virama and the vowel sign
    assert align("a  b", "a b").edits == 1
    assert align("kitten", "sitting").edits == 3  # Levenshtein: the edit rate is exact, not a bound
    for original, back in [("abc", "abc"), ("Apple", "apple"), ("नमस्ते", "नमसत"), ("ab", "ba"), ("x", ""), ("", "yz")]:
        full = align(original, back)
        assert lost_and_edits(original, back) == (len(full.lost), full.edits)


@pytest.fixture
def minilm():
    return load_tokenizer(f"hf:{shared_path('models/all-MiniLM-L6-v2')}")


def test_lossless_tokenizers_lose_nothing_on_flores(flores_ready, tiktoken_ready):
    corpus = load_corpus("flores200?split=dev")
    specs = ["tiktoken:r50k_base", "tiktoken:cl100k_base", "tiktoken:o200k_base",
             f"tekken:{shared_path('tokenizers/mistral-tekken-240911.json')}",
             f"spm:{shared_path('tokenizers/mistral-7b-v0.1.model')}", "bytes:utf8", "chars:unicode"]
    for spec in specs:
        rows, _ = loss_rows(load_tokenizer(spec), corpus)
        assert rows.height == 204
        assert rows["chars_lost"].max() == 0, spec
        assert rows["roundtrip_exact"].min() == 1.0, spec


def test_claude_v1_loses_only_through_its_nfkc_normaliser(flores_ready):
    """Measured, contrary to the usual claim that byte-level BPE is lossless: the claude-v1 JSON
    has an NFKC normaliser, which folds full-width punctuation ('，' → ',', '（' → '(')."""
    adapter = load_tokenizer(f"hf:{shared_path('tokenizers/claude-v1-tokenizer.json')}")
    rows, _ = loss_rows(adapter, load_corpus("flores200?split=dev&langs=eng_Latn,zho_Hans,jpn_Jpan"))
    by = {r["lang"]: r for r in rows.iter_rows(named=True)}
    assert by["eng_Latn"]["chars_lost"] == 0
    for lang in ("zho_Hans", "jpn_Jpan"):
        assert by[lang]["chars_lost"] > 0
        assert by[lang]["normalizer"] == pytest.approx(by[lang]["chars_lost"])


def test_minilm_loss_attribution(flores_ready, minilm):
    corpus = load_corpus("flores200?split=dev&langs=vie_Latn,fra_Latn,hin_Deva,jpn_Jpan,zho_Hans")
    rows, _ = loss_rows(minilm, corpus)
    by = {r["lang"]: r for r in rows.iter_rows(named=True)}
    for lang in ("vie_Latn", "fra_Latn"):  # lower-casing and diacritics
        assert by[lang]["normalizer"] > 0.9 * by[lang]["chars_lost"] > 0
        assert by[lang]["unknown"] == 0
    assert by["hin_Deva"]["normalizer"] > 0.05  # combining marks stripped
    for lang in ("jpn_Jpan", "zho_Hans"):
        assert by[lang]["unknown"] > 0.2 and by[lang]["unk_chars"] == pytest.approx(by[lang]["unknown"], abs=0.01)
    for r in by.values():
        assert sum(r[s] for s in STAGES) == pytest.approx(r["chars_lost"])


def test_collisions_from_lower_casing(tmp_path, minilm):
    text = tmp_path / "x.txt"
    text.write_text("Apple pie.\napple pie.\nAPPLE PIE.\npear.\n", encoding="utf-8")
    clear_memos("corpora")
    rows, _ = loss_rows(minilm, load_corpus(f"file:{text}?lang=eng_Latn"))
    assert rows["collisions"][0] == 1  # one group of three distinct documents


def test_loss_text_mode(minilm):
    result = run_cli("loss", "-t", minilm.name, "--text", "नमस्ते Apple", width=150)
    assert result.exit_code == 0
    assert "'नमसत apple'" in result.output
