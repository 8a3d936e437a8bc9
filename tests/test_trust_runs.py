"""Checkpoints and run directories are safe: nothing is unpickled beyond tensors, a run is never
replaced without --force, a time budget is reproducible bit for bit, and a changed tokenizer
file is refused."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json

import pytest
import torch

from byte_model import config as C
from byte_model.checkpoint import MAGIC, load_checkpoint
from byte_model.train import CHECKPOINT, Trainer, start_or_resume
from tests.conftest import run_cli
from tests.test_errors_cli import assert_one_line_error
from toklab.errors import CorruptFileError
from toklab.memo import clear_memos


class WritesAFile:
    """Unpickling this calls open(path, 'w'): the payload of a crafted checkpoint."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def crafted_checkpoint(folder, payload) -> None:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    header = MAGIC + b" " + hashlib.sha256(data).hexdigest().encode() + b" " + str(len(data)).encode() + b"\n"
    folder.mkdir(exist_ok=True)
    (folder / CHECKPOINT).write_bytes(header + data)  # a valid header and checksum


def test_malicious_checkpoint_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    crafted_checkpoint(tmp_path / "run", {"model": WritesAFile(str(marker)), "step": 1})
    for command in (("byte", "eval", str(tmp_path / "run")), ("byte", "sample", str(tmp_path / "run")),
                    ("byte", "train", "--resume", str(tmp_path / "run"))):
        assert_one_line_error(run_cli(*command), "refused to load", "only load checkpoints you trained")
        assert not marker.exists()
    with pytest.raises(CorruptFileError):
        load_checkpoint(tmp_path / "run" / CHECKPOINT)
    assert not marker.exists()


def test_non_numeric_header_length(tmp_path):
    (tmp_path / CHECKPOINT).write_bytes(MAGIC + b" " + b"0" * 64 + b" twelve\n" + b"x" * 12)
    assert_one_line_error(run_cli("byte", "eval", str(tmp_path)), "not a toklab checkpoint")


def tiny_args(corpus, out, *extra):
    return ("byte", "train", "--preset", "tiny", "--out", str(out), "--set", f"corpus=file:{corpus}", *extra)


def test_existing_run_is_never_replaced_silently(tiny_parallel, tmp_path):
    run = tmp_path / "run"
    assert run_cli(*tiny_args(tiny_parallel, run, "--steps", "6")).exit_code == 0
    saved = (run / CHECKPOINT).read_bytes()
    result = run_cli(*tiny_args(tiny_parallel, run, "--steps", "2"))
    assert_one_line_error(result, "already holds a run", "--resume", "--force")
    assert (run / CHECKPOINT).read_bytes() == saved
    failing = run_cli(*tiny_args(tiny_parallel, run, "--steps", "2", "--force", "--set", "n_head=3"))
    assert_one_line_error(failing, "n_head=3")
    assert (run / CHECKPOINT).read_bytes() == saved  # a new run that cannot start replaces nothing
    assert run_cli(*tiny_args(tiny_parallel, run, "--steps", "2", "--force")).exit_code == 0
    assert load_checkpoint(run / CHECKPOINT)["step"] == 2


@pytest.mark.parametrize("extra, needle", [
    (("--preset", "cpu"), "--preset would be ignored"),
    (("--set", "lr=0.1"), "--set would be ignored"),
    (("--minutes", "2"), "extend it with --steps"),
    (("--steps", "3"), "already at step 4"),
])
def test_resume_refuses_what_it_would_ignore(tiny_parallel, tmp_path, extra, needle):
    run = tmp_path / "run"
    assert run_cli(*tiny_args(tiny_parallel, run, "--steps", "4")).exit_code == 0
    saved = (run / CHECKPOINT).read_bytes()
    assert_one_line_error(run_cli("byte", "train", "--resume", str(run), *extra), needle)
    assert (run / CHECKPOINT).read_bytes() == saved


def test_resume_may_extend_the_step_budget(tiny_parallel, tmp_path):
    run = tmp_path / "run"
    assert run_cli(*tiny_args(tiny_parallel, run, "--steps", "4")).exit_code == 0
    assert run_cli("byte", "train", "--resume", str(run), "--steps", "6").exit_code == 0
    assert load_checkpoint(run / CHECKPOINT)["step"] == 6


def test_explicit_minutes_replace_the_presets_step_budget(tiny_parallel, tmp_path):
    result = run_cli(*tiny_args(tiny_parallel, tmp_path / "run", "--minutes", "0.01"))
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("budget: 0.01 minutes") and "fixed as a step count" in first
    recorded = json.loads((tmp_path / "run" / "config.json").read_text())
    assert recorded["train"]["minutes"] == 0 and recorded["train"]["steps"] >= 1
    assert "0.01 min ->" in recorded["budget"]


