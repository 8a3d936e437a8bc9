"""Hostile command-line arguments get one line each: numbers are ASCII digits or refused (never read
as another number), text is valid UTF-8 or refused naming the option, seeds and counts stay
within what torch and numpy take. Each class is tested on several spellings and commands."""

from __future__ import annotations

import base64

import pytest

from tests.conftest import run_cli
from tests.test_errors_cli import assert_one_line_error

# Python's int() takes all of these, or str.isdigit() says True for them, and then int() fails.
NOT_ASCII_NUMBERS = ["²", "１２", "1_2", "٣", "+-1", "0x10"]
# In a single value (not a comma-separated list, whose items are stripped) spaces are refused too.
SPACED_NUMBERS = [" 12", "12 "]


@pytest.fixture
def ranks_file(tmp_path):
    """A tiny byte-level tiktoken vocabulary written by the test: 256 bytes, then '12', ' 12',
    '²' (two bytes) and ' ab'."""
    extra = [b"12", b" 12", "²".encode(), b" a", b" ab"]
    lines = [base64.b64encode(bytes([i])).decode() + f" {i}" for i in range(256)]
    lines += [base64.b64encode(token).decode() + f" {256 + i}" for i, token in enumerate(extra)]
    path = tmp_path / "tiny.tiktoken"
    path.write_text("\n".join(lines) + "\n")
    return f"tiktoken:{path}?pattern=gpt2"


def explain(spec: str, what: str):
    return run_cli("glitch", spec, "--reference", "none", "--no-words", "--explain", what)


@pytest.mark.parametrize("argument, token_id", [
    ("12", 12),          # ASCII digits: an id
    ("id:12", 12),       # the explicit form
    (" 12", 257),        # a leading space: the token " 12", never id 12
    ("text:12", 256),    # the token spelled "12"
    ("²", 258),          # '²'.isdigit() is True: still a string
    (" ab", 260),
])
def test_explain_reads_ids_only_from_ascii_digits(ranks_file, argument, token_id):
    result = explain(ranks_file, argument)
    assert result.exit_code == 0, result.output
    assert f": token {token_id}" in result.output


@pytest.mark.parametrize("argument, needles", [
    ("１２", ("no token", "'１２'")),   # int() would read it as 12
    ("٣", ("no token", "'٣'")),
    ("ab", ("no token", "' ab' (id 260)")),  # a near match is suggested
    ("id:²", ("after 'id:'", "ASCII digits")),
    ("id:", ("after 'id:'",)),
    ("id:999999", ("outside the vocabulary",)),
])
def test_explain_refuses_in_one_line(ranks_file, argument, needles):
    assert_one_line_error(explain(ranks_file, argument), "--explain", *needles)


@pytest.mark.parametrize("bad", NOT_ASCII_NUMBERS)
def test_untrained_ids_are_ascii_digits(ranks_file, bad):
    result = run_cli("glitch", ranks_file, "--reference", "none", "--no-words", "--untrained-ids", f"1,{bad}")
    assert_one_line_error(result, "--untrained-ids", "ASCII digits")


@pytest.mark.parametrize("bad", NOT_ASCII_NUMBERS)
@pytest.mark.parametrize("scheme", ["bpe", "unigram", "paritybpe", "canine", "gbst", "hnet"])
def test_compare_scheme_numbers(scheme, bad):
    assert_one_line_error(run_cli("compare", "--schemes", f"bytes,{scheme}:{bad}"), "scheme", f"{scheme}:{bad}")


@pytest.mark.parametrize("scheme", ["hnet:1", "hnet:0", "spacebyte:4"])
def test_compare_refuses_chunk_targets_it_cannot_learn(scheme):
    assert_one_line_error(run_cli("compare", "--schemes", f"bytes,{scheme}"), "scheme", scheme)


@pytest.mark.parametrize("bad", NOT_ASCII_NUMBERS)
def test_spec_parameters_are_ascii_numbers(bad):
    assert_one_line_error(run_cli("encode", f"train:bpe?vocab={bad}", "x"), "vocab=")


@pytest.mark.parametrize("field", ["seed", "d_model", "batch_size", "lr", "dropout", "ngram_orders"])
@pytest.mark.parametrize("bad", ["²", "１２", "1_2", "nan", "inf", "-inf"])
def test_set_fields_are_ascii_numbers(tmp_path, field, bad):
    result = run_cli("byte", "train", "--preset", "tiny", "--out", str(tmp_path / "run"), "--set", f"{field}={bad}")
    assert_one_line_error(result, f"--set {field}=")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args, option", [
    (("byte", "eval", "RUN", "--per-lang"), "--per-lang"),
    (("byte", "eval", "RUN", "--batch-size"), "--batch-size"),
    (("byte", "sample", "RUN", "--max-bytes"), "--max-bytes"),
    (("byte", "sample", "RUN", "--seed"), "--seed"),
    (("audit", "--resamples"), "--resamples"),
    (("glitch", "SPEC", "--top"), "--top"),
    (("byte", "train", "--steps"), "--steps"),
])
@pytest.mark.parametrize("bad", ["１２", "²", "1_2", "12.0", *SPACED_NUMBERS])
def test_integer_options_take_ascii_digits_only(args, option, bad):
    assert_one_line_error(run_cli(*args, bad), option, "ASCII digits")


