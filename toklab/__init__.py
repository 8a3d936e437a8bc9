"""toklab — what tokenization costs, loses and breaks, per language.

The few entry points a notebook needs (see toklab.api for examples that run):

- `load_tokenizer(spec)`, `load_corpus(spec)`;
- `audit(tokenizers, corpus)` — token premium per language with intervals;
- `information_loss(tokenizers, corpus)` — round-trip loss per language and stage;
- `glitch_scan(tokenizer)` — glitch categories and a risk ranking;
- `train_byte_model(run_dir)`, `evaluate_byte_model(run_dir)` — the tokenizer-free baseline.

`import toklab` stays light: each entry point loads its analyzer (and torch, for the byte model)
on first use.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

from toklab.errors import ToklabError

_API = {
    "load_tokenizer": "toklab.registry", "parse_tokenizer_spec": "toklab.registry", "load_corpus": "corpora",
    "audit": "toklab.api", "information_loss": "toklab.api", "glitch_scan": "toklab.api",
    "train_byte_model": "toklab.api", "evaluate_byte_model": "toklab.api", "clear_memos": "toklab.memo",
    "write_report": "toklab.api",
}

__all__ = ["ToklabError", "__version__", "audit", "clear_memos", "evaluate_byte_model", "glitch_scan", "information_loss",
           "load_corpus", "load_tokenizer", "parse_tokenizer_spec", "train_byte_model", "write_report"]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'toklab' has no attribute {name!r}")
