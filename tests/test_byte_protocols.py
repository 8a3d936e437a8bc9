"""Evaluation protocols and held-out validation: the same bytes under every protocol, no byte
scored by weights that have seen it, validation that never reads the evaluation corpus."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from byte_model import config as C
from byte_model.data import Documents, Vocabulary, split_validation
from byte_model.model import Transformer
from byte_model.protocols import context_bits, document_bits, dynamic_bits
from byte_model.streams import LanguageStream, language_streams, per_document_bits, stream_windows
from tests.conftest import run_cli
from tests.test_byte_model import Uniform

VOCAB = Vocabulary("bytes:utf8", 256)
TEXTS = {"eng": ["The cat sat on the mat.", "A" * 70, "Tokenizers cost money."],
         "jpn": ["猫がマットの上に座った。", "こんにちは世界！"]}
CONTEXT = {"eng": ["Earlier English text, the dev split.", "More of it."], "jpn": ["前の文。"]}


def byte_ids(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8).astype(np.int64)


def documents() -> Documents:
    langs = [lang for lang, texts in TEXTS.items() for _ in texts]
    ids = [byte_ids(t) for texts in TEXTS.values() for t in texts]
    return Documents(ids, langs, np.array([len(i) for i in ids]))


def streams(ctx: int) -> list[LanguageStream]:
    context = {lang: [byte_ids(t) for t in texts] for lang, texts in CONTEXT.items()}
    return language_streams(documents(), VOCAB, context, tail=ctx)


def tiny_model(ctx: int = 16, seed: int = 0) -> Transformer:
    torch.manual_seed(seed)
    model = Transformer(C.ModelConfig(vocab_size=VOCAB.size, d_model=32, n_layer=1, n_head=2, ctx=ctx))
    for p in model.parameters():  # the zero-initialised residual branches would make a constant model
        torch.nn.init.normal_(p, std=0.1)
    return model.eval()


def test_streams_count_each_document_id_once_and_nothing_else():
    docs = documents()
    for stream in streams(ctx=16):
        counted = stream.doc_of[stream.doc_of >= 0]
        for d in set(counted.tolist()):
            assert stream.ids[stream.doc_of == d].tolist() == docs.ids[d].tolist()
    for first in (1, 5):
        targets = [t for w in stream_windows(60, first, ctx=16, stride=8) for t in range(w.new_from, w.stop + 1)]
        assert targets == list(range(first, 60))  # every target once, in order
        assert all(w.stop - w.start <= 16 for w in stream_windows(60, first, ctx=16, stride=8))


def test_every_protocol_scores_exactly_the_same_ids():
    """A model that gives every id the same probability scores log2(V) bits per counted id under
    any context, so equal totals mean equal ids counted."""
    docs = documents()
    expected = np.array([len(i) * math.log2(VOCAB.size) for i in docs.ids])
    model = Uniform(VOCAB.size, ctx=16)
    isolated = document_bits(model, docs, VOCAB, batch_size=2)
    lanes = streams(ctx=16)
    context = per_document_bits(lanes, context_bits(model, lanes, VOCAB.pad, batch_size=3), len(docs.ids))
    dynamic = per_document_bits(lanes, dynamic_bits(model, lanes, VOCAB.pad, lr=0.1), len(docs.ids))
    for bits in (isolated, context, dynamic):
        assert bits == pytest.approx(expected)


def test_context_scores_every_counted_position_of_a_real_model():
    model, lanes = tiny_model(), streams(ctx=16)
    for lane, bits in zip(lanes, context_bits(model, lanes, VOCAB.pad, batch_size=4)):
        counted = lane.doc_of >= 0
        assert np.isfinite(bits[counted]).all() and (bits[counted] > 0).all()


def test_dynamic_scores_each_byte_before_any_update_that_has_seen_it():
    """Changing the text after position k must leave the scores up to k unchanged — whether k
    ends a segment or falls inside one (an update on a segment before scoring it would leak)."""
    model, lanes = tiny_model(), streams(ctx=16)
    lane = lanes[0]
    base = dynamic_bits(model, [lane], VOCAB.pad, lr=1e-2)[0]
    context = context_bits(model, [lane], VOCAB.pad)[0]
    later = lane.first_counted + 40
    assert not np.allclose(base[later:], context[later:])  # the adaptation really changes later scores
    for k in (lane.first_counted + 3, lane.first_counted + 16, lane.first_counted + 29, len(lane.ids) - 5):
        changed = lane.ids.copy()
        changed[k + 1:] = (changed[k + 1:] + 1) % 256
        other = dynamic_bits(model, [LanguageStream(lane.lang, changed, lane.doc_of)], VOCAB.pad, lr=1e-2)[0]
        scored = ~np.isnan(base[: k + 1])
        np.testing.assert_allclose(other[: k + 1][scored], base[: k + 1][scored], rtol=1e-5, atol=1e-5)
        assert not np.allclose(other[k + 1:], base[k + 1:])


def test_dynamic_resets_weights_for_every_language():
    model, lanes = tiny_model(), streams(ctx=16)
    together = dynamic_bits(model, lanes, VOCAB.pad, lr=1e-2)
    alone = dynamic_bits(model, lanes[1:], VOCAB.pad, lr=1e-2)
    np.testing.assert_allclose(together[1], alone[0], rtol=1e-5, atol=1e-5)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    dynamic_bits(model, lanes, VOCAB.pad, lr=1e-2)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # the caller's model is untouched


def parallel_corpus(folder, lines: int = 40):
    folder.mkdir()
    for lang, word in (("eng_Latn", "sentence"), ("fra_Latn", "phrase")):
        (folder / f"{lang}.txt").write_text("".join(f"{word} number {i} of the text.\n" for i in range(lines)),
                                            encoding="utf-8")
    return folder


def test_validation_split_holds_out_the_same_documents_in_every_language(tmp_path):
    from corpora import load_corpus

    frame = load_corpus(f"file:{parallel_corpus(tmp_path / 'par')}").frame
    train, validation = split_validation(frame, 0.5)
    assert validation.height and train.height + validation.height == frame.height
    by_lang = {lang: set(part["doc_id"]) for (lang,), part in validation.group_by("lang")}
    assert by_lang["eng_Latn"] == by_lang["fra_Latn"] == set(range(10, 20)) | set(range(30, 40))
    assert not set(train["doc_id"]) & by_lang["eng_Latn"]


def test_training_validates_without_reading_the_evaluation_corpus(tmp_path, monkeypatch):
    import corpora

    corpus = f"file:{parallel_corpus(tmp_path / 'par')}"
    read: list[str] = []
    real = corpora.load_corpus
    monkeypatch.setattr(corpora, "load_corpus", lambda spec, *a, **k: read.append(str(spec)) or real(spec, *a, **k))
    from byte_model.train import BEST, VALIDATION, Trainer

    model, train = C.preset("tiny")
    train = dataclasses.replace(train, corpus=corpus, eval_corpus="flores200?split=devtest", steps=12, eval_every=4,
                                val_fraction=0.5, val_windows=8)
    trainer = Trainer(tmp_path / "run", model, train)
    trainer.run()
    assert read == [corpus]
    rows = (tmp_path / "run" / VALIDATION).read_text().splitlines()
    assert rows[0] == "step,elapsed_s,val_bpb,best_val_bpb" and [r.split(",")[0] for r in rows[1:]] == ["4", "8", "12"]
    assert (tmp_path / "run" / BEST).is_file() and trainer.state.best_step in (4, 8, 12)


def test_early_stop_ends_the_run_and_says_why(tmp_path):
    from byte_model.train import Trainer

    model, train = C.preset("tiny")
    train = dataclasses.replace(train, corpus=f"file:{parallel_corpus(tmp_path / 'par')}", steps=200, eval_every=1,
                                val_fraction=0.5, val_windows=4, lr=10.0, muon_lr=10.0, early_stop=2, grad_clip=100.0)
    trainer = Trainer(tmp_path / "run", model, train)
    state = trainer.run()
    assert state.step < 200 and "stopped early" in state.stopped_early


def test_cli_eval_under_every_protocol(tmp_path):
    corpus = f"file:{parallel_corpus(tmp_path / 'par')}"
    run = tmp_path / "run"
    result = run_cli("byte", "train", "--preset", "tiny", "--out", str(run), "--set", f"corpus={corpus}",
                     "--set", "val_fraction=0.5", "--set", "eval_every=5")
    assert result.exit_code == 0, result.output
    totals = {}
    for protocol in ("isolated", "context", "dynamic"):
        result = run_cli("byte", "eval", str(run), "--corpus", corpus, "--protocol", protocol, "--format", "json")
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        totals[protocol] = sum(r["bytes"] for r in payload["rows"])
        assert f"protocol:{'isolated_sentences' if protocol == 'isolated' else protocol}" in payload["signature"]
    assert len(set(totals.values())) == 1
