"""The docstring examples run under the repository's conftest.py: isolated like the tests, and
skipped, saying what to set, when they need data this machine lacks."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def root_conftest():
    """The repository's conftest.py (the name `conftest` is this folder's)."""
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("source, flores, tiktoken", [
    ('load_corpus("flores200?split=dev&langs=eng_Latn")', True, False),
    ("audit('tiktoken:o200k_base', 'flores200')", True, True),
    ('load_tokenizer("gpt-4o").name', False, True),
    ('Spec.parse("train:bpe?vocab=8000&corpus=flores200").canonical', False, False),  # parsed, never read
    ('load_tokenizer("bytes:utf8").encode("flores")', False, False),
])
def test_which_examples_need_real_data(source, flores, tiktoken):
    module = root_conftest()
    assert module.needs_flores(source) is flores
    assert module.needs_tiktoken_files(source) is tiktoken


def test_examples_without_data_skip_and_write_nothing_outside_their_folder(tmp_path):
    """toklab/cache.py's example writes a cache entry; corpora's reads FLORES; the registry's reads
    tiktoken's o200k file. With no data variables and no TOKLAB_HOME: one passes, two skip with
    the variable to set, and the user's cache stays untouched."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TOKLAB_DATA", "TOKLAB_SHARED", "TOKLAB_HOME", "TIKTOKEN_CACHE_DIR", "PYTEST_ADDOPTS")}
    env |= {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "xdg"), "TMPDIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "--doctest-modules",
                          "toklab/cache.py", "corpora/__init__.py", "toklab/registry.py"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 2 skipped" in run.stdout, run.stdout
    assert "set TOKLAB_DATA" in run.stdout and "set TIKTOKEN_CACHE_DIR" in run.stdout
    assert not (tmp_path / "xdg" / "toklab").exists() and not (tmp_path / "home" / ".cache").exists()
