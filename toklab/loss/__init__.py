"""Information loss: what a tokenizer's round trip throws away, per language, by pipeline stage.

- `run_loss` (analysis.py): per-language loss rows, a per-tokenizer summary and examples;
- attribution.py: which stage (unknown, normalizer, whitespace, pretokenizer, decoder) explains a lost character;
- alignment.py: the character alignment of a text and its round trip.
"""

from toklab.loss.analysis import LossResult, run_loss, summarise
from toklab.loss.attribution import STAGES

__all__ = ["STAGES", "LossResult", "run_loss", "summarise"]
