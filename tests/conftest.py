"""Shared fixtures. Tests are offline; real data comes from `TOKLAB_SHARED` (set by .ci/run)
and tests that need it skip with a reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ["TOKLAB_SHARED"]) if os.environ.get("TOKLAB_SHARED") else None


def shared_path(relative: str) -> Path:
    if SHARED is None or not (SHARED / relative).exists():
        pytest.skip(f"real data {relative} absent: set TOKLAB_SHARED to the shared/ directory")
    return SHARED / relative


ROOT = Path(__file__).resolve().parent.parent
CLI_SCRIPT = ROOT / "cli.py"  # by absolute path: no test depends on the working directory


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets its own TOKLAB_HOME (cache, runs, trained tokenizers): no test can pass
    because of what another left behind, and none touches the user's."""
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "toklab-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def flores_ready(monkeypatch):
    root = shared_path("corpora/flores200")
    monkeypatch.setenv("TOKLAB_DATA", str(root.parent))
    return root


@pytest.fixture
def tiktoken_ready(monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(shared_path("tiktoken_cache")))


@pytest.fixture
def tiny_parallel(tmp_path) -> Path:
    """A small parallel corpus written by the test itself: one file per language."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    eng = ["The cat sat on the mat.", "Apple and apple.", "Tokenizers cost money.", "Hello world!"]
    fra = ["Le chat était assis sur le tapis.", "Pomme et pomme.", "Les tokeniseurs coûtent cher.", "Bonjour le monde !"]
    jpn = ["猫がマットの上に座った。", "りんごとりんご。", "トークナイザーは高い。", "こんにちは世界！"]
    for lang, lines in (("eng_Latn", eng), ("fra_Latn", fra), ("jpn_Jpan", jpn)):
        (folder / f"{lang}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def run_cli(*args: str, width: int = 120):
    """Run the real CLI entry point in-process with a fixed-width console."""
    from click.testing import CliRunner

    from toklab.cli import main

    runner = CliRunner()
    return runner.invoke(main, list(args), env={"COLUMNS": str(width), "TERM": "dumb"}, catch_exceptions=False)


def assert_resume_is_bit_exact(model_cfg, train_cfg, tmp_path, stop_at: int = 4):
    """Train once straight through and once interrupted by SIGINT at `stop_at` and resumed: the
    final weights must be equal bit for bit. Returns the resumed trainer."""
    import signal

    import torch

    from byte_model.train import Trainer, TrainingInterrupted, start_or_resume

    whole = Trainer(tmp_path / "whole", model_cfg, train_cfg)
    whole.run()

    def interrupt(report):
        if report.step == stop_at:
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(TrainingInterrupted):
        Trainer(tmp_path / "split", model_cfg, train_cfg, on_step=interrupt).run()
    resumed = start_or_resume(tmp_path / "split", None, None, resume=True)
    assert resumed.state.step == stop_at
    resumed.run()
    for (name, a), b in zip(whole.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name
    return resumed


@pytest.fixture
def noto_fonts():
    """Debian's Noto fonts (fonts-noto-core, fonts-noto-cjk; .ci/run installs them), or a skip
    that says how to get them."""
    from toklab.rendering.fonts import INSTALL_HINT, FontSet, FontsMissing

    try:
        return FontSet()
    except FontsMissing:
        pytest.skip(f"no Noto fonts: {INSTALL_HINT}")
