"""The adapter contract: every built-in adapter answers the pipeline questions analyzers ask, and an
adapter that cannot answer is reported as not measurable, never given a guessed verdict."""

from __future__ import annotations

import numpy as np
import pytest

from corpora import Corpus
from corpora.frame import make_frame
from tests.test_adapters_real import real_specs
from toklab import load_tokenizer
from toklab.adapters.base import Adapter, NotMeasurable
from toklab.glitch import categorise
from toklab.loss import run_loss
from toklab.spec import Spec
from toklab.token_offsets import global_boundaries, joined_bytes

TEXTS = ["Hello  wörld", "日本語のテキスト", "", "ﬁ x\u0301 \t end"]


class LowercasingBytes(Adapter):
    """A lossy adapter that implements only the core surface: it lower-cases, but says nothing
    about how, so no analyzer may name the stage that lost the capitals."""

    family = "bytes"
    vocab_size = 256

    def __init__(self):
        self.spec = Spec("test", "lowercasing-bytes")

    def encode(self, text: str) -> list[int]:
        return list(text.lower().encode("utf-8"))

    def token_bytes(self, token_id: int) -> bytes:
        return bytes([token_id])


@pytest.fixture
def builtin_adapters(tiktoken_ready):
    from toklab.rendering.fonts import FontSet, FontsMissing

    try:  # the rendering scheme where Debian's Noto fonts are installed (tests/test_pixels.py says so otherwise)
        rendering = [FontSet() and "pixels:noto"]
    except FontsMissing:
        rendering = []
    return [load_tokenizer(spec) for spec in [*real_specs(), "bytes:utf8", "chars:unicode", *rendering]]


def test_builtin_adapters_answer_every_pipeline_question(builtin_adapters):
    for adapter in builtin_adapters:
        for text in TEXTS:
            normalized = adapter.normalize(text)
            spans = adapter.pre_tokenize(normalized)
            assert all(0 <= a <= b <= len(normalized) for a, b in spans), adapter.name
        assert adapter.piece_context(adapter.encode("hello")[0]) in ("whole", "word_start", "continuation")
        assert adapter.byte_fallback_ids().dtype == np.int64


def test_token_end_offsets_close_every_text(builtin_adapters):
    """Offsets from `analyse` (or token byte lengths) end exactly at each text's last byte."""
    texts = ["Hello  world", "日本語のテキスト", "plain ascii"]
    data, starts = joined_bytes(texts)
    lengths = [len(t.encode()) for t in texts]
    for adapter in builtin_adapters:
        if adapter.name.startswith(("spm:", "hf:")):
            continue  # normalising schemes: their offsets point into the input, checked in test_loss
        flat = adapter.analyse_flat(texts)
        ends = global_boundaries(adapter, flat, starts)
        per_doc = np.split(ends, np.cumsum(flat.counts)[:-1])
        assert [int(e[-1] - s) for e, s in zip(per_doc, starts)] == lengths, adapter.name
    assert data.size == sum(lengths) + len(texts) - 1


def test_an_adapter_without_pipeline_is_not_measurable_in_loss():
    adapter = LowercasingBytes()
    with pytest.raises(NotMeasurable):
        adapter.normalize("Hello")
    frame = make_frame({"doc_id": [0, 1], "lang": ["eng_Latn"] * 2, "split": ["test"] * 2,
                        "text": ["Hello World", "all lower"]})
    result = run_loss([adapter], Corpus(Spec("test", "inline"), frame))
    row = result.rows.row(0, named=True)
    assert row["chars_lost"] == pytest.approx(2 / 20)  # 'H' and 'W' did not come back
    assert row["normalizer"] is None and row["decoder"] is None and row["unknown"] == 0
    assert result.summary["dominant_loss"].to_list() == ["not measurable"]


def test_an_adapter_without_pipeline_gets_no_guessed_glitch_reason():
    frame = categorise(LowercasingBytes())
    capital_a = frame.filter(frame["id"] == ord("A")).row(0, named=True)
    assert capital_a["category"] == "unreachable"
    assert capital_a["reason"] == "not_measurable"


def test_flat_analysis_is_the_per_text_analysis_flattened(builtin_adapters):
    """`analyse_flat` (the audit's fast path) gives exactly the ids, counts, offsets and unknown
    counts of `analyse`, for every adapter, empty texts and special-token strings included."""
    texts = [*TEXTS, "<|endoftext|> and <s> [CLS] stay text", "x" * 3000]
    for adapter in builtin_adapters:
        flat, analysis = adapter.analyse_flat(texts), adapter.analyse(texts)
        assert flat.counts.tolist() == [len(ids) for ids in analysis.ids], adapter.name
        assert flat.ids.tolist() == [i for ids in analysis.ids for i in ids], adapter.name
        assert flat.unk_chars.tolist() == list(analysis.unk_chars), adapter.name
        if flat.ends is None and analysis.ends is not None:
            # a byte-level fast path: token ends follow from token lengths, exact only when the
            # tokens spell every text byte for byte
            spelled = np.split(adapter.byte_lengths[flat.ids], np.cumsum(flat.counts)[:-1])
            assert [int(s.sum()) for s in spelled] == [len(t.encode()) for t in texts], adapter.name
        elif analysis.ends is None:
            assert flat.ends is None, adapter.name
        else:
            assert flat.ends.tolist() == [int(e) for ends in analysis.ends for e in ends], adapter.name
