"""What the audit needs of one tokenizer on one corpus, measured whole or from a stream.

`LanguageMeasures` holds, per language, the documents' (doc_id, tokens, bytes) — all the paired
bootstrap and the per-document ratios use — and the language's totals (bytes, characters, units,
continued units, unknown characters, Rényi efficiency). A corpus in memory gets them from
`measure()`'s per-document frame; a `CorpusStream` (corpora.stream) is measured block by block,
keeping only those three numbers per document and a token-type count per language, so memory
grows by 24 bytes per document and not with the text.

The streamed result is cached like `measure()`'s, keyed by the tokenizer's signature, the files'
sha256 and the options; the entry is verified on every read (`toklab.cache`).
"""

from __future__ import annotations

import dataclasses
import io
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterator

import numpy as np
import polars as pl

from corpora.stream import CorpusStream, ParsedBlock, StreamTally
from toklab.adapters.base import Adapter, FlatAnalysis
from toklab.cache import CacheKey, cache_key, load, store
from toklab.premium.measure import (
    MEASURE_CODE,
    LanguageText,
    MeasureOptions,
    measure_language,
    measured,
    renyi_from_counts,
    texts_by_language,
    vocabulary_size,
)

SUMMED = ("docs", "bytes", "chars", "tokens", "units", "continued", "unk_chars")
PER_DOC = {"doc_id": pl.Int64, "tokens": pl.Int64, "bytes": pl.Int64}


@dataclasses.dataclass(frozen=True)
class LanguageMeasures:
    docs: dict[str, pl.DataFrame]  # language → (doc_id, tokens, bytes), one row per document
    totals: dict[str, dict]  # language → SUMMED sums, unit_kind, renyi_efficiency_vocab/observed

    @classmethod
    def of_documents(cls, frame: pl.DataFrame) -> "LanguageMeasures":
        """From `measure()`'s per-document frame (a corpus held in memory)."""
        sums = frame.group_by("lang", maintain_order=True).agg(
            pl.len().alias("docs"), *(pl.col(c).sum() for c in SUMMED[1:]),
            *(pl.col(c).first() for c in ("unit_kind", "renyi_efficiency_vocab", "renyi_efficiency_observed")))
        totals = {row.pop("lang"): row for row in sums.iter_rows(named=True)}
        docs = {lang: part.select(list(PER_DOC)) for (lang,), part in frame.group_by("lang", maintain_order=True)}
        return cls(docs, totals)


@dataclasses.dataclass
class LanguagePart:
    """One language's share of one block: what a worker sends back (numbers, never text)."""

    unit_kind: str
    sums: dict[str, int]
    doc_id: np.ndarray
    tokens: np.ndarray
    bytes: np.ndarray
    types: np.ndarray  # token ids seen in the block, ascending
    counts: np.ndarray  # how often each


def measure_block(adapter: Adapter, frame: pl.DataFrame, options: MeasureOptions) -> dict[str, LanguagePart]:
    """Every language of one block of a corpus (a shard), in first-appearance order."""
    return dict(measured(adapter, texts_by_language(frame, options.normalize, options.jobs), options.jobs,
                         lambda text, flat: language_part(adapter, text, flat)))


def language_part(adapter: Adapter, text: LanguageText, flat: FlatAnalysis) -> LanguagePart:
    columns = measure_language(adapter, text, flat)
    per_doc = {"bytes": text.bytes, "chars": text.chars, "units": text.units.per_doc, "tokens": columns["tokens"],
               "continued": columns["continued"], "unk_chars": columns["unk_chars"]}
    sums = {"docs": len(text.texts), **{name: int(np.sum(v, dtype=np.int64)) for name, v in per_doc.items()}}
    histogram = np.bincount(flat.ids)
    types = np.flatnonzero(histogram)
    return LanguagePart(text.units.kind, sums, text.doc_ids.to_numpy().astype(np.int64),
                        np.asarray(columns["tokens"], dtype=np.int64), text.bytes.astype(np.int64), types,
                        histogram[types])


