"""Streamed corpora: read block by block, they give exactly the audit of the corpus loaded whole."""

from __future__ import annotations

import json

import polars as pl
import pytest

from corpora import load_corpus
from corpora.readers import Block, _jsonl_fast, _jsonl_lines
from corpora.stream import open_stream
from tests.conftest import run_cli
from toklab import load_tokenizer
from toklab.errors import CorpusError, SpecError
from toklab.memo import clear_memos
from toklab.premium.audit import AuditOptions, run_audit
from toklab.premium.measure import MeasureOptions
from toklab.spec import Spec


@pytest.fixture(autouse=True)
def no_memo():
    clear_memos()


@pytest.fixture
def flores_jsonl(flores_ready, tmp_path):
    """Three FLORES languages as JSON lines, half the records ASCII-escaped, one with an emoji pair."""
    corpus = load_corpus("flores200?split=dev&langs=eng_Latn,hin_Deva,zho_Hans")
    path = tmp_path / "c.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for row in corpus.frame.iter_rows(named=True):
            if row["doc_id"] == 5:
                row["text"] += " 😀"
            handle.write(json.dumps(row, ensure_ascii=bool(row["doc_id"] % 2)) + "\n")
    return path


def adapters(tiktoken_ready):
    return [load_tokenizer("tiktoken:cl100k_base"), load_tokenizer("bytes:utf8")]


@pytest.mark.parametrize("jobs,block", [(1, 1 << 14), (2, 1 << 16)])
def test_streamed_audit_equals_the_whole_audit(flores_jsonl, tiktoken_ready, jobs, block):
    tokenizers = adapters(tiktoken_ready)
    whole = run_audit(tokenizers, load_corpus(f"jsonl:{flores_jsonl}"), AuditOptions())
    stream = open_stream(f"jsonl:{flores_jsonl}", block_bytes=block)
    assert stream.expected_blocks > 5  # many blocks: boundaries cut documents of every language
    streamed = run_audit(tokenizers, stream, AuditOptions(measure=MeasureOptions(jobs=jobs)))
    assert streamed.rows.equals(whole.rows)
    assert f"content:{stream.content_hash[:16]}|content_of:file_bytes|read:stream" in streamed.signature
    cached = run_audit(tokenizers, open_stream(f"jsonl:{flores_jsonl}", block_bytes=block), AuditOptions())
    assert cached.rows.equals(whole.rows) and cached.signature == streamed.signature


def test_edited_file_is_measured_again(flores_jsonl, tiktoken_ready):
    tokenizers = adapters(tiktoken_ready)[:1]
    before = run_audit(tokenizers, open_stream(f"jsonl:{flores_jsonl}"), AuditOptions())
    text = flores_jsonl.read_text(encoding="utf-8")
    flores_jsonl.write_text(text.replace("the", "thx", 50), encoding="utf-8")  # same size, same lines
    after = run_audit(tokenizers, open_stream(f"jsonl:{flores_jsonl}"), AuditOptions())
    assert after.signature != before.signature and not after.rows.equals(before.rows)


def test_text_directory_and_parquet_stream_like_they_load(tiny_parallel, tmp_path):
    for spec in (f"file:{tiny_parallel}", f"file:{tiny_parallel}?langs=eng_Latn,fra_Latn"):
        streamed = pl.concat([b.frame for b in open_stream(spec, block_bytes=64).blocks()])
        assert streamed.equals(load_corpus(spec).frame.sort("lang", maintain_order=True)), spec
    parquet = tmp_path / "c.parquet"
    load_corpus(f"file:{tiny_parallel}").frame.drop("doc_id").write_parquet(parquet, row_group_size=3)
    streamed = pl.concat([b.frame for b in open_stream(f"parquet:{parquet}", block_bytes=512).blocks()])
    assert streamed.equals(load_corpus(f"parquet:{parquet}").frame)


