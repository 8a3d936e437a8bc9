"""Round-trip properties for every lossless adapter (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from toklab import load_tokenizer
from toklab.token_offsets import global_boundaries


def token_ends(adapter, text: str) -> np.ndarray:
    """Byte offsets where the tokens of one text end, as analyzers compute them."""
    return global_boundaries(adapter, adapter.analyse_flat([text]), np.zeros(1, np.int64))


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)


@given(TEXT)
def test_bytes_round_trip(text):
    adapter = load_tokenizer("bytes:utf8")
    ids = adapter.encode(text)
    assert len(ids) == len(text.encode("utf-8"))
    assert adapter.decode(ids) == text
    assert token_ends(adapter, text)[-1:].tolist() == ([len(text.encode())] if text else [])


@given(TEXT)
def test_chars_round_trip(text):
    adapter = load_tokenizer("chars:unicode")
    ids = adapter.encode(text)
    assert len(ids) == len(text)
    assert adapter.decode(ids) == text
    assert b"".join(adapter.token_bytes(i) for i in ids) == text.encode()
    assert token_ends(adapter, text)[-1:].tolist() == ([len(text.encode())] if text else [])


def test_byte_level_tiktoken_round_trip(tiktoken_ready):
    from tests.test_adapters_real import real_specs

    # SentencePiece and the claude-v1 JSON normalise (NFKC: 'ſ' → 's'), so they are not lossless
    # for every string; the byte-level tiktoken-family encoders are.
    adapters = [load_tokenizer(s) for s in real_specs() if s.startswith(("tiktoken:", "tekken:"))]

    @settings(max_examples=150, deadline=None)
    @given(TEXT)
    def check(text):
        for adapter in adapters:
            ids = adapter.encode(text)
            assert adapter.decode(ids) == text, adapter.name
            assert b"".join(adapter.token_bytes(i) for i in ids) == text.encode(), adapter.name

    check()
