"""Glitch v3: every token judged (line endings and characters no reference holds), categories that
agree with the encoder's own output, the code and markup reference, the leftover-merge signal, and
the weight-free ranking's agreement with weights per tier of evidence."""

from __future__ import annotations

import base64
import json

import numpy as np
import polars as pl
import pytest

from corpora import load_corpus
from tests.conftest import run_cli, shared_path
from toklab import load_tokenizer
from toklab.glitch.mismatch import FLOOR, never_producible
from toklab.glitch.scan import scan
from toklab.glitch.signals import corpus_counts
from toklab.glitch.text_files import code_reference, files_reference, stdlib_files
from toklab.glitch.weights import tier_agreement

# A hand-made vocabulary: bytes, then each string's merge chain (ranks follow this order).
STRINGS = [" the", " thing", ";\r", ");\r", " Zorb", " ZorbQuux", " Vexlar", "\tif"]


def ranks_file(folder) -> str:
    tokens = [bytes([b]) for b in range(256)]
    for text in STRINGS:
        raw = text.encode()
        tokens += [raw[:n] for n in range(2, len(raw) + 1) if raw[:n] not in tokens]
    path = folder / "handmade.tiktoken"
    path.write_text("".join(f"{base64.b64encode(t).decode()} {rank}\n" for rank, t in enumerate(tokens)))
    return f"tiktoken:{path}?pattern=cl100k"  # cl100k's pattern keeps ");\r\n" in one piece


def prose(folder, lines: list[str]):
    path = folder / "prose.jsonl"
    path.write_text("".join(json.dumps({"text": t, "lang": "eng_Latn"}) + "\n" for t in lines))
    return load_corpus(f"jsonl:{path}")


@pytest.fixture()
def handmade(tmp_path):
    adapter = load_tokenizer(ranks_file(tmp_path))
    corpus = prose(tmp_path, ["the thing is the thing", "the ZorbQuux is the thing", "a very relaxed Val"] * 5)
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    (code_dir / "unix.py").write_bytes(b"def f(x):\n\tif x:\n\t\treturn g(x);\n")  # LF only: no carriage return
    code = code_reference([code_dir], stdlib=False)
    return adapter, corpus, code


def rows_by_token(result) -> dict[bytes, dict]:
    return {bytes.fromhex(r["bytes"]): r for r in result.frame.iter_rows(named=True)}


def test_a_token_with_a_character_no_reference_holds_is_judged_as_never_seen(handmade):
    adapter, corpus, code = handmade
    by_token = rows_by_token(scan(adapter, corpus, words=False, code=code))
    crlf = by_token[b";\r"]
    assert crlf["evidence"] == "mismatch" and crlf["free_rank"] is not None  # judged, no longer ranked last
    assert crlf["frequency"] == 0 and crlf["unseen_characters"] == "U+000D"
    assert "none holds U+000D (carriage return)" in crlf["why"]
    # the finest floor of all: no text judged could hold it, so it outranks an absent string of the same rank
    assert crlf["mismatch"] == pytest.approx(-np.log10(crlf["id"] + 1) - np.log10(FLOOR))
    absent = by_token[b" Vexlar"]  # a later merge whose characters the references do hold
    assert absent["frequency"] == 0 and absent["unseen_characters"] is None
    assert crlf["free_rank"] < absent["free_rank"]
    assert set(crlf["judged_by"].split("+")) == {"prose", "files"}


def test_line_endings_are_kept_as_they_are_so_crlf_code_judges_crlf_tokens(handmade, tmp_path):
    adapter, corpus, _code = handmade
    windows = tmp_path / "windows.c"
    windows.write_bytes(b"int main() {\r\n    f(x);\r\n    return 0;\r\n}\r\n")
    by_token = rows_by_token(scan(adapter, corpus, words=False, code=code_reference([windows], stdlib=False)))
    crlf = by_token[b";\r"]
    assert crlf["unseen_characters"] is None and crlf["judged_by"] == "files"
    assert crlf["count_files"] >= 1 and crlf["frequency"] > 0  # produced where the file has "0;\r\n"


