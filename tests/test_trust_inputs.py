"""Bad input, driven through the CLI entry point: one line on stderr naming what and where, a
non-zero exit, no traceback, and no file outside the intended output changed."""

from __future__ import annotations

import base64
import json

import polars as pl
import pytest

from tests.conftest import run_cli, shared_path
from tests.test_errors_cli import assert_one_line_error
from toklab.memo import clear_memos


def snapshot(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def untouched(tmp_path):
    """Asserts after the test that nothing already in tmp_path changed."""
    before = snapshot(tmp_path)
    yield tmp_path
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if k in before} == before


def _tekken(tmp_path, name: str, edit) -> str:
    data = {"config": {"pattern": r"[a-z]+|.", "default_vocab_size": 1256, "default_num_special_tokens": 1000},
            "vocab": [{"rank": i, "token_bytes": base64.b64encode(bytes([i])).decode()} for i in range(256)]}
    edit(data)
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return f"tekken:{path}"


@pytest.mark.parametrize("name, edit, needles", [
    ("nopattern.json", lambda d: d["config"].pop("pattern"), ("nopattern.json", "no 'pattern'")),
    ("badregex.json", lambda d: d["config"].update(pattern="[a-"), ("badregex.json", "not a valid regex")),
    ("nobytes.json", lambda d: d["vocab"][5].pop("token_bytes"), ("nobytes.json", "vocab entry 5")),
])
def test_malformed_tekken(tmp_path, name, edit, needles):
    spec = _tekken(tmp_path, name, edit)
    assert_one_line_error(run_cli("encode", spec, "hi"), *needles)


@pytest.mark.parametrize("record, needles", [
    ({"doc_id": "abc", "text": "hi"}, ("line 1", "'doc_id'", '"abc"', "not an integer")),
    ({"doc_id": None, "text": "hi"}, ("line 1", "null")),
    ({"text": 42}, ("line 1", "'text'", "not a string")),
])
def test_jsonl_field_types(untouched, record, needles):
    path = untouched / "c.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert_one_line_error(run_cli("corpora", "show", f"jsonl:{path}"), str(path), *needles)


def test_parquet_string_doc_id(untouched):
    path = untouched / "c.parquet"
    pl.DataFrame({"doc_id": ["a", "b"], "text": ["x", "y"]}).write_parquet(path)
    assert_one_line_error(run_cli("corpora", "show", f"parquet:{path}"), "column 'doc_id', row 0", "'a'")


def test_audit_on_pivot_only(tiny_parallel):
    assert_one_line_error(run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{tiny_parallel}",
                                  "--langs", "eng_Latn"), "only the pivot", "--langs")


@pytest.mark.parametrize("args, needle", [
    (("audit", "-t", "bytes:utf8", "--resamples", "0"), "--resamples"),
    (("audit", "-t", "bytes:utf8", "--jobs", "0"), "--jobs"),
    (("price", "--scenario", "1,2"), "scenario"),
    (("byte", "sample", "RUN", "--temperature", "nan"), "--temperature"),
    (("byte", "sample", "RUN", "--temperature", "-1"), "--temperature"),
    (("byte", "sample", "RUN", "--top-k", "-3"), "--top-k"),
    (("byte", "sample", "RUN", "--max-bytes", "-5"), "--max-bytes"),
    (("byte", "eval", "RUN", "--batch-size", "0"), "--batch-size"),
    (("byte", "eval", "RUN", "--per-lang", "-1"), "--per-lang"),
    (("byte", "train", "--preset", "tiny", "--minutes", "0"), "no training budget"),
    (("byte", "train", "--preset", "tiny", "--steps", "-5"), "'--steps': -5"),
    (("byte", "train", "--preset", "tiny", "--minutes", "nan"), "--minutes"),
    (("byte", "train", "--preset", "tiny", "--set", "n_head=3"), "not divisible"),
    (("byte", "train", "--preset", "tiny", "--set", "lr=nan"), "lr=nan"),
    (("byte", "train", "--preset", "tiny", "--set", "optimizer=sgd"), "muon, adamw"),
    (("byte", "train", "--preset", "tiny", "--set", "batch_size=0"), "batch_size=0"),
    (("byte", "train", "--preset", "tiny", "--set", "compile=maybe"), "compile"),
    (("byte", "train", "--preset", "tiny", "--set", "qk_norm=perhaps"), "qk_norm"),
])
def test_bad_values_are_one_line(tiny_parallel, tmp_path, args, needle):
    args = tuple(str(tmp_path) if a == "RUN" else a for a in args)
    if args[0] == "audit" or args[0] == "price":
        args = args + ("--corpus", f"file:{tiny_parallel}")
    assert_one_line_error(run_cli(*args), needle)


