"""Where a run keeps its weights, and loading a trained model from them.

Its own home so that evaluation, sampling, compare and the entropy scheme load a model without
importing the trainer: evaluation sits above protocols, protocols above the model, and loading
beside them, never the other way round.
"""

from __future__ import annotations

from pathlib import Path

import torch

from byte_model.architectures import build_model
from byte_model.checkpoint import LOAD_KEYS, configs_of, load_checkpoint, load_weights, require, vocabulary_of
from byte_model.data import Vocabulary
from byte_model.model import LanguageModel

CHECKPOINT = "checkpoint.pt"
BEST = "best.pt"  # the weights with the lowest validation BPB so far


def checkpoint_path(run_dir: Path, which: str = "best") -> Path:
    """A run's checkpoint: `best` (lowest validation BPB; the last one when the run kept none) or
    `last`; a file path is taken as given."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return run_dir
    if which == "best" and (run_dir / BEST).is_file():
        return run_dir / BEST
    return run_dir / CHECKPOINT


def load_model(run_dir: Path, device: torch.device | None = None, which: str = "best"
               ) -> tuple[LanguageModel, Vocabulary, dict]:
    """(the model in eval mode on `device`, its vocabulary, the checkpoint's payload)."""
    path = checkpoint_path(run_dir, which)
    payload = require(load_checkpoint(path), path, LOAD_KEYS)
    model_cfg, _train_cfg = configs_of(payload, path)
    vocab = vocabulary_of(payload, path)
    model = build_model(model_cfg)
    load_weights(model, payload["model"], path)
    model.to(device or torch.device("cpu")).eval()
    return model, vocab, payload