def test_the_code_reference_is_signed_by_content(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    first = code_reference([path], stdlib=False)
    path.write_text("x = 2\n")
    second = code_reference([path], stdlib=False)
    assert first.signature.get("content") != second.signature.get("content")
    assert first.signature.get("n") == "1" and first.signature.get("bytes") == "6"
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))  # not UTF-8: skipped, and counted
    mixed = files_reference([path, tmp_path / "latin1.txt"], "files")
    assert mixed.signature.get("skipped") == "1" and mixed.rows.height == 1


def test_stdlib_reference_holds_code_and_leaves_out_tests():
    files = stdlib_files()
    assert len(files) > 300 and all("test" not in f.parts and "site-packages" not in f.parts for f in files)
    assert any(f.name == "json" or f.suffix == ".py" for f in files)


def test_glitch_cli_names_a_missing_reference_file(tmp_path):
    result = run_cli("glitch", "bytes:utf8", "--reference", "none", "--no-words", "--no-code",
                     "--reference-files", str(tmp_path / "nowhere.log"))
    assert result.exit_code != 0 and len(result.output.strip().splitlines()) == 1
    assert "nowhere.log" in result.output and "no such file or folder" in result.output


def test_leftover_merge_survival_is_a_column(handmade):
    adapter, corpus, code = handmade
    by_token = rows_by_token(scan(adapter, corpus, words=False, code=code))
    assert by_token[b" Zorb"]["survival"] == pytest.approx(1 / 6)  # 5 occurrences, always inside " ZorbQuux"
    assert by_token[b" ZorbQuux"]["survival"] is None  # produced often: not searched
    assert by_token[b" Zorb"]["mismatch"] > by_token[b" ZorbQuux"]["mismatch"]


@pytest.fixture(scope="module")
def mistral():
    return load_tokenizer(f"spm:{shared_path('tokenizers/mistral-7b-v0.1.model')}")


def test_sentencepiece_categories_by_construction(mistral):
    frame = scan(mistral, words=False).frame  # categories alone: no reference text
    by_piece = {mistral.token_string(i): row for i, row in enumerate(frame.sort("id").iter_rows(named=True))}
    assert by_piece["▁"]["category"] == "in_context"  # alone it encodes to nothing; before a digit it is emitted
    invalid = frame.filter(pl.col("category") == "invalid_byte")
    assert sorted(int(h, 16) for h in invalid["bytes"]) == [0xC0, 0xC1, *range(0xF5, 0x100)]
    assert (invalid["evidence"] == "never producible").all()


def test_no_token_the_reference_produces_is_called_never_producible(mistral, tmp_path):
    frame = scan(mistral, words=False).frame.sort("id")  # the categories' own verdict
    texts = load_corpus("flores200?split=dev&langs=eng_Latn,deu_Latn,hin_Deva,zho_Hans,amh_Ethi").frame["text"].to_list()
    texts += [p.read_text(encoding="utf-8") for p in stdlib_files()[:40]]
    produced = corpus_counts(mistral, texts) > 0
    never = frame.select(never_producible()).to_series().fill_null(False).to_numpy()
    assert produced.sum() > 10_000 and not (never & produced).any()


def test_weight_agreement_is_reported_per_tier():
    frame = pl.DataFrame({"evidence": ["never producible"] * 4 + ["mismatch"] * 6})
    free = -np.arange(1, 11, dtype=float)  # rank 1 first
    near = np.array([1, 1, 0, 1, 1, 0, 1, 0, 0, 0], dtype=bool)
    tiers = tier_agreement(frame, free, near)
    assert tiers["never producible"]["tokens"] == 4 and tiers["never producible"]["near_untrained"] == 0.75
    assert tiers["mismatch"]["auroc"] == pytest.approx(7 / 8)  # near rows 1st and 3rd of 6: 7 of 8 pairs right
