"""Every listed bad input gets one line on stderr, an exit code, and no traceback."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import CLI_SCRIPT, run_cli, shared_path
from toklab.memo import clear_memos


# Off a terminal a long command prints one line per stage before it fails; those lines report
# progress, not the mistake, so the error must still be exactly one line among the rest.
_STAGE_LINE = re.compile(r"^[\w ]+: .* \(\d+ of \d+ steps done, \d+ s\)$")


def assert_one_line_error(result, *needles: str) -> None:
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines()
             if line.strip() and not _STAGE_LINE.match(line)]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unknown_scheme_lists_schemes():
    assert_one_line_error(run_cli("encode", "tiktok:o200k_base", "x"), "known: tiktoken", "did you mean 'tiktoken'")


def test_unknown_alias_suggests_nearest():
    assert_one_line_error(run_cli("encode", "gtp-4o", "x"), "'gpt-4o'")


def test_closed_model_is_an_error():
    assert_one_line_error(run_cli("encode", "claude-3-5-sonnet", "x"), "no public tokenizer", "never substitutes")


def test_missing_tiktoken_file_names_file_and_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # never reach the network in tests
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")

    clear_memos("tokenizers")
    assert_one_line_error(run_cli("encode", "tiktoken:p50k_base", "x"), "TIKTOKEN_CACHE_DIR", str(tmp_path))


def test_missing_file(tmp_path):
    assert_one_line_error(run_cli("encode", f"spm:{tmp_path}/nope.model", "x"), "nope.model", "does not exist")


def test_bad_json(tmp_path):
    bad = tmp_path / "tokenizer.json"
    bad.write_text('{"model": {"type": "BPE"', encoding="utf-8")
    assert_one_line_error(run_cli("encode", f"hf:{bad}", "x"), str(bad), "not valid JSON")


def test_truncated_sentencepiece_model(tmp_path):
    real = shared_path("tokenizers/mistral-7b-v0.1.model")
    cut = tmp_path / "cut.model"
    cut.write_bytes(real.read_bytes()[:5000])
    assert_one_line_error(run_cli("encode", f"spm:{cut}", "x"), str(cut))


def test_corrupt_ranks_file(tmp_path):
    bad = tmp_path / "x.tiktoken"
    bad.write_text("IQ== 0\nnot-base64!! x\n", encoding="utf-8")
    assert_one_line_error(run_cli("encode", f"tiktoken:{bad}", "x"), str(bad), "line 2")


def test_invalid_utf8_corpus_names_offset(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine line\nbroken \xff here\n")
    assert_one_line_error(run_cli("corpora", "show", f"file:{bad}"), str(bad), "byte offset 17", "errors=replace")


def test_invalid_utf8_replaced_on_request(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine line\nbroken \xff here \xfe\n")
    result = run_cli("corpora", "show", f"file:{bad}?errors=replace")
    assert result.exit_code == 0, result.output
    assert "2 invalid UTF-8 sequences replaced" in result.output


def test_misaligned_parallel_files(tmp_path):
    (tmp_path / "en.txt").write_text("1\n2\n3\n", encoding="utf-8")  # files named by language code
    (tmp_path / "fr.txt").write_text("1\n2\n", encoding="utf-8")
    assert_one_line_error(run_cli("corpora", "show", f"file:{tmp_path}"), "misaligned", "fr.txt has 2 lines")


def test_unknown_flores_language(flores_ready):
    assert_one_line_error(run_cli("corpora", "show", "flores200?langs=eng_Latm"), "eng_Latm", "eng_Latn")


def test_real_entry_point_runs():
    out = subprocess.run([sys.executable, str(CLI_SCRIPT), "encode", "bytes:utf8", "é"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "<C3>" in out.stdout or "é" in out.stdout
    bad = subprocess.run([sys.executable, str(CLI_SCRIPT), "encode", "nope:x", "x"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr


@pytest.mark.parametrize("spec", ["bytes:utf8", "chars:unicode"])
def test_tokenizers_show_json(spec):
    import json

    result = run_cli("tokenizers", "show", spec, "--format", "json")
    assert json.loads(result.output)["spec"] == spec


def test_a_command_group_alone_shows_its_help():
    for group in ("glitch", "byte", "corpora", "tokenizers", "bench"):
        result = run_cli(group)
        assert result.exit_code == 0 and result.output.startswith("Usage:") and "error" not in result.output, group


def test_piped_stderr_holds_only_the_error_line(tiny_parallel, tmp_path):
    """Without a terminal no progress bar is drawn: rich ended an undrawn bar with an empty line, so a
    successful run wrote a stray newline and an error came as two lines."""
    import os
    import subprocess
    import sys

    from tests.conftest import CLI_SCRIPT

    env = {**os.environ, "TOKLAB_HOME": str(tmp_path / "home")}
    ok = subprocess.run([sys.executable, str(CLI_SCRIPT), "audit", "-t", "bytes:utf8", "--corpus", f"file:{tiny_parallel}",
                         "--resamples", "20"], capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0 and ok.stderr == ""
    bad = subprocess.run([sys.executable, str(CLI_SCRIPT), "audit", "-t", "bytes:utf8", "--corpus", f"file:{tiny_parallel}",
                          "--pivot", "xx"], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode != 0 and bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1
