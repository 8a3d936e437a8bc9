"""torch commands choose their CPU threads (not every core: one descheduled thread stalls the rest
on a loaded machine), say how many they use, and record it with a run."""

from __future__ import annotations

import json

import pytest
import torch

from byte_model import runtime
from tests.conftest import run_cli


@pytest.fixture(autouse=True)
def restore_torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("cpus, expected", [(1, 1), (2, 1), (3, 1), (4, 2), (16, 8), (64, 8)])
def test_default_is_half_the_cpus_this_process_may_use(monkeypatch, cpus, expected):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(runtime, "available_cpus", lambda: cpus)
    assert runtime.default_threads() == expected


@pytest.mark.parametrize("value, expected", [("3", 3), ("0", 1), ("", 1), ("two", 1), ("-2", 1)])
def test_omp_num_threads_sets_the_default_when_it_is_a_count(monkeypatch, value, expected):
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    monkeypatch.setattr(runtime, "available_cpus", lambda: 2)
    assert runtime.default_threads() == expected


def test_available_cpus_follow_the_affinity_mask():
    import os

    assert runtime.available_cpus() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("requested", [0, 1, 2])
def test_use_threads_sets_torch_and_returns_the_count(monkeypatch, requested):
    monkeypatch.setattr(runtime, "default_threads", lambda: 1)
    count = runtime.use_threads(requested)
    assert count == (requested or 1) == torch.get_num_threads()


def test_train_prints_and_records_its_threads_and_eval_and_sample_print_theirs(tiny_parallel, tmp_path, monkeypatch):
    monkeypatch.setattr(runtime, "default_threads", lambda: 1)
    run = tmp_path / "run"
    trained = run_cli("byte", "train", "--preset", "tiny", "--steps", "2", "--set", f"corpus=file:{tiny_parallel}",
                      "--out", str(run))
    assert trained.exit_code == 0, trained.output
    assert "· torch threads 1" in trained.output  # the run's header line
    assert json.loads((run / "config.json").read_text())["threads"] == 1
    evaluated = run_cli("byte", "eval", str(run), "--corpus", f"file:{tiny_parallel}", "--threads", "2")
    assert evaluated.exit_code == 0, evaluated.output
    assert "torch threads 2" in evaluated.output and torch.get_num_threads() == 2
    sampled = run_cli("byte", "sample", str(run), "--max-bytes", "2")
    assert sampled.exit_code == 0 and "torch threads 1" in sampled.output
