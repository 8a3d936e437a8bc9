"""Glitch tokens: ids text can never produce, byte fragments, and tokens a model never saw in training.

- `categorise` (categories.py): an exact category for every id, from the tokenizer alone;
- `scan` (scan.py): categories plus frequency signals and, given weights, embedding signals, ranked;
- signals.py (each signal), score.py (the fitted score);
- `run_experiment` (experiment.py): a token LM trained on a corpus with planted strings, so every
  signal is scored against known training counts (imports torch).
"""

from toklab.glitch.categories import categorise
from toklab.glitch.experiment import ExperimentConfig, ExperimentResult, run_experiment
from toklab.glitch.scan import GlitchScan, scan

__all__ = ["ExperimentConfig", "ExperimentResult", "GlitchScan", "categorise", "run_experiment", "scan"]
