"""Integration tests over the real tokenizer files in shared/ (skipped when absent)."""

from __future__ import annotations

import pytest

from corpora import load_corpus
from tests.conftest import shared_path
from toklab import load_tokenizer

SAMPLE = "Héllo wörld — नमस्ते, 日本語のテキスト. Ünïcödé 🙂 tabs\tand  spaces\n"


def real_specs() -> list[str]:
    return [
        "tiktoken:r50k_base",
        "tiktoken:cl100k_base",
        "tiktoken:o200k_base",
        f"tiktoken:{shared_path('tokenizers/whisper-multilingual.tiktoken')}?pattern=gpt2",
        f"spm:{shared_path('tokenizers/mistral-7b-v0.1.model')}",
        f"tekken:{shared_path('tokenizers/mistral-tekken-240911.json')}",
        f"hf:{shared_path('tokenizers/claude-v1-tokenizer.json')}",
    ]


@pytest.fixture
def specs(tiktoken_ready):
    return real_specs()


def test_lossless_real_tokenizers_round_trip(specs):
    for spec in specs:
        adapter = load_tokenizer(spec)
        ids = adapter.encode(SAMPLE)
        assert adapter.decode(ids) == SAMPLE, spec
        assert adapter.encode_batch([SAMPLE, "x"])[0] == ids, spec


def test_token_bytes_concatenate_to_text(specs):
    for spec in specs:
        adapter = load_tokenizer(spec)
        joined = b"".join(adapter.token_bytes(i) for i in adapter.encode(SAMPLE))
        if spec.startswith("spm:"):
            joined = joined[1:]  # SentencePiece adds a dummy-prefix space
        assert joined == SAMPLE.encode(), spec


def test_every_adapter_names_a_known_family(specs):
    from toklab.adapters.base import FAMILIES

    for spec in specs + ["bytes:utf8", "chars:unicode", f"hf:{shared_path('models/all-MiniLM-L6-v2')}"]:
        assert load_tokenizer(spec).family in FAMILIES, spec


def test_vocab_sizes(specs):
    sizes = {s.split(":")[0] + ":" + s.split("/")[-1]: load_tokenizer(s).vocab_size for s in specs}
    assert load_tokenizer("tiktoken:r50k_base").vocab_size == 50257
    assert load_tokenizer(specs[3]).vocab_size == 50257  # whisper multilingual ranks
    assert load_tokenizer(specs[4]).vocab_size == 32000
    assert load_tokenizer(specs[5]).vocab_size == 131072  # 1,000 specials + 130,072 ranks
    assert load_tokenizer(specs[6]).vocab_size == 65000, sizes


def test_tekken_reserves_special_ids(specs):
    tekken = load_tokenizer(specs[5])
    ids = tekken.encode("hello")
    assert min(ids) >= 1000
    assert tekken.special_tokens()["<s>"] == 1


def test_spm_pieces_as_bytes(specs):
    spm = load_tokenizer(specs[4])
    byte_piece = spm.processor.piece_to_id("<0xE3>")
    assert spm.token_bytes(byte_piece) == b"\xe3"
    assert spm.token_bytes(spm.processor.piece_to_id("▁the")) == b" the"


def test_minilm_padding_and_truncation_off():
    adapter = load_tokenizer(f"hf:{shared_path('models/all-MiniLM-L6-v2')}")
    assert adapter.family == "wordpiece"
    assert len(adapter.encode("hello")) == 1  # the file pads to 128 and adds [CLS]/[SEP]
    assert len(adapter.encode("word " * 400)) == 400  # and truncates at 128
    assert adapter.decode(adapter.encode("नमस्ते")) == "नमसत"


def test_aliases_follow_vendor_table(tiktoken_ready):
    assert load_tokenizer("gpt-4o").name == "tiktoken:o200k_base"
    assert load_tokenizer("gpt-4").name == "tiktoken:cl100k_base"
    from toklab.registry import parse_tokenizer_spec

    assert parse_tokenizer_spec("text-davinci-003").canonical == "tiktoken:p50k_base"
    assert parse_tokenizer_spec("gpt-5").canonical == "tiktoken:o200k_base"


@pytest.mark.parametrize(
    "spec,expected",
    [("tiktoken:cl100k_base", 52835), ("tiktoken:r50k_base", 52567), ("bytes:utf8", 259396), ("chars:unicode", 259170)],
)
def test_petrov_english_golden_counts(flores_ready, tiktoken_ready, spec, expected):
    corpus = load_corpus("flores200?langs=eng_Latn")
    assert len(load_tokenizer(spec).encode(corpus.joined_text("eng_Latn"))) == expected


def test_show_and_encode_every_scheme_through_the_cli(specs, tiny_parallel):
    import json

    from tests.conftest import run_cli

    every = specs + ["bytes:utf8", "chars:unicode", "gpt-4o", f"hf:{shared_path('models/all-MiniLM-L6-v2')}",
                     f"train:bytebpe?vocab=300&corpus=file:{tiny_parallel}"]
    for spec in every:
        shown = run_cli("tokenizers", "show", spec, "--format", "json")
        assert shown.exit_code == 0, (spec, shown.output)
        assert json.loads(shown.output)["vocab_size"] > 0
        encoded = run_cli("encode", spec, "日本 héllo", "--format", "json")
        assert encoded.exit_code == 0, (spec, encoded.output)
        assert json.loads(encoded.output)["n_tokens"] > 0
