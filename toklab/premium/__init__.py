"""Cross-language token premiums: what the same content costs in tokens, per language, and in money.

- `run_audit` (audit.py): premium per language with bootstrap intervals, fertility, Rényi efficiency;
- `normalization_sensitivity` (audit.py): the premium under NFC, NFD and NFKC;
- `price_audit` (pricing.py): the premium as API prices per model;
- `compare_parity` (parity.py): a parity-aware BPE against classic BPE;
- measure.py (per-language counts, cached), inflation.py (premium, bootstrap, Gini),
  word_units.py (words and characters found in bytes).
"""

from toklab.premium.audit import (
                                  DEFAULT_TOKENIZERS,
                                  METHODS,
                                  AuditOptions,
                                  AuditResult,
                                  SensitivityResult,
                                  normalization_sensitivity,
                                  run_audit,
)
from toklab.bootstrap import BootstrapOptions
from toklab.premium.measure import MeasureOptions
from toklab.premium.pricing import PriceResult, Scenario, load_prices, price_audit

__all__ = ["DEFAULT_TOKENIZERS", "METHODS", "AuditOptions", "AuditResult", "BootstrapOptions", "MeasureOptions",
           "PriceResult", "Scenario", "SensitivityResult", "load_prices", "normalization_sensitivity", "price_audit",
           "run_audit"]