def test_cuda_device_without_cuda():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert_one_line_error(run_cli("byte", "train", "--preset", "tiny", "--set", "device=cuda"), "CUDA is not available")


def test_unknown_spec_key_suggests_nearest():
    assert_one_line_error(run_cli("encode", "bytes:utf8?special=1", "x"), "unknown parameter 'special'")
    hf = "hf:" + str(shared_path("models/all-MiniLM-L6-v2"))
    assert_one_line_error(run_cli("encode", f"{hf}?special=1", "x"), "did you mean 'specials'")


def test_ambiguous_nested_corpus_is_refused(tiny_parallel):
    raw = f"train:bpe?vocab=300&corpus=file:{tiny_parallel}?lang=xx&split=dev"
    assert_one_line_error(run_cli("encode", raw, "x"), "unknown parameter", "percent-encode", "%26split%3Ddev")


def test_percent_encoded_nested_corpus_is_read(tiny_parallel):
    nested = f"file:{tiny_parallel}%3Fsplit%3Ddev"
    result = run_cli("encode", f"train:bpe?vocab=300&corpus={nested}", "cat", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "split%3Ddev" in json.loads(result.output)["tokenizer"]


def test_unknown_corpus_key(tiny_parallel):
    assert_one_line_error(run_cli("corpora", "show", f"file:{tiny_parallel}?lnags=eng_Latn"),
                          "unknown parameter 'lnags'", "did you mean 'langs'")


def test_langs_filters_a_user_corpus(tiny_parallel):
    result = run_cli("corpora", "show", f"file:{tiny_parallel}?langs=eng_Latn,fra_Latn", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [row["lang"] for row in json.loads(result.output)["langs"]] == ["eng_Latn", "fra_Latn"]


def test_crlf_and_bom_do_not_change_counts(tiny_parallel, tmp_path):
    windows = tmp_path / "windows"
    windows.mkdir()
    for path in tiny_parallel.iterdir():
        (windows / path.name).write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    outputs = []
    for folder in (tiny_parallel, windows):
        result = run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{folder}", "--format", "json")
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(result.output))
    assert [r["premium"] for r in outputs[0]["rows"]] == [r["premium"] for r in outputs[1]["rows"]]
    assert "bom_stripped:3|crlf_normalised:12" in outputs[1]["signature"]
    kept = run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{windows}?keep=crlf,bom", "--format", "json")
    assert [r["bytes"] for r in json.loads(kept.output)["rows"]] != [r["bytes"] for r in outputs[0]["rows"]]


def test_document_size_limit(untouched):
    big = untouched / "big"
    big.mkdir()
    (big / "eng_Latn.txt").write_text("word " * 400_000 + "\n")  # one 2 MB line
    (big / "fra_Latn.txt").write_text("mot\n")
    assert_one_line_error(run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{big}?max_doc_mb=1"),
                          "document 0 of language eng_Latn", "1 MB limit", "max_doc_mb")


def test_output_folder_checked_before_work(tiny_parallel, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{tiny_parallel}", "--format", "csv",
                     "-o", str(blocker / "out.csv"))
    assert_one_line_error(result, "is a file, not a folder")


def test_gpt2_names_its_two_files(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")

    clear_memos("tokenizers")
    assert_one_line_error(run_cli("encode", "gpt2", "x"), "vocab.bpe", "encoder.json", "tiktoken:r50k_base")


def test_missing_local_hf_path_is_not_a_silent_hub_request(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(run_cli("encode", "hf:models/all-MiniLM-L6-v2", "x"),
                          "neither a local path", str(tmp_path))


def test_offline_flores_names_the_real_option(tmp_path, monkeypatch):
    monkeypatch.delenv("TOKLAB_DATA", raising=False)
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path))
    monkeypatch.setenv("TOKLAB_FLORES200_URL", "http://127.0.0.1:9/flores200_dataset.tar.gz")

    clear_memos("corpora")
    result = run_cli("corpora", "show", "flores200?langs=eng_Latn")
    assert_one_line_error(result, '--corpus "flores200?path=DIR"', "looked in", "TOKLAB_DATA")
    assert "--data-dir" not in result.output