def weights(run) -> dict[str, torch.Tensor]:
    return load_checkpoint(run / CHECKPOINT)["model"]


def assert_same_weights(a, b) -> None:
    for name, tensor in a.items():
        assert torch.equal(tensor, b[name]), name


TICK = 0.125  # seconds per clock reading, a binary fraction: the planned step count is exact


@pytest.fixture
def ticking_clock(monkeypatch):
    """The trainer's clock advances TICK per reading (two per step) instead of with the wall:
    a time budget becomes the same step count on a fast machine and a loaded one."""
    readings = iter(range(1, 10**9))
    monkeypatch.setattr(Trainer, "clock", staticmethod(lambda: next(readings) * TICK))


def test_time_budget_rerun_with_recorded_steps_is_bit_exact(tiny_parallel, tmp_path, ticking_clock):
    timed = tmp_path / "timed"
    assert run_cli(*tiny_args(tiny_parallel, timed, "--minutes", "0.02")).exit_code == 0
    steps = json.loads((timed / "config.json").read_text())["train"]["steps"]
    assert steps == 5 + int((1.2 - 5 * TICK) / TICK) == 9  # planned at step 5 from TICK s per step
    rerun = tmp_path / "rerun"
    assert run_cli(*tiny_args(tiny_parallel, rerun, "--steps", str(steps))).exit_code == 0
    assert_same_weights(weights(timed), weights(rerun))


class Killed(Exception):
    """Stands for kill -9: the process ends without saving; only the periodic checkpoint is left."""


def test_time_budget_kill_and_resume_is_bit_exact(tiny_parallel, tmp_path, ticking_clock):
    model_cfg, train_cfg = C.preset("tiny")
    train_cfg = dataclasses.replace(train_cfg, corpus=f"file:{tiny_parallel}", steps=0, minutes=0.05,
                                    checkpoint_every=4)  # 3 s of ticks: 24 steps, planned at step 5

    def kill(report) -> None:
        if report.step == 10:
            raise Killed

    with pytest.raises(Killed):
        Trainer(tmp_path / "killed", model_cfg, train_cfg, on_step=kill).run()
    saved = load_checkpoint(tmp_path / "killed" / CHECKPOINT)
    assert saved["step"] == 8 and saved["planned"]  # the plan was fixed at step 5 and saved
    planned = saved["train_cfg"]["steps"]
    assert planned == 5 + int((3.0 - 5 * TICK) / TICK) == 24
    resumed = start_or_resume(tmp_path / "killed", None, None, resume=True)
    resumed.run()
    fresh = Trainer(tmp_path / "fresh", model_cfg, dataclasses.replace(train_cfg, steps=planned, minutes=0.0))
    fresh.run()
    assert resumed.state.step == fresh.state.step == planned
    assert_same_weights(fresh.model.state_dict(), resumed.model.state_dict())


def test_changed_tokenizer_file_is_refused(tiny_parallel, tmp_path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    def train_tokenizer(vocab: int) -> None:
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      show_progress=False)
        texts = [line for p in tiny_parallel.iterdir() for line in p.read_text().splitlines()]
        tok.train_from_iterator(texts, trainer=trainer)
        tok.save(str(tmp_path / "tok.json"))

    train_tokenizer(280)
    run = tmp_path / "run"
    result = run_cli(*tiny_args(tiny_parallel, run, "--steps", "2", "--set", f"tokenizer=hf:{tmp_path / 'tok.json'}"))
    assert result.exit_code == 0, result.output
    assert run_cli("byte", "eval", str(run), "--corpus", f"file:{tiny_parallel}").exit_code == 0
    train_tokenizer(270)

    clear_memos("tokenizers")
    assert_one_line_error(run_cli("byte", "eval", str(run), "--corpus", f"file:{tiny_parallel}"),
                          "changed since this model was trained", "tok.json")
    assert_one_line_error(run_cli("byte", "train", "--resume", str(run), "--steps", "4"),
                          "changed since this model was trained")


def test_checkpoint_signature_names_corpus_content_and_tokenizer(tiny_parallel, tmp_path):
    run = tmp_path / "run"
    assert run_cli(*tiny_args(tiny_parallel, run, "--steps", "2")).exit_code == 0
    signature = load_checkpoint(run / CHECKPOINT)["signature"]
    assert "train_corpus:file:" in signature and "|content:" in signature and "steps:2" in signature