@pytest.mark.parametrize("args", [
    ("byte", "sample", "RUN", "--temperature"),
    ("byte", "eval", "RUN", "--protocol", "dynamic", "--dynamic-lr"),
    ("compare", "--minutes"),
])
@pytest.mark.parametrize("bad", ["１.５", "nan", "inf", "1_0.5"])
def test_float_options_take_finite_ascii_numbers(args, bad):
    assert_one_line_error(run_cli(*args, bad), args[-1])


@pytest.mark.parametrize("args, needles", [
    (("byte", "sample", "RUN", "--seed", str(2**63)), ("--seed",)),
    (("byte", "sample", "RUN", "--seed", "-1"), ("--seed",)),
    (("byte", "sample", "RUN", "--seed", str(2**70)), ("--seed",)),
    (("audit", "--seed", "-1"), ("--seed",)),
    (("report", "--seed", str(2**64)), ("--seed",)),
    (("audit", "--resamples", str(10**14)), ("--resamples",)),
    (("byte", "eval", "RUN", "--per-lang", str(2**64)), ("--per-lang", "too large")),
    (("byte", "eval", "RUN", "--batch-size", str(2**80)), ("--batch-size", "too large")),
    (("byte", "bench", "--threads", str(2**40)), ("--threads",)),
    (("byte", "sample", "RUN", "--max-bytes", str(10**18)), ("--max-bytes",)),  # a forward pass per byte: a hang
    (("byte", "train", "--minutes", "1e300"), ("--minutes",)),
])
def test_seeds_and_counts_stay_within_64_bits(args, needles):
    assert_one_line_error(run_cli(*args), *needles)


@pytest.mark.parametrize("assignment, needles", [
    (f"seed={2**63}", ("--set seed=", "64-bit")),
    ("seed=-1", ("--set seed=-1", "at least 0")),
    (f"ngram_buckets={2**64}", ("--set ngram_buckets=", "64-bit")),
    (f"threads={2**40}", ("--set threads=",)),
    ("batch_size=1000000000000", ("batch_size=1000000000000", "GiB")),  # would not fit in memory
    ("ctx=100000000", ("ctx=100000000", "GiB")),
])
def test_set_sizes_torch_cannot_take(tmp_path, tiny_parallel, assignment, needles):
    result = run_cli("byte", "train", "--preset", "tiny", "--out", str(tmp_path / "run"),
                     "--set", f"corpus=file:{tiny_parallel}", "--set", assignment)
    assert_one_line_error(result, *needles)


@pytest.mark.parametrize("args, needles", [
    (("encode", "bytes:utf8", "\udcff"), ("argument TEXT", "byte 0xff at offset 0")),
    (("encode", "bytes:utf8", "ab\udcfe"), ("argument TEXT", "byte 0xfe at offset 2")),
    (("encode", "bytes:\udcff", "x"), ("argument SPEC", "offset 6")),
    (("loss", "--text", "\udcff"), ("--text", "byte 0xff")),
    (("byte", "sample", "RUN", "--prompt", "é\udcff"), ("--prompt", "byte 0xff at offset 2")),
    (("byte", "sample", "RUN", "--prompt=a\udcff"), ("--prompt", "offset 1")),
    (("glitch", "tiktoken:\udcff"), ("argument SPEC",)),
    (("glitch", "tiktoken:r50k_base", "--explain", "\udcc0"), ("--explain", "byte 0xc0")),
    (("audit", "--langs", "eng_Latn,\udcff"), ("--langs",)),
    (("price", "-m", "\udcff"), ("-m",)),
    (("\udcff",), ("argument 1",)),
])
def test_text_that_is_not_utf8_is_named(args, needles):
    assert_one_line_error(run_cli(*args), "not valid UTF-8", *needles)


def test_valid_utf8_text_still_works():
    result = run_cli("encode", "bytes:utf8", "héllo 中文 🙂")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("device", ["cuda:²", "cuda:１", "cuda:+0", "cuda: 0", "cuda:9"])
def test_cuda_index_is_ascii_digits(monkeypatch, device):
    import torch

    from byte_model.validate import _device
    from toklab.errors import SpecError

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    _device("cuda:1")
    with pytest.raises(SpecError, match="--set device="):
        _device(device)
