"""Offline, a named tiktoken encoding with no cached file is one line naming the real file tiktoken
looked for, where that folder came from, and TIKTOKEN_CACHE_DIR (it once printed `<tmp>/…`)."""

from __future__ import annotations

import hashlib
import os
import tempfile

import pytest

from tests.conftest import run_cli
from tests.test_errors_cli import assert_one_line_error
from toklab.adapters.tiktoken_adapter import load_named_encoding
from toklab.errors import MissingFileError
from toklab.memo import clear_memos

URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
KEY = hashlib.sha1(URL.encode()).hexdigest()  # tiktoken's cache file name


@pytest.fixture
def offline(monkeypatch):
    """No network and no encoding loaded yet in this process: tiktoken must read its cache."""
    import tiktoken.load
    import tiktoken.registry

    def no_network(blobpath):
        raise ConnectionError(f"offline: {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        monkeypatch.delenv(variable, raising=False)
    clear_memos("tokenizers")
    yield
    clear_memos("tokenizers")


def message(monkeypatch, **env) -> str:
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(MissingFileError) as caught:
        load_named_encoding("o200k_base")
    text = str(caught.value)
    assert "<tmp>" not in text and "\n" not in text and "Set TIKTOKEN_CACHE_DIR" in text
    return text


def test_names_the_folder_given_by_tiktoken_cache_dir(offline, monkeypatch, tmp_path):
    text = message(monkeypatch, TIKTOKEN_CACHE_DIR=str(tmp_path))
    assert f"expected file {tmp_path / KEY} (o200k_base.tiktoken from {URL})" in text
    assert f"(TIKTOKEN_CACHE_DIR={tmp_path})" in text


def test_names_tiktokens_default_folder_when_the_variable_is_unset(offline, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the default is under the temporary folder
    text = message(monkeypatch)
    assert f"expected file {os.path.join(tmp_path, 'data-gym-cache', KEY)}" in text
    assert "tiktoken's default, TIKTOKEN_CACHE_DIR being unset" in text


def test_names_the_older_variable_tiktoken_also_reads(offline, monkeypatch, tmp_path):
    text = message(monkeypatch, DATA_GYM_CACHE_DIR=str(tmp_path))
    assert f"expected file {tmp_path / KEY}" in text and f"(DATA_GYM_CACHE_DIR={tmp_path})" in text


def test_an_empty_variable_turns_the_cache_off(offline, monkeypatch):
    text = message(monkeypatch, TIKTOKEN_CACHE_DIR="")
    assert "no cached file (TIKTOKEN_CACHE_DIR is empty, which turns the cache off)" in text


def test_the_cli_says_it_in_one_line(offline, monkeypatch, tmp_path):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert_one_line_error(run_cli("encode", "tiktoken:o200k_base", "hello"),
                          "not cached and could not be downloaded", str(tmp_path / KEY), "TIKTOKEN_CACHE_DIR=")
