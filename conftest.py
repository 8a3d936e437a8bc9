"""The docstring examples of toklab/, corpora/ and byte_model/ run as tests (`--doctest-modules`),
outside tests/ and its conftest. Here they get what every test gets: their own TOKLAB_HOME and
temporary directory (nothing lands in the user's cache or in /tmp), offline hubs, and a skip that
names the variable to set when an example needs real data that this machine does not hold (an
example never downloads it)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem


def data_folder(variable: str, under_shared: str, inside: str = "") -> Path | None:
    """`$variable`, else `$TOKLAB_SHARED/under_shared`, where that folder (holding `inside`) exists."""
    shared = os.environ.get("TOKLAB_SHARED")
    for folder in (os.environ.get(variable), shared and str(Path(shared) / under_shared)):
        if folder and (Path(folder) / inside).is_dir():
            return Path(folder)
    return None


def quoted(source: str) -> list[str]:
    return re.findall(r"[\"']([^\"'\n]+)[\"']", source)


def needs_flores(source: str) -> bool:
    """A FLORES-200 corpus spec ("flores200?split=dev…"), not a mere mention inside another spec."""
    return any(text.startswith("flores200") for text in quoted(source))


def needs_tiktoken_files(source: str) -> bool:
    """A `tiktoken:` spec, or a model name that tiktoken's own table maps to an encoding."""
    from toklab.aliases import openai_encoding

    return any(text.startswith("tiktoken:") or openai_encoding(text) for text in quoted(source))


@pytest.fixture(autouse=True)
def isolated_doctest(request, tmp_path, monkeypatch):
    if not isinstance(request.node, DoctestItem):
        return  # tests/conftest.py isolates the tests proper
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "toklab-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the examples' tempfile.mkdtemp()
    source = "\n".join(example.source for example in request.node.dtest.examples)
    flores = data_folder("TOKLAB_DATA", "corpora", inside="flores200")
    if flores is not None:
        monkeypatch.setenv("TOKLAB_DATA", str(flores))
    else:  # an example misread as not needing it still never downloads it: its mirror is no file
        monkeypatch.setenv("TOKLAB_FLORES200_URL", (tmp_path / "no-download.tar.gz").as_uri())
        if needs_flores(source):
            pytest.skip("this example reads FLORES-200: set TOKLAB_DATA to a directory holding flores200/ "
                        "(or TOKLAB_SHARED to the shared/ directory)")
    if needs_tiktoken_files(source):
        cache = data_folder("TIKTOKEN_CACHE_DIR", "tiktoken_cache")
        if cache is None:
            pytest.skip("this example reads tiktoken's encoding files: set TIKTOKEN_CACHE_DIR to a directory "
                        "holding them (or TOKLAB_SHARED to the shared/ directory)")
        monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
