"""No NaN or inf leaves with exit code 0: a number that cannot exist is refused (or null) at its
source, divergence is reported as such, broken checkpoints and tokenizer or price files are one
line naming the file, and a last guard refuses any non-finite float before it is printed or
written."""

from __future__ import annotations

import base64
import dataclasses
import json
import math

import numpy as np
import polars as pl
import pytest
import torch

from byte_model import config as C
from byte_model.architectures import build_model
from byte_model.checkpoint import load_checkpoint, save_checkpoint
from byte_model.train import CHECKPOINT
from tests.conftest import run_cli
from tests.test_errors_cli import assert_one_line_error
from toklab.finite import NonFiniteResultError, check_finite, check_finite_values


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One tiny byte run (3 steps, ~5 s), trained through the CLI, shared by the tests here."""
    root = tmp_path_factory.mktemp("numbers")
    corpus = root / "corpus"
    corpus.mkdir()
    for lang, text in (("eng_Latn", "The cat sat on the mat."), ("fra_Latn", "Le chat était assis.")):
        (corpus / f"{lang}.txt").write_text("\n".join([text] * 6) + "\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TOKLAB_HOME", str(root / "home"))
        result = run_cli("byte", "train", "--preset", "tiny", "--out", str(root / "run"), "--steps", "3",
                         "--set", f"corpus=file:{corpus}", "--set", "val_fraction=0")
    assert result.exit_code == 0, result.output
    return root / "run", corpus


def copy_run(run, folder, edit=None, payload_of=None):
    """The run's checkpoint, edited, saved with the lab's own (valid) integrity framing."""
    payload = load_checkpoint(run / CHECKPOINT)
    if edit is not None:
        edit(payload)
    folder.mkdir()
    save_checkpoint(folder / CHECKPOINT, payload if payload_of is None else payload_of(payload))
    return folder


def last_line_error(result, *needles: str) -> str:
    """Training prints its budget first (progress, on stderr); the error is then one last line."""
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert [line for line in lines if line.startswith("error: ")] == lines[-1:], result.output
    for needle in needles:
        assert needle in lines[-1], lines[-1]
    return lines[-1]


# -- the last guard ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_guard_names_column_and_rows(bad):
    frame = pl.DataFrame({"lang": ["eng_Latn", "fra_Latn", "jpn_Jpan"], "bpb": [1.0, bad, None], "docs": [1, 2, 3]})
    with pytest.raises(NonFiniteResultError, match=f"column bpb holds {bad}.*row lang=fra_Latn"):
        check_finite(frame, "export")
    check_finite(frame.with_columns(pl.col("bpb").fill_nan(None)).filter(pl.col("lang") != "fra_Latn"))  # nulls pass
    with pytest.raises(NonFiniteResultError, match=r"rows\[1\]\.bpb"):
        check_finite_values({"rows": [{"bpb": 1.0}, {"bpb": bad}]})


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_writers_refuse_non_finite_and_write_nothing(tmp_path, fmt):
    from toklab.cli.render import frame_table, write_frame, write_json

    frame = pl.DataFrame({"lang": ["eng_Latn", "xyz_Latn"], "premium": [1.0, math.inf]})
    target = tmp_path / f"out.{fmt}"
    with pytest.raises(NonFiniteResultError, match="premium.*lang=xyz_Latn"):
        write_frame(frame, fmt, target, "sig")
    assert not target.exists()
    with pytest.raises(NonFiniteResultError):
        frame_table(frame, title="t")
    with pytest.raises(NonFiniteResultError):
        write_json({"overall": math.nan}, tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


# -- NaN at the source ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_language_without_bytes_is_refused_not_nan(tiny_run, tmp_path, fmt):
    run, corpus = tiny_run
    empty = tmp_path / "corpus"
    empty.mkdir()
    for file in corpus.iterdir():
        (empty / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    (empty / "jpn_Jpan.txt").write_text("\n" * 6, encoding="utf-8")  # aligned, but every document empty
    out = tmp_path / f"bpb.{fmt}"
    args = ("byte", "eval", str(run), "--corpus", f"file:{empty}", "--format", fmt) + (
        ("-o", str(out)) if fmt != "table" else ())
    assert_one_line_error(run_cli(*args), "no bytes to score in jpn_Jpan", "6 empty documents")
    assert not out.exists()


def test_undefined_glitch_scores_are_null_not_nan():
    from toklab.glitch.experiment import score_signals

    frame = pl.DataFrame({"category": ["ok"] * 4, "reachable": [True] * 4, "char_class": [None] * 4,
                          "corpus_count": [0, 1, 2, 3], "evidence": ["mismatch"] * 4, "survival": [None] * 4,
                          "rank_vs_frequency": [0.0] * 4, "mismatch": [0.0] * 4, "free_rank": [1, 2, 3, 4],
                          "embedding_norm": [1.0] * 4, "untrained_similarity": [0.0] * 4, "weight_score": [0.0] * 4})
    table = score_signals(frame, np.array([0, 0, 0, 0]), 0)  # no negatives: no AUROC; constant signals: no rank corr.
    check_finite(table)
    assert table["auroc"].null_count() > 0


def test_constant_premium_has_no_correlation_instead_of_nan():
    from toklab.compare.comparison import premium_gap_correlation

    rows = pl.DataFrame({"protocol": ["isolated"] * 6, "scheme": ["bytes"] * 3 + ["bpe:300"] * 3,
                         "lang": ["eng_Latn", "fra_Latn", "deu_Latn"] * 2, "bpb": [1.0, 1.0, 1.0, 2.0, 2.0, 2.0],
                         "tokens": [None, None, None, 10, 10, 10]})
    assert premium_gap_correlation(rows) == {}


def test_weighted_mean_of_zero_weights_is_null():
    from toklab.report.collect import weighted_mean

    frame = pl.DataFrame({"script": ["Latn", "Latn", "Jpan"], "loss": [0.5, 0.2, 0.1], "chars": [0, 0, 7]})
    out = frame.group_by("script", maintain_order=True).agg(loss=weighted_mean("loss", "chars"))
    assert out["loss"].to_list() == [None, pytest.approx(0.1)]


# -- divergence, said as such -------------------------------------------------------------------------


def test_dynamic_adaptation_that_diverges_is_reported(tiny_run):
    run, corpus = tiny_run
    for fmt in ("table", "csv"):
        result = run_cli("byte", "eval", str(run), "--corpus", f"file:{corpus}", "--protocol", "dynamic",
                         "--dynamic-lr", "1e30", "--format", fmt)
        assert_one_line_error(result, "dynamic evaluation diverged", "adaptation rate 1e+30", "lower --dynamic-lr")
        assert "nan" not in result.output.lower().replace("loss nan", "")


@pytest.mark.parametrize("every, kept", [("1000", False), ("1", True)])
def test_training_that_diverges_is_reported_and_never_saved(tiny_run, tmp_path, every, kept):
    _run, corpus = tiny_run
    out = tmp_path / "run"
    result = run_cli("byte", "train", "--preset", "tiny", "--out", str(out), "--steps", "20", "--set",
                     f"corpus=file:{corpus}", "--set", "lr=1e30", "--set", "muon_lr=1e30",
                     "--set", f"checkpoint_every={every}")
    line = last_line_error(result, "training diverged at step", "lower learning rates", "--set lr=1e+29")
    assert ("last good checkpoint" in line) == kept == (out / CHECKPOINT).is_file()
    if kept:
        weights = load_checkpoint(out / CHECKPOINT)["model"]
        assert all(torch.isfinite(t).all() for t in weights.values())
        assert run_cli("byte", "eval", str(out), "--corpus", f"file:{corpus}").exit_code == 0


def test_tiny_temperature_samples_the_most_likely_byte(tiny_run):
    run, _corpus = tiny_run
    greedy = run_cli("byte", "sample", str(run), "--max-bytes", "5", "--temperature", "0")
    for temperature in ("1e-300", "1e-45", "5e-324"):
        result = run_cli("byte", "sample", str(run), "--max-bytes", "5", "--temperature", temperature)
        assert result.exit_code == 0, result.output
        assert result.output == greedy.output


# -- checkpoints with valid framing but the wrong content ---------------------------------------------


def canine_weights(payload):
    cfg = dataclasses.replace(C.from_dict(C.ModelConfig, payload["model_cfg"]), arch="canine")
    payload["model"] = build_model(cfg).state_dict()


def first_tensor(payload, value):
    name = next(iter(payload["model"]))
    payload["model"][name] = value(payload["model"][name])


@pytest.mark.parametrize("edit, needles", [
    (canine_weights, ("holds weights for arch=canine", "config says arch=plain")),
    (lambda p: p["model"].pop(next(iter(p["model"]))), ("missing key",)),
    (lambda p: p["model"].update(extra=torch.zeros(3)), ("unexpected key extra",)),
    (lambda p: first_tensor(p, lambda t: torch.zeros(3, 3)), ("has shape [3, 3]", "config builds")),
    (lambda p: first_tensor(p, lambda t: t * math.nan), ("NaN or infinite weights",)),
    (lambda p: p["model"].update({k: 1 for k in p["model"]}), ("not a set of named tensors",)),
    (lambda p: p.pop("model_cfg"), ("no 'model_cfg'",)),
    (lambda p: p["model_cfg"].update(d_model="32"), ("model_cfg.d_model is '32'", "not of type int")),
    (lambda p: p["model_cfg"].update(n_head=3), ("cannot build a model", "n_head=3")),
    (lambda p: p["model_cfg"].update(arch="resnet"), ("cannot build a model", "arch=resnet")),
    (lambda p: p.update(vocab={"spec": 5}), ("vocabulary entry",)),
    (lambda p: p.update(step="3"), ("step or signature",)),
])
@pytest.mark.parametrize("command", ["eval", "sample", "resume"])
def test_checkpoint_with_other_contents_is_one_line(tiny_run, tmp_path, edit, needles, command):
    run, corpus = tiny_run
    folder = copy_run(run, tmp_path / "bad", edit)
    args = {"eval": ("byte", "eval", str(folder), "--corpus", f"file:{corpus}"),
            "sample": ("byte", "sample", str(folder)),
            "resume": ("byte", "train", "--resume", str(folder), "--steps", "5")}[command]
    assert_one_line_error(run_cli(*args), str(folder), *needles)


@pytest.mark.parametrize("payload_of, needles", [
    (lambda p: [1, 2, 3], ("holds a list",)),
    (lambda p: {"model": p["model"]}, ("no 'model_cfg'",)),
])
def test_checkpoint_that_is_not_a_run(tiny_run, tmp_path, payload_of, needles):
    run, corpus = tiny_run
    folder = copy_run(run, tmp_path / "bad", payload_of=payload_of)
    assert_one_line_error(run_cli("byte", "eval", str(folder), "--corpus", f"file:{corpus}"), *needles)


@pytest.mark.parametrize("edit", [lambda p: p.update(optimizers=[{}]), lambda p: p.update(optimizers=[{}, {}]),
                                  lambda p: p.update(torch_rng=[1, 2])])
def test_resume_with_other_optimiser_state(tiny_run, tmp_path, edit):
    run, _corpus = tiny_run
    folder = copy_run(run, tmp_path / "bad", edit)
    assert_one_line_error(run_cli("byte", "train", "--resume", str(folder), "--steps", "5"), str(folder), "optimiser")


# -- tokenizer files that make the Rust libraries panic or mislead ------------------------------------


def ranks_lines(count: int = 256) -> list[str]:
    return [base64.b64encode(bytes([i])).decode() + f" {i}" for i in range(count)]


def token(text: bytes) -> str:
    return base64.b64encode(text).decode()


@pytest.mark.parametrize("lines, needles", [
    (ranks_lines() + [f"{token(b'ab')} 5"], ("line 257", "rank 5 is already given on line 6")),  # a Rust panic
    (ranks_lines() + [f"{token(b'a')} 256"], ("line 257", "token b'a' already has rank 97")),
    (ranks_lines() + [f"{token(b'ab')} 300"], ("ranks skip 256",)),
    (ranks_lines()[:97] + ranks_lines()[98:], ("no rank for the single byte 0x61",)),  # a Rust panic on encode
    (ranks_lines() + [f"{token(b'ab')} -1"], ("line 257", "not a whole number")),
    (ranks_lines() + [f"{token(b'ab')} ２５６"], ("line 257", "not a whole number")),
    (ranks_lines() + [f"{token(b'ab')} {2**40}"], ("line 257", "not a whole number")),
    (ranks_lines() + [f"{token(b'ab')}"], ("line 257", "expected '<base64 token> <rank>'")),
    (ranks_lines() + ["YW\u00e9I= 256"], ("line 257", "expected '<base64 token> <rank>'")),  # not base64: é
    ([], ("holds no ranks",)),
])
def test_tiktoken_ranks_file_is_checked(tmp_path, lines, needles):
    path = tmp_path / "bad.tiktoken"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_one_line_error(run_cli("encode", f"tiktoken:{path}?pattern=gpt2", "abc"), str(path), *needles)


def tekken(tmp_path, edit) -> str:
    data = {"config": {"pattern": r"[a-z]+|.", "default_vocab_size": 1258, "default_num_special_tokens": 1000},
            "vocab": [{"rank": i, "token_bytes": token(bytes([i]))} for i in range(256)]
            + [{"rank": 256, "token_bytes": token(b"ab")}, {"rank": 257, "token_bytes": token(b"abc")}]}
    edit(data)
    path = tmp_path / "tekken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return f"tekken:{path}"


@pytest.mark.parametrize("edit, needles", [
    (lambda d: d["vocab"][257].update(rank=256), ("entry 257 repeats the rank 256 of entry 256",)),
    (lambda d: d["vocab"][257].update(token_bytes=token(b"ab")), ("entry 257 repeats the token",)),
    (lambda d: d["vocab"][257].update(rank="257"), ("vocab entry 257", "not a whole number")),
    (lambda d: d["vocab"][257].update(rank=257.5), ("vocab entry 257", "not a whole number")),
    (lambda d: d["vocab"][257].update(rank=400), ("ranks skip 257",)),
    (lambda d: (d["vocab"].pop(97), d["config"].update(default_vocab_size=1257)),
     ("no rank for the single byte 0x61",)),
    (lambda d: d["config"].update(default_num_special_tokens="1000"), ("not whole numbers",)),
    (lambda d: d["config"].update(default_vocab_size=99999), ("ranks in use",)),
    (lambda d: d.update(vocab={"a": 1}), ("expected keys 'config' and 'vocab'",)),
])
def test_tekken_file_is_checked(tmp_path, edit, needles):
    spec = tekken(tmp_path, edit)
    assert_one_line_error(run_cli("encode", spec, "abc"), "tekken.json", *needles)


def test_tekken_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "tekken.json"
    path.write_bytes(b'{"config": {"pattern": "\xff"}, "vocab": []}')
    assert_one_line_error(run_cli("encode", f"tekken:{path}", "abc"), str(path), "not valid UTF-8",
                          "byte 0xff at offset 24")


def hf_file(tmp_path, model: dict) -> str:
    data = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
            "pre_tokenizer": None, "post_processor": None, "decoder": None, "model": model}
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return f"hf:{path}"


BPE = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
       "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False}


@pytest.mark.parametrize("model, needles", [
    ({**BPE, "vocab": {"a": 0, "b": 1, "ab": 2, "c": 0}, "merges": ["a b"]}, ("id 0 is given to two tokens",)),
    ({"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
      "vocab": {"a": 0, "b": 1}}, ("Missing [UNK]",)),
])
def test_hf_file_that_fails_in_rust_is_one_line(tmp_path, model, needles):
    assert_one_line_error(run_cli("encode", hf_file(tmp_path, model), "abc"), "tokenizer.json", *needles)


def test_panic_exception_is_turned_into_one_line(tmp_path):
    from toklab.adapters.rust_errors import library_failures
    from toklab.errors import CorruptFileError

    PanicException = type("PanicException", (BaseException,), {})  # pyo3's: a BaseException
    with pytest.raises(CorruptFileError, match="panicked on this file"):
        with library_failures(tmp_path / "x.json", "tokenizers"):
            raise PanicException("called `Option::unwrap()` on a `None` value")
    with pytest.raises(KeyboardInterrupt):  # other BaseExceptions pass
        with library_failures(tmp_path / "x.json", "tokenizers", catch_errors=True):
            raise KeyboardInterrupt


# -- price, counts and weights files ------------------------------------------------------------------


def price_file(tmp_path, text) -> str:
    path = tmp_path / "prices.json"
    path.write_bytes(text if isinstance(text, bytes) else json.dumps(text).encode())
    return str(path)


OK_MODEL = {"model": "m", "input_per_1m": 1.0, "output_per_1m": 4.0, "tokenizer": "bytes:utf8"}


@pytest.mark.parametrize("content, needles", [
    (b'{"models": [{"model": "caf\xe9", "input_per_1m": 1}]}', ("not valid UTF-8", "byte 0xe9 at offset 26")),
    (b'{"models": [', ("not valid JSON",)),
    ([1, 2], ("missing 'models'",)),
    ({"models": ["m"]}, ("models[0]", "not an object")),
    ({"models": [OK_MODEL, OK_MODEL]}, ("listed twice",)),
    ({"models": [{**OK_MODEL, "tokenizer": 5}]}, ("tokenizer is 5", "string")),
    ({"models": [{**OK_MODEL, "input_per_1m": 1e308}]}, ("input_per_1m", "from 0 to")),
    ({"models": [{**OK_MODEL, "input_per_1m": "1"}]}, ("input_per_1m",)),
    ({"models": [{**OK_MODEL, "context_window": 1.5}]}, ("context_window", "whole number")),
    ({"models": [{**OK_MODEL, "model": ["x"]}]}, ("model name",)),
])
def test_price_file_is_checked(tmp_path, tiny_parallel, content, needles):
    path = price_file(tmp_path, content)
    result = run_cli("price", "--prices", path, "-m", "m", "--corpus", f"file:{tiny_parallel}")
    assert_one_line_error(result, path, *needles)


@pytest.mark.parametrize("option, value", [
    ("--mix", "３:１"), ("--mix", "nan:1"), ("--mix", "1e400:1"), ("--mix", "1_0:1"),
    ("--scenario", "1e308,500,200"), ("--scenario", "１,2,3"), ("--scenario", "1.5,500,200"),
    ("--scenario", "nan,1,1"),
])
def test_price_numbers_are_ascii_and_bounded(tmp_path, tiny_parallel, option, value):
    path = price_file(tmp_path, {"models": [OK_MODEL]})
    result = run_cli("price", "--prices", path, "-m", "m", "--corpus", f"file:{tiny_parallel}", option, value)
    assert_one_line_error(result, value)


def test_counts_file_with_a_count_past_64_bits(tmp_path):
    from toklab.errors import CorruptFileError
    from toklab.premium.counts_file import read_counts_file

    path = tmp_path / "counts.csv"
    path.write_text(f"doc_id,lang,model,tokens\n0,eng_Latn,m,{2**64}\n", encoding="utf-8")
    with pytest.raises(CorruptFileError, match="line 2: tokens"):
        read_counts_file(path)


def test_glitch_weights_with_nan_rows(tmp_path):
    from safetensors.numpy import save_file

    vocab = "\n".join(ranks_lines()) + "\n"
    (tmp_path / "v.tiktoken").write_text(vocab, encoding="utf-8")
    embeddings = np.random.default_rng(0).normal(size=(256, 8)).astype(np.float32)
    embeddings[[7, 9]] = np.nan
    save_file({"wte.weight": embeddings}, str(tmp_path / "w.safetensors"))
    result = run_cli("glitch", f"tiktoken:{tmp_path / 'v.tiktoken'}?pattern=gpt2", "--reference", "none",
                     "--no-words", "--weights", str(tmp_path / "w.safetensors"))
    assert_one_line_error(result, "w.safetensors", "NaN or infinite values in rows 7, 9")
