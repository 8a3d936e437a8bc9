"""The byte transformer: learning, BPB arithmetic, resume, signals, corruption, NaN, DDP, CLI."""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

from byte_model import config as C
from byte_model.checkpoint import load_checkpoint, save_checkpoint
from byte_model.data import Documents, Vocabulary, eval_windows
from byte_model.evaluate import bpb_table
from byte_model.protocols import document_bits
from byte_model.runtime import autocast_dtype, should_compile
from byte_model.train import CHECKPOINT, Trainer, TrainingDiverged, TrainingInterrupted
from tests.conftest import CLI_SCRIPT, assert_resume_is_bit_exact, run_cli
from toklab.errors import CorruptFileError


def tiny_configs(corpus: str, **train) -> tuple[C.ModelConfig, C.TrainConfig]:
    model, base = C.preset("tiny")
    return model, dataclasses.replace(base, corpus=corpus, **train)


def test_tiny_model_overfits_tiny_text(tmp_path):
    text = tmp_path / "one.txt"
    text.write_text("abcabcabd abcabcabd\n" * 3, encoding="utf-8")
    model, train = tiny_configs(f"file:{text}", steps=300, lr=1e-2, warmup_steps=10, checkpoint_every=1000)
    model = dataclasses.replace(model, d_model=64, n_layer=2, ctx=32)
    losses = []
    trainer = Trainer(tmp_path / "run", model, train, on_step=lambda r: losses.append(r.loss))
    trainer.run()
    assert np.mean(losses[-10:]) < 0.1, losses[-10:]


class Uniform(torch.nn.Module):
    """Equal probability for every id: BPB must be log2(V) × ids / bytes."""

    def __init__(self, vocab: int, ctx: int = 16):
        super().__init__()
        self.cfg = C.ModelConfig(vocab_size=vocab, ctx=ctx)
        self.p = torch.nn.Parameter(torch.zeros(1))

    def forward(self, idx):
        return torch.zeros(*idx.shape, self.cfg.vocab_size) + self.p


def test_bpb_arithmetic_on_known_probabilities():
    vocab = Vocabulary("bytes:utf8", 256)
    texts = ["héllo", "a" * 40, "日本"]  # the 40-byte text spans several windows of ctx 16
    ids = [np.frombuffer(t.encode(), dtype=np.uint8).astype(np.int64) for t in texts]
    docs = Documents(ids, ["x", "y", "x"], np.array([len(t.encode()) for t in texts]))
    bits = document_bits(Uniform(vocab.size), docs, vocab, batch_size=2)
    assert bits == pytest.approx([len(i) * math.log2(vocab.size) for i in ids])
    per_lang, overall = bpb_table(docs, bits)
    assert overall == pytest.approx(math.log2(259))


def test_eval_windows_score_each_target_once():
    vocab = Vocabulary("bytes:utf8", 256)
    ids = np.arange(100) % 256
    windows = eval_windows(ids, vocab, ctx=16)
    scored = np.concatenate([t[t != -100] for _i, t in windows])
    assert scored.tolist() == ids.tolist()
    assert all(len(i) <= 16 for i, _t in windows)


def test_resume_equals_uninterrupted(tiny_parallel, tmp_path):
    model, train = tiny_configs(f"file:{tiny_parallel}", steps=8, checkpoint_every=4)
    assert_resume_is_bit_exact(model, train, tmp_path)


def test_sigint_leaves_loadable_checkpoint(tiny_parallel, tmp_path):
    model, train = tiny_configs(f"file:{tiny_parallel}", steps=50, checkpoint_every=1000)

    def interrupt(report):
        if report.step == 3:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(TrainingInterrupted, match="--resume"):
        Trainer(tmp_path / "run", model, train, on_step=interrupt).run()
    assert load_checkpoint(tmp_path / "run" / CHECKPOINT)["step"] == 3


def test_truncated_checkpoint_rejected_with_path(tmp_path):
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, {"weights": torch.ones(1000)})
    assert load_checkpoint(path)["weights"].sum() == 1000
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CorruptFileError, match=str(path)):
        load_checkpoint(path)


def test_nan_stops_and_keeps_last_good_checkpoint(tiny_parallel, tmp_path):
    model, train = tiny_configs(f"file:{tiny_parallel}", steps=50, checkpoint_every=1)
    holder = {}

    def poison(report):
        if report.step == 3:
            with torch.no_grad():
                holder["trainer"].model.embed.weight.fill_(float("nan"))

    trainer = Trainer(tmp_path / "run", model, train, on_step=poison)
    holder["trainer"] = trainer
    with pytest.raises(TrainingDiverged, match=r"diverged at step 3 \(weights of embed.weight became nan\); the last "
                                               r"good checkpoint \(step 2\)"):
        trainer.run()
    saved = load_checkpoint(tmp_path / "run" / CHECKPOINT)
    assert saved["step"] == 2  # the NaN weights of step 3 were never written over it
    assert all(torch.isfinite(t).all() for t in saved["model"].values())


def test_gpu_paths_selected_by_device():
    assert autocast_dtype(torch.device("cuda")) == torch.bfloat16
    assert autocast_dtype(torch.device("cpu")) is None
    assert should_compile("auto", torch.device("cuda")) and not should_compile("auto", torch.device("cpu"))


@pytest.mark.parametrize("arch, port", [("plain", 29533), ("canine", 29534), ("gbst", 29535)])
def test_two_process_gloo(arch, port, tiny_parallel, tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={port}", str(CLI_SCRIPT),
           "byte", "train", "--preset", "tiny", "--steps", "4", "--out", str(tmp_path / "ddp"),
           "--set", f"corpus=file:{tiny_parallel}", "--set", "threads=1", "--set", f"arch={arch}"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert load_checkpoint(tmp_path / "ddp" / CHECKPOINT)["step"] == 4
    assert out.stdout.count("trained 4 steps") == 1  # rank 0 alone reports


def test_cli_train_eval_sample(tiny_parallel, tmp_path):
    run = tmp_path / "cli-run"
    result = run_cli("byte", "train", "--preset", "tiny", "--steps", "2", "--out", str(run),
                     "--set", f"corpus=file:{tiny_parallel}")
    assert result.exit_code == 0, result.output
    assert {"checkpoint.pt", "config.json", "metrics.csv", "loss.png"} <= {p.name for p in run.iterdir()}
    evaluated = run_cli("byte", "eval", str(run), "--corpus", f"file:{tiny_parallel}", width=150)
    assert evaluated.exit_code == 0 and "overall (byte-weighted)" in evaluated.output
    sampled = run_cli("byte", "sample", str(run), "--prompt", "The ", "--max-bytes", "10")
    assert sampled.exit_code == 0 and sampled.output.startswith("The ")
    bad = run_cli("byte", "train", "--preset", "tiny", "--set", "d_modle=3")
    assert bad.exit_code == 2 and "d_model" in bad.output
