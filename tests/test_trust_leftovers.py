"""Leftovers of the trust pass: the stream bench's disk, byte sampling, paths that are not files,
parameters that change nothing, and errors that name the languages and the fix."""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import run_cli
from tests.test_errors_cli import assert_one_line_error

# --- 1. bench stream: bounded size, free space checked, SIGTERM cleans up ---------------------


@pytest.mark.parametrize("size", ["nan", "inf", "1e308", "1e6"])
def test_bench_stream_refuses_impossible_sizes(size, tmp_path):
    assert_one_line_error(run_cli("bench", "stream", "--size-gb", size, "--dir", str(tmp_path)), "--size-gb")
    assert list(tmp_path.iterdir()) == []


def test_bench_stream_refuses_more_than_the_free_space(tmp_path):
    result = run_cli("bench", "stream", "--size-gb", "90000", "--dir", str(tmp_path))
    assert_one_line_error(result, "--size-gb 90000", "GB free", "smaller --size-gb")
    assert list(tmp_path.iterdir()) == []


def test_sigterm_unwinds_and_removes_the_temporary_corpus(tmp_path):
    from toklab.bench.stream_speed import sigterm_unwinds

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit):
        with sigterm_unwinds(), tempfile.TemporaryDirectory(dir=tmp_path) as work:
            (Path(work) / "corpus.jsonl").write_bytes(b"x" * 1000)
            signal.raise_signal(signal.SIGTERM)
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == before


# --- 2. and 3. byte sample: huge temperatures sample, the prompt is escaped -------------------


class PeakedModel:
    """A stand-in model: byte 65 is by far the most likely, always."""

    cfg = SimpleNamespace(ctx=8)

    def parameters(self):
        import torch

        yield torch.zeros(1)

    def __call__(self, context):
        import torch

        logits = torch.zeros(1, context.shape[1], 259)
        logits[..., 65] = 30.0
        return logits


@pytest.mark.parametrize("temperature", [1e39, 1e300])
def test_a_huge_temperature_samples_near_uniformly(temperature):
    from byte_model.sample import generate

    vocab = SimpleNamespace(bos=256, base=256)
    out = generate(PeakedModel(), vocab, [], 300, temperature=temperature, seed=1)
    assert len(set(out)) > 100  # greedy would give 65 every time
    assert generate(PeakedModel(), vocab, [], 20, temperature=0) == [65] * 20


def test_sample_escapes_the_prompt(monkeypatch, tmp_path):
    import byte_model.sample
    import byte_model.loading

    vocab = SimpleNamespace(bos=256, base=256, spec="bytes:utf8")
    monkeypatch.setattr(byte_model.loading, "load_model", lambda run_dir: (PeakedModel(), vocab, {}))
    monkeypatch.setattr(byte_model.sample, "generate", lambda *args, **kwargs: [0x1b, 65])
    result = run_cli("byte", "sample", str(tmp_path), "--prompt", "\x1b]0;PWN\x07\x1b[2J\u202e")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output and "\u202e" not in result.output
    assert "\\x1b]0;PWN\\x07\\x1b[2J\\u202e\\x1bA" in result.output


# --- 4. parameters and flags that would change nothing are refused -----------------------------


def test_coverage_without_impl_spm_is_refused(tiny_parallel):
    spec = f"train:unigram?vocab=300&corpus=file:{tiny_parallel}&coverage=nan"
    assert_one_line_error(run_cli("tokenizers", "show", spec), "coverage= is read only by impl=spm")
    assert_one_line_error(run_cli("tokenizers", "show", spec + "&impl=spm"), "coverage must be a number")


def test_split_of_a_file_corpus_is_refused(tiny_parallel):
    result = run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{tiny_parallel}", "--split", "devtest",
                     "--resamples", "20", "--format", "json")
    assert_one_line_error(result, "--split devtest", "no splits to choose from", "drop --split")


@pytest.mark.parametrize("args", [("loss", "-t", "bytes:utf8", "--examples", "-1"),
                                  ("byte", "train", "--steps", "-3")])
def test_negative_counts_are_refused(args, tiny_parallel, tmp_path):
    extra = ("--corpus", f"file:{tiny_parallel}") if args[0] == "loss" else ("--out", str(tmp_path / "run"))
    assert_one_line_error(run_cli(*args, *extra), "is not in the range")


# --- 5. a path that is not a regular file says what it is --------------------------------------


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize("spec", ["tiktoken:/dev/zero", "hf:/dev/zero"])
def test_a_device_as_tokenizer_file_is_named(spec):
    assert_one_line_error(run_cli("encode", spec, "hi"), "/dev/zero is a character device, not a regular file")


def test_a_directory_as_spm_model_is_named(tmp_path):
    assert_one_line_error(run_cli("encode", f"spm:{tmp_path}", "hi"), "is a directory, not a regular file",
                          ".model file")


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_a_device_as_checkpoint_or_weights_is_named():
    from toklab.errors import MissingFileError
    from toklab.glitch.signals import find_weights

    assert_one_line_error(run_cli("byte", "sample", "/dev/null"), "is a character device", "run directory")
    with pytest.raises(MissingFileError, match="character device.*safetensors"):
        find_weights(Path("/dev/zero"))


# --- 6. a missing pivot or language names the corpus's languages -------------------------------


def test_missing_pivot_names_the_languages_and_the_fix(tmp_path):
    for lang, line in (("en", "Hello."), ("fr", "Bonjour.")):
        (tmp_path / f"{lang}.txt").write_text(line + "\n", encoding="utf-8")
    result = run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{tmp_path}", "--resamples", "20")
    assert_one_line_error(result, "2 languages: en, fr", "--pivot en")


def test_missing_language_lists_all_the_corpus_languages(tiny_parallel):
    result = run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{tiny_parallel}", "--resamples", "20",
                     "--langs", "eng_Latn,xyz_Latn")
    assert_one_line_error(result, "xyz_Latn", "eng_Latn, fra_Latn, jpn_Jpan")


# --- 7. resuming a run that never saved --------------------------------------------------------


def test_resume_of_a_run_without_checkpoint_names_the_fix(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}", encoding="utf-8")
    result = run_cli("byte", "train", "--resume", str(run), "--steps", "2")
    assert_one_line_error(result, "no checkpoint was written", "--force", "another --out")
