"""Corpora: FLORES layout, file/jsonl/parquet readers, and the download path on loopback."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.server
import io
import tarfile
import threading

import polars as pl
import pytest

from corpora import flores, load_corpus
from corpora.manifest import read_manifest
from toklab.errors import CorpusError, CorruptFileError, MissingFileError
from toklab.memo import clear_memos


@pytest.fixture(autouse=True)
def no_memo():
    clear_memos("corpora")


def test_flores_layout(flores_ready):
    corpus = load_corpus("flores200?langs=eng_Latn,shn_Mymr")
    assert corpus.frame.columns == ["doc_id", "lang", "split", "text"]
    assert corpus.frame.height == 2 * (997 + 1012)
    eng = corpus.frame.filter(pl.col("lang") == "eng_Latn")
    assert eng["doc_id"].to_list() == list(range(2009))
    assert len(load_corpus("flores200?split=dev").langs) == 204


def test_file_jsonl_parquet_share_schema(tiny_parallel, tmp_path):
    from_dir = load_corpus(f"file:{tiny_parallel}")
    assert sorted(from_dir.langs) == ["eng_Latn", "fra_Latn", "jpn_Jpan"]
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text('{"body": "hola", "language": "spa"}\n{"body": "adiós", "language": "spa"}\n', encoding="utf-8")
    from_jsonl = load_corpus(f"jsonl:{jsonl}?text=body&lang=language")
    assert from_jsonl.frame["text"].to_list() == ["hola", "adiós"]
    parquet = tmp_path / "c.parquet"
    from_dir.frame.write_parquet(parquet)
    assert load_corpus(f"parquet:{parquet}").frame.equals(from_dir.frame)


def test_bad_jsonl_line(tmp_path):
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": oops}\n', encoding="utf-8")
    with pytest.raises(CorpusError, match="line 2"):
        load_corpus(f"jsonl:{bad}")


def _flores_files(langs: dict[str, str]) -> dict[str, bytes]:
    return {f"{split}/{lang}.{split}": "".join(f"{word} {i}\n" for i in range(n)).encode()
            for split, n in (("dev", 997), ("devtest", 1012)) for lang, word in langs.items()}


def _tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for relative, data in files.items():
            info = tarfile.TarInfo(f"flores200_dataset/{relative}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def loopback_server(tmp_path, monkeypatch):
    """Serves a two-language release, and a tampered copy of it; the source's manifest (the
    shipped one lists the real release) is replaced by the sums of the files served here."""
    files = _flores_files({"eng_Latn": "hello", "fra_Latn": "bonjour"})
    (tmp_path / "flores200_dataset.tar.gz").write_bytes(_tarball(files))
    tampered = dict(files, **{"dev/fra_Latn.dev": files["dev/fra_Latn.dev"].replace(b"bonjour 5", b"bonsoir 5")})
    (tmp_path / "tampered.tar.gz").write_bytes(_tarball(tampered))
    manifest = tmp_path / "test.sha256"
    manifest.write_text("".join(f"{hashlib.sha256(d).hexdigest()}  {r}\n" for r, d in files.items()))
    monkeypatch.setattr(flores, "FLORES200", dataclasses.replace(flores.FLORES200, manifest=str(manifest)))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_download_once_into_cache(loopback_server, monkeypatch, tmp_path):
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TOKLAB_DATA", raising=False)
    monkeypatch.setenv("TOKLAB_FLORES200_URL", f"{loopback_server}/flores200_dataset.tar.gz")
    seen = []
    corpus = load_corpus("flores200", progress=lambda done, total: seen.append((done, total)))
    assert corpus.langs == ["eng_Latn", "fra_Latn"] and corpus.frame.height == 2 * 2009
    assert seen and seen[-1][0] == seen[-1][1]
    clear_memos("corpora")
    monkeypatch.setenv("TOKLAB_FLORES200_URL", f"{loopback_server}/gone.tar.gz")
    assert load_corpus("flores200?split=dev").frame.height == 2 * 997  # served from the cache


def test_tampered_download_is_refused_and_not_kept(loopback_server, monkeypatch, tmp_path):
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TOKLAB_DATA", raising=False)
    monkeypatch.setenv("TOKLAB_FLORES200_URL", f"{loopback_server}/tampered.tar.gz")
    with pytest.raises(CorruptFileError, match="dev/fra_Latn.dev has sha256"):
        load_corpus("flores200")
    assert not (tmp_path / "home" / "corpora" / "flores200").exists()


def test_shipped_manifest_lists_the_whole_release():
    entries = read_manifest("flores200.sha256")
    assert len(entries) == 411 and sum(r.startswith("devtest/") for r in entries) == 204


def test_offline_download_names_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path))
    monkeypatch.delenv("TOKLAB_DATA", raising=False)
    monkeypatch.setenv("TOKLAB_FLORES200_URL", "http://127.0.0.1:9/flores200_dataset.tar.gz")
    with pytest.raises(MissingFileError, match="TOKLAB_DATA"):
        load_corpus("flores200")
