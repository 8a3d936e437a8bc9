"""Per-document token measurements of one tokenizer on one corpus, cached.

The result is a polars frame, one row per (lang, doc_id): bytes, chars, units, tokens,
unk_chars, continued units; plus the language's Rényi efficiency. It is keyed by the tokenizer
and corpus signatures, the normal form and the toklab version, and written atomically to the
cache, so a repeated audit reads it instead of encoding again.
"""

from __future__ import annotations

import dataclasses
import itertools
import unicodedata
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl

from corpora import Corpus
from toklab import __version__
from toklab.adapters.base import Adapter, TokenAnalysis
from toklab.paths import atomic_path, cache_dir, short_hash
from toklab.units import Units, continued_per_doc, find_units

NORMAL_FORMS = ("none", "nfc", "nfd", "nfkc", "nfkd")
RENYI_ALPHA = 2.5

Progress = Callable[[str], None]  # called once per language done


@dataclasses.dataclass(frozen=True)
class MeasureOptions:
    normalize: str = "none"
    jobs: int = 1
    renyi_alpha: float = RENYI_ALPHA

    def key(self) -> str:
        return f"norm:{self.normalize}|renyi_alpha:{self.renyi_alpha}"


def normalize_texts(texts: list[str], form: str) -> list[str]:
    if form == "none":
        return texts
    return [unicodedata.normalize(form.upper(), t) for t in texts]


def renyi_efficiency(flat_ids: np.ndarray, vocab_size: int, alpha: float) -> float | None:
    """Rényi entropy (order alpha) of the unigram distribution over log2(vocab) (Zouhar et al., 2023)."""
    if flat_ids.size == 0 or vocab_size < 2:
        return None
    counts = np.unique(flat_ids, return_counts=True)[1] if vocab_size > 4 * flat_ids.size else np.bincount(flat_ids)
    p = counts[counts > 0] / flat_ids.size
    entropy = np.log2(np.sum(p**alpha)) / (1 - alpha)
    return float(entropy / np.log2(vocab_size))


def global_boundaries(adapter: Adapter, analysis: TokenAnalysis, flat: np.ndarray, units: Units) -> np.ndarray:
    """Token end offsets in the `\\n`-joined coordinates of `units`."""
    if analysis.ends is None:
        lengths = np.array([len(d) for d in analysis.ids], dtype=np.int64)
        doc_of_token = np.repeat(np.arange(len(lengths)), lengths)
        return np.cumsum(adapter.byte_lengths[flat]) + doc_of_token  # one separator byte per earlier doc
    parts = [ends + start for ends, start in zip(analysis.ends, units.doc_starts)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def measure_language(adapter: Adapter, texts: list[str], lang: str, options: MeasureOptions) -> dict:
    analysis = adapter.analyse(texts, options.jobs)
    tokens = np.fromiter((len(d) for d in analysis.ids), dtype=np.int64, count=len(texts))
    flat = np.fromiter(itertools.chain.from_iterable(analysis.ids), dtype=np.int64, count=int(tokens.sum()))
    units = find_units(texts, lang)
    boundaries = np.sort(global_boundaries(adapter, analysis, flat, units))
    return {
        "tokens": tokens,
        "unk_chars": np.asarray(analysis.unk_chars, dtype=np.int64),
        "units": units.per_doc,
        "unit_kind": units.kind,
        "continued": continued_per_doc(units, boundaries, len(texts)),
        "renyi": renyi_efficiency(flat, adapter.vocab_size, options.renyi_alpha),
    }


def cache_file(adapter: Adapter, corpus: Corpus, options: MeasureOptions) -> Path:
    key = short_hash("\n".join([adapter.signature, corpus.signature, options.key(), __version__]))
    return cache_dir("measurements") / f"{key}.parquet"


def measure(adapter: Adapter, corpus: Corpus, options: MeasureOptions = MeasureOptions(),
            progress: Progress | None = None, use_cache: bool = True) -> pl.DataFrame:
    path = cache_file(adapter, corpus, options)
    if use_cache and path.exists():
        if progress:
            for lang in corpus.langs:
                progress(lang)
        return pl.read_parquet(path)
    parts = []
    for lang, part in corpus.by_lang().items():
        texts = normalize_texts(part["text"].to_list(), options.normalize)
        result = measure_language(adapter, texts, lang, options)
        parts.append(
            pl.DataFrame(
                {
                    "lang": lang,
                    "doc_id": part["doc_id"],
                    "split": part["split"],
                    "bytes": [len(t.encode("utf-8")) for t in texts],
                    "chars": [len(t) for t in texts],
                    "units": result["units"],
                    "tokens": result["tokens"],
                    "unk_chars": result["unk_chars"],
                    "continued": result["continued"],
                }
            ).with_columns(
                pl.lit(result["unit_kind"]).alias("unit_kind"),
                pl.lit(result["renyi"], dtype=pl.Float64).alias("renyi_efficiency"),
            )
        )
        if progress:
            progress(lang)
    frame = pl.concat(parts)
    with atomic_path(path) as tmp:
        frame.write_parquet(tmp)
    return frame


def measure_joined(adapter: Adapter, corpus: Corpus, options: MeasureOptions) -> pl.DataFrame:
    """Petrov et al. (2023): per language, all lines joined with one space, encoded once."""
    rows = []
    for lang in corpus.langs:
        text = normalize_texts([corpus.joined_text(lang)], options.normalize)[0]
        rows.append({"lang": lang, "joined_tokens": len(adapter.encode(text)),
                     "joined_bytes": len(text.encode("utf-8")), "joined_chars": len(text)})
    return pl.DataFrame(rows)
