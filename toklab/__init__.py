"""toklab — tokenizer analysis and byte-level modeling lab.

>>> import toklab
>>> enc = toklab.load_tokenizer("tiktoken:cl100k_base")   # doctest: +SKIP
>>> enc.encode("hello world")                              # doctest: +SKIP
[15339, 1917]
"""

from __future__ import annotations

__version__ = "0.1.0"

from toklab.errors import ToklabError  # noqa: E402
from toklab.registry import load_tokenizer, parse_tokenizer_spec  # noqa: E402

__all__ = ["__version__", "ToklabError", "load_tokenizer", "parse_tokenizer_spec"]
