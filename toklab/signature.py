"""Signatures: `key:value|…` strings that say where a number came from, built by the library
from what was actually computed (tokenizer specs and artifact hashes, corpus specs and content
hashes, method choices, versions). Analyzers attach one to every result; the CLI only prints it.
"""

from __future__ import annotations

import platform
from typing import Iterable

from toklab import __version__


def library_versions() -> str:
    import importlib.metadata as md

    parts = [f"toklab:{__version__}", f"python:{platform.python_version()}"]
    for package in ("tiktoken", "tokenizers", "sentencepiece", "polars", "numpy"):
        try:
            parts.append(f"{package}:{md.version(package)}")
        except md.PackageNotFoundError:
            pass
    return "|".join(parts)


def tokenizers_part(adapters: Iterable) -> str:
    """Several tokenizers' signatures, separated by `||`."""
    return "||".join(a.signature for a in adapters)


def build(*parts: str) -> str:
    """Join the non-empty parts, ending with the library versions (once: a part that is itself a
    built signature loses its own copy)."""
    versions = library_versions()
    return "|".join([p.removesuffix("|" + versions) for p in parts if p] + [versions])
