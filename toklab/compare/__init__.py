"""Every scheme on one axis: bits per byte of token models, the byte model and compressors, per language.

- `run_compare` (comparison.py): trains one small LM per scheme on the same budget and scores it;
- compressors.py: gzip, bz2, xz and PPMd, conditioned on the same language's dev text.
"""

from toklab.compare.comparison import CompareConfig, CompareResult, run_compare

__all__ = ["CompareConfig", "CompareResult", "run_compare"]
