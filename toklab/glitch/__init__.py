"""Glitch tokens: ids text can never produce, byte fragments, and tokens a model never saw in training.

- `categorise` (categories.py): an exact category for every id, from the tokenizer alone;
- `scan` (scan.py): every id ranked by stated evidence, with the reason in words — never producible,
  a character class ordinary text lacks (charclass.py), and the mismatch between the token's merge
  rank and how often ordinary text holds its string (mismatch.py, reference.py: wordfreq lists and
  a corpus); reasons.py words it;
- weights.py: given a checkpoint, embedding signals (signals.py), a fitted score (score.py) and how
  far the weight-free ranking agrees with them;
- `run_experiment` (experiment.py): a token LM trained on a corpus with planted strings, so every
  signal is scored against known training counts (imports torch).
"""

from toklab.glitch.categories import categorise
from toklab.glitch.experiment import ExperimentConfig, ExperimentResult, run_experiment
from toklab.glitch.scan import GlitchScan, scan

__all__ = ["ExperimentConfig", "ExperimentResult", "GlitchScan", "categorise", "run_experiment", "scan"]
