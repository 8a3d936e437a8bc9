"""`train:` specs: deterministic, cached by spec + corpus signature, every kind trains."""

from __future__ import annotations

import pytest

from toklab import load_tokenizer
from toklab.adapters import trained
from toklab.memo import clear_memos


def fresh(spec: str):
    clear_memos("tokenizers")
    return load_tokenizer(spec)


@pytest.mark.parametrize("kind", ["bpe", "wordpiece", "unigram", "bytebpe", "paritybpe"])
def test_every_kind_trains_and_encodes(tiny_parallel, kind):
    adapter = fresh(f"train:{kind}?vocab=300&corpus=file:{tiny_parallel}")
    ids = adapter.encode("The cat sat.")
    assert ids and all(0 <= i < adapter.vocab_size for i in ids)
    assert adapter.name.startswith(f"train:{kind}?corpus=file:")
    if kind in ("bytebpe", "paritybpe"):
        assert adapter.decode(adapter.encode("Bonjour, 世界 🙂")) == "Bonjour, 世界 🙂"


def test_spm_impl(tiny_parallel):
    adapter = fresh(f"train:unigram?vocab=400&impl=spm&corpus=file:{tiny_parallel}")
    assert adapter.library == "sentencepiece"
    assert adapter.decode(adapter.encode("The cat")) == "The cat"


def test_deterministic_across_caches(tiny_parallel, tmp_path, monkeypatch):
    spec = f"train:bytebpe?vocab=320&corpus=file:{tiny_parallel}"
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "a"))
    first = fresh(spec).artifact_hash
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "b"))
    second = fresh(spec).artifact_hash
    assert first == second


def test_second_use_hits_cache(tiny_parallel, monkeypatch):
    spec = f"train:bpe?vocab=310&corpus=file:{tiny_parallel}"
    fresh(spec)

    def refuse(*_a, **_k):
        raise AssertionError("trained again instead of using the cache")

    monkeypatch.setattr(trained, "_hf_components", refuse)
    assert fresh(spec).vocab_size > 0


def test_bad_train_specs_are_spec_errors(tiny_parallel):
    from toklab.errors import SpecError

    for bad in ("train:bpx?vocab=500", "train:bpe?vocab=lots", "train:bpe?vocab=10", "train:wordpiece?impl=spm"):
        with pytest.raises(SpecError):
            fresh(bad + f"&corpus=file:{tiny_parallel}")
