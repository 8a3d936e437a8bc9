"""Per-document token measurements of one tokenizer on one corpus, cached.

The result is a polars frame, one row per (lang, doc_id): bytes, chars, units, tokens,
unk_chars, continued units; plus the language's Rényi efficiency. The cache key is content-
addressed: the tokenizer signature (with its artifact hash), the corpus signature (with the
content hash of its texts), the options and the source of the code that measures; the entry is
sealed with its key and
verified on every read (`toklab.cache`), so a repeated audit reads it instead of encoding again
and an edited corpus, a changed tokenizer file or a damaged entry is measured afresh.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator, TypeVar

import numpy as np
import polars as pl

from corpora import Corpus
from toklab.adapters.base import Adapter, FlatAnalysis
from toklab.cache import CacheKey, cache_key, load_frame, store_frame
from toklab.memo import memo_dict
from toklab.premium.word_units import Units, continued_per_doc, find_units
from toklab.token_offsets import global_boundaries

NORMAL_FORMS = ("none", "nfc", "nfd", "nfkc", "nfkd")
RENYI_ALPHA = 2.5

Progress = Callable[[str], None]  # called once per language done
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class MeasureOptions:
    normalize: str = "none"
    jobs: int = 1
    renyi_alpha: float = RENYI_ALPHA
    executor: str = "local"  # or "ray" (streamed corpora): where the work runs, never what it measures

    def key(self) -> str:
        return f"norm:{self.normalize}|renyi_alpha:{self.renyi_alpha}"


def normalize_texts(texts: list[str], form: str) -> list[str]:
    if form == "none":
        return texts
    return [unicodedata.normalize(form.upper(), t) for t in texts]


def vocabulary_size(adapter: Adapter) -> int:
    """The size of the vocabulary a token distribution is measured against; 0 for schemes that
    have none (patches: their ids label the pieces met so far, so any efficiency would depend on
    what the process read before)."""
    return 0 if adapter.family == "patches" else adapter.vocab_size


def renyi_efficiency(flat_ids: np.ndarray, vocab_size: int, alpha: float) -> tuple[float | None, float | None]:
    """Rényi entropy (order alpha) of the unigram distribution (Zouhar et al., 2023), normalised
    two ways: by log2 of the full vocabulary (Zouhar et al.'s definition) and by log2 of the
    token types observed in this text (how evenly the used types are used)."""
    if flat_ids.size == 0 or vocab_size < 2:
        return None, None
    counts = np.unique(flat_ids, return_counts=True)[1] if vocab_size > 4 * flat_ids.size else np.bincount(flat_ids)
    return renyi_from_counts(counts, vocab_size, alpha)


def renyi_from_counts(counts: np.ndarray, vocab_size: int, alpha: float) -> tuple[float | None, float | None]:
    """`renyi_efficiency` from token-type counts (in id order; zeros allowed), as a stream adds them up."""
    counts = counts[counts > 0]
    if counts.size == 0 or vocab_size < 2:
        return None, None
    p = counts / counts.sum()
    entropy = np.log2(np.sum(p**alpha)) / (1 - alpha)
    observed = float(entropy / np.log2(counts.size)) if counts.size > 1 else None
    return float(entropy / np.log2(vocab_size)), observed


@dataclasses.dataclass(frozen=True)
class LanguageText:
    """What every tokenizer's measurement of one language shares: computed once per corpus."""

    lang: str
    doc_ids: pl.Series
    splits: pl.Series
    texts: list[str]
    bytes: np.ndarray
    chars: np.ndarray
    units: Units


_TEXT_MEMO: dict[tuple[str, str], dict[str, LanguageText]] = memo_dict("texts")


def language_texts(corpus: Corpus, normalize: str, jobs: int = 1) -> dict[str, LanguageText]:
    key = (corpus.signature, normalize)
    if key not in _TEXT_MEMO:
        _TEXT_MEMO.clear()  # keep one corpus in memory at a time
        _TEXT_MEMO[key] = texts_by_language(corpus.frame, normalize, jobs)
    return _TEXT_MEMO[key]


def texts_by_language(frame: pl.DataFrame, normalize: str, jobs: int = 1) -> dict[str, LanguageText]:
    """A corpus frame's (or a stream block's) languages, ready for every tokenizer (prepared by
    `jobs` threads: the unit search is numpy, which releases the GIL)."""
    parts = [(lang, part) for (lang,), part in frame.group_by("lang", maintain_order=True)]

    def prepare(item: tuple[str, pl.DataFrame]) -> LanguageText:
        lang, part = item
        texts = normalize_texts(part["text"].to_list(), normalize)
        series = part["text"] if normalize == "none" else pl.Series(texts, dtype=pl.Utf8)
        return LanguageText(lang, part["doc_id"], part["split"], texts, series.str.len_bytes().to_numpy(),
                            series.str.len_chars().to_numpy(), find_units(series, lang))

    if jobs > 1 and len(parts) > 1:
        with ThreadPoolExecutor(jobs) as pool:
            return {text.lang: text for text in pool.map(prepare, parts)}
    return {text.lang: text for text in map(prepare, parts)}


# Threads take whole languages (encode and bookkeeping in one task); a language above SPLIT_BYTES
# (one language alone, or one much larger than the rest) is cut into chunks of at least CHUNK_BYTES
# encoded in parallel, then finished in the caller's thread.
CHUNK_BYTES = 1 << 17
SPLIT_BYTES = 8 * CHUNK_BYTES


def chunks(text: LanguageText, jobs: int) -> list[slice]:
    """Consecutive document ranges: one, or about 4 per thread for a language above SPLIT_BYTES."""
    total = int(text.bytes.sum())
    if jobs <= 1 or len(text.texts) < 2 or total <= SPLIT_BYTES:
        return [slice(0, len(text.texts))]
    cut_every = max(CHUNK_BYTES, total // (4 * jobs) + 1)
    cuts = np.flatnonzero(np.diff(np.cumsum(text.bytes, dtype=np.int64) // cut_every)) + 1
    edges = [0, *cuts.tolist(), len(text.texts)]
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


Finish = Callable[[LanguageText, FlatAnalysis], T]


def measured(adapter: Adapter, texts: dict[str, LanguageText], jobs: int, finish: Finish) -> Iterator[tuple[str, T]]:
    """`finish(text, flat analysis)` for every language, in corpus order. With jobs > 1 a pool of
    threads runs whole languages (the encoders and numpy release the GIL), a few languages ahead of
    the caller; a language above SPLIT_BYTES is encoded in chunks by the pool and finished here."""
    if jobs <= 1:
        for lang, text in texts.items():
            yield lang, finish(text, adapter.analyse_flat(text.texts))
        return

    def whole(text: LanguageText):
        return finish(text, adapter.analyse_flat(text.texts))

    with ThreadPoolExecutor(jobs) as pool:
        pending: collections.deque = collections.deque()
        for lang, text in itertools.chain(texts.items(), [(None, None)]):
            if lang is not None:
                parts = chunks(text, jobs)
                job = (pool.submit(whole, text) if len(parts) == 1 else
                       [pool.submit(adapter.analyse_flat, text.texts[part]) for part in parts])
                pending.append((lang, text, job))
            while pending and (lang is None or len(pending) > 4 * jobs):
                done, done_text, job = pending.popleft()
                if isinstance(job, list):
                    yield done, finish(done_text, FlatAnalysis.joined([future.result() for future in job]))
                else:
                    yield done, job.result()


def measure_language(adapter: Adapter, text: LanguageText, flat: FlatAnalysis) -> dict:
    """Per-document columns of one language from its flat analysis (numpy only)."""
    boundaries = global_boundaries(adapter, flat, text.units.doc_starts)  # sorted: docs in order
    return {
        "tokens": flat.counts,
        "unk_chars": flat.unk_chars,
        "continued": continued_per_doc(text.units, boundaries, len(text.texts)),
    }


def language_frame(texts: dict[str, LanguageText], measured: dict[str, dict]) -> pl.DataFrame:
    """One frame for the corpus, built once from every language's columns."""
    langs = list(texts)
    sizes = np.array([len(texts[lang].texts) for lang in langs], dtype=np.int64)

    def spread(values: list) -> pl.Series:  # one value per language, repeated over its documents
        return pl.Series(values).gather(np.repeat(np.arange(len(langs)), sizes))

    def stacked(column: str) -> np.ndarray:
        return np.concatenate([measured[lang][column] for lang in langs]).astype(np.int64)

    renyi = [measured[lang]["renyi"] for lang in langs]
    return pl.DataFrame(
        {
            "lang": spread(langs),
            "doc_id": pl.concat([texts[lang].doc_ids for lang in langs]),
            "split": pl.concat([texts[lang].splits for lang in langs]),
            "bytes": np.concatenate([texts[lang].bytes for lang in langs]),
            "chars": np.concatenate([texts[lang].chars for lang in langs]),
            "units": np.concatenate([texts[lang].units.per_doc for lang in langs]),
            "tokens": stacked("tokens"),
            "unk_chars": stacked("unk_chars"),
            "continued": stacked("continued"),
            "unit_kind": spread([texts[lang].units.kind for lang in langs]),
            "renyi_efficiency_vocab": spread([r[0] for r in renyi]).cast(pl.Float64),
            "renyi_efficiency_observed": spread([r[1] for r in renyi]).cast(pl.Float64),
        }
    )


MEASURE_CODE = (__name__, "toklab.premium.word_units", "toklab.token_offsets")  # what computes a measurement


def measurement_key(adapter: Adapter, corpus: Corpus, options: MeasureOptions) -> CacheKey:
    return cache_key("measurements", adapter.signature, corpus.signature, corpus.content_hash, options.key(),
                     code=MEASURE_CODE + adapter.code_modules)


def measure(adapter: Adapter, corpus: Corpus, options: MeasureOptions = MeasureOptions(),
            progress: Progress | None = None, use_cache: bool = True) -> pl.DataFrame:
    key = measurement_key(adapter, corpus, options) if use_cache else None
    cached = load_frame(key) if key is not None else None
    if cached is not None:
        if progress:
            for lang in corpus.langs:
                progress(lang)
        return cached
    texts = language_texts(corpus, options.normalize, options.jobs)

    def finish(text: LanguageText, flat: FlatAnalysis) -> dict:
        return {**measure_language(adapter, text, flat),
                "renyi": renyi_efficiency(flat.ids, vocabulary_size(adapter), options.renyi_alpha)}

    columns = {}
    for lang, language_columns in measured(adapter, texts, options.jobs, finish):
        columns[lang] = language_columns
        if progress:
            progress(lang)
    frame = language_frame(texts, columns)
    if key is not None:
        store_frame(key, frame)
    return frame


def measure_joined(adapter: Adapter, corpus: Corpus, options: MeasureOptions) -> pl.DataFrame:
    """Petrov et al. (2023): per language, all lines joined with one space, encoded once."""
    rows = []
    for lang in corpus.langs:
        text = normalize_texts([corpus.joined_text(lang)], options.normalize)[0]
        rows.append({"lang": lang, "joined_tokens": len(adapter.encode(text)),
                     "joined_bytes": len(text.encode("utf-8")), "joined_chars": len(text)})
    return pl.DataFrame(rows)