def test_json_fast_path_reads_what_the_line_reader_reads(tmp_path):
    spec = Spec.parse(f"jsonl:{tmp_path}/x.jsonl")
    raw = ('{"text": "h\\u00e9 \\ud83d\\ude00", "lang": "fra", "doc_id": 5}\n'
           '{"text": "x\\u2028y", "lang": "eng", "doc_id": 7, "extra": [1]}\n').encode()
    fast = _jsonl_fast(Block(tmp_path / "x.jsonl", raw, 9), spec)
    assert fast is not None and fast.equals(_jsonl_lines(raw.decode(), Block(tmp_path / "x.jsonl", raw, 9), spec))
    for declined in (b'{"text": "lone \\ud800"}\n', b'{"text": "a"}\n\n{"text": "b"}\n', b'{"text": "a"}\r\n',
                     b'{"text": "a", "doc_id": "7"}\n', b'{"text": "a"}\n{"text": "b", "lang": null}\n'):
        assert _jsonl_fast(Block(tmp_path / "x.jsonl", declined), spec) is None, declined


def test_bad_line_in_a_later_block_is_named_by_its_file_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text("".join(f'{{"text": "line {i}"}}\n' for i in range(500)) + '{"text": oops}\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"line 501: not valid JSON"):
        list(open_stream(f"jsonl:{path}", block_bytes=256).blocks())


def test_line_without_break_is_refused_before_it_is_read_whole(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"text": "' + b"x" * 7_000_000)
    with pytest.raises(CorpusError, match=r"line 1 \(byte offset 0\): longer than 6 MB"):
        list(open_stream(f"jsonl:{path}?max_doc_mb=1", block_bytes=1 << 16).blocks())


def test_cli_audit_streams_user_files(flores_jsonl, tiktoken_ready):
    result = run_cli("audit", "-t", "bytes:utf8", "--corpus", f"jsonl:{flores_jsonl}", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert "read:stream" in payload["signature"] and len(payload["rows"]) == 3
    refused = run_cli("audit", "-t", "bytes:utf8", "--corpus", f"jsonl:{flores_jsonl}", "--langs", "fra_Latn")
    assert refused.exit_code != 0 and "no documents of language fra_Latn" in refused.output


def test_ray_executor_gives_the_local_result_bit_for_bit(flores_jsonl, tiktoken_ready, tmp_path, monkeypatch):
    """A local Ray instance measures the blocks as tasks; rows and signature equal the local run's."""
    ray = pytest.importorskip("ray", reason="the ray extra is not installed: pip install 'toklab[ray]'")
    tokenizers = adapters(tiktoken_ready)
    spec = f"jsonl:{flores_jsonl}"
    try:
        on_ray = run_audit(tokenizers, open_stream(spec, block_bytes=1 << 15), AuditOptions(measure=MeasureOptions(executor="ray")))
        assert ray.is_initialized()
    finally:
        ray.shutdown()
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "another-home"))  # measured afresh, not read from Ray's cache
    local = run_audit(tokenizers, open_stream(spec, block_bytes=1 << 15), AuditOptions())
    assert on_ray.rows.equals(local.rows) and on_ray.signature == local.signature


def test_ray_executor_refuses_a_corpus_held_in_memory(flores_ready, tiktoken_ready):
    with pytest.raises(SpecError, match="streamed corpus"):
        run_audit(adapters(tiktoken_ready), load_corpus("flores200?split=dev&langs=eng_Latn,fra_Latn"),
                  AuditOptions(measure=MeasureOptions(executor="ray")))


def test_unreachable_ray_address_is_one_line_not_a_wait(tiny_parallel, monkeypatch):
    import socket

    from tests.test_errors_cli import assert_one_line_error

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("RAY_ADDRESS", f"127.0.0.1:{port}")
    result = run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{tiny_parallel}", "--executor", "ray")
    assert_one_line_error(result, f"RAY_ADDRESS=127.0.0.1:{port}", "unset RAY_ADDRESS")