class _LanguageSums:
    """One language's running sums over the blocks of a stream, merged in block order."""

    def __init__(self, vocab_size: int, unit_kind: str):
        self.sums = dict.fromkeys(SUMMED, 0)
        self.unit_kind = unit_kind
        # int32 until the language's token total could overflow it: half the memory of int64
        # (204 languages × o200k's 200,019 types: 163 MB instead of 326)
        self.type_counts = np.zeros(vocab_size, dtype=np.int32)
        self.columns: dict[str, list[np.ndarray]] = {name: [] for name in PER_DOC}

    def add(self, part: LanguagePart) -> None:
        for name, value in part.sums.items():
            self.sums[name] += value
        if self.type_counts.dtype == np.int32 and self.sums["tokens"] >= np.iinfo(np.int32).max:
            self.type_counts = self.type_counts.astype(np.int64)
        if self.type_counts.size:  # a scheme without a vocabulary counts no types
            self.type_counts[part.types] += part.counts.astype(self.type_counts.dtype)
        for name in PER_DOC:
            self.columns[name].append(getattr(part, name))

    def result(self, vocab_size: int, alpha: float) -> tuple[pl.DataFrame, dict]:
        docs = pl.DataFrame({name: np.concatenate(parts) for name, parts in self.columns.items()}, schema=PER_DOC)
        vocab, observed = renyi_from_counts(self.type_counts, vocab_size, alpha)
        return docs, {**self.sums, "unit_kind": self.unit_kind, "renyi_efficiency_vocab": vocab,
                      "renyi_efficiency_observed": observed}


def prefetched(blocks: Iterator[ParsedBlock]) -> Iterator[ParsedBlock]:
    """The next block is read and parsed (polars, in Rust) while the current one is measured."""
    with ThreadPoolExecutor(1) as reader:
        upcoming = reader.submit(next, blocks, None)
        while (block := upcoming.result()) is not None:
            upcoming = reader.submit(next, blocks, None)
            yield block


def local_blocks(adapter: Adapter, blocks: Iterator[ParsedBlock],
                 options: MeasureOptions) -> Iterator[tuple[ParsedBlock, dict[str, LanguagePart]]]:
    for block in prefetched(blocks):
        yield block, measure_block(adapter, block.frame, options)


def measure_stream(adapter: Adapter, stream: CorpusStream, options: MeasureOptions = MeasureOptions(),
                   progress: Callable[[str], None] | None = None,
                   use_cache: bool = True) -> tuple[LanguageMeasures, StreamTally]:
    """`options.executor`: "local" (this process, `options.jobs` threads) or "ray" (a Ray task per
    block; toklab.premium.ray_measure). Either gives the same measures, cached under one key."""
    key = _cache_key(adapter, stream, options) if use_cache else None
    cached = _read_cached(key) if key is not None else None
    if cached is not None:
        return cached
    if options.executor == "ray":
        from toklab.premium.ray_measure import ray_blocks

        measured = ray_blocks(adapter, stream.blocks(), options)
    else:
        measured = local_blocks(adapter, stream.blocks(), options)
    tally, sums = StreamTally(), {}
    for block, parts in measured:
        tally.add(block)
        for lang, part in parts.items():
            if lang not in sums:
                sums[lang] = _LanguageSums(vocabulary_size(adapter), part.unit_kind)
            sums[lang].add(part)
        if progress:
            progress(f"{tally.bytes / 1e6:,.0f} MB")
    docs, totals = {}, {}
    for lang in list(sums):  # first appearance: the order of a corpus loaded whole
        docs[lang], totals[lang] = sums.pop(lang).result(vocabulary_size(adapter), options.renyi_alpha)
    measures = LanguageMeasures(docs, totals)
    if key is not None:
        _write_cached(key, measures, tally)
    return measures, tally


def _cache_key(adapter: Adapter, stream: CorpusStream, options: MeasureOptions) -> CacheKey:
    return cache_key("measurements", adapter.signature, stream.spec.canonical, stream.content_hash, options.key(),
                     "stream", code=(__name__, "corpora.stream", *MEASURE_CODE, *adapter.code_modules), suffix=".stream")


def _write_cached(key: CacheKey, measures: LanguageMeasures, tally: StreamTally) -> None:
    docs = pl.concat([part.with_columns(lang=pl.lit(lang, dtype=pl.Categorical)) for lang, part in measures.docs.items()])
    buffer = io.BytesIO()
    docs.write_parquet(buffer)
    header = {"totals": measures.totals, "tally": {**dataclasses.asdict(tally), "langs": sorted(tally.langs)}}
    store(key, json.dumps(header).encode() + b"\n" + buffer.getvalue())


def _read_cached(key: CacheKey) -> tuple[LanguageMeasures, StreamTally] | None:
    payload = load(key)
    if payload is None:
        return None
    header_line, _, parquet = payload.partition(b"\n")
    header = json.loads(header_line)
    docs = pl.read_parquet(io.BytesIO(parquet)).with_columns(pl.col("lang").cast(pl.Utf8)).partition_by(
        "lang", as_dict=True, include_key=False)
    tally = StreamTally(**{**header["tally"], "langs": set(header["tally"]["langs"])})
    totals = header["totals"]
    return LanguageMeasures({lang: docs[(lang,)] for lang in totals}, totals), tally
