"""A full glitch scan: categories, the weight-free evidence (`mismatch.py`) with a reason in words for
every token and, given weights, the embedding signals and how far the two rankings agree."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import polars as pl

from corpora import Corpus
from toklab.adapters.base import Adapter
from toklab.cache import cache_key, load_frame, store_frame
from toklab.glitch.categories import categorise
from toklab.glitch.charclass import character_flag
from toklab.glitch.mismatch import FLOOR, free_ranking, is_word_like, mismatch
from toklab.glitch.reasons import reasons
from toklab.glitch.reference import (
    Reference,
    corpus_reference,
    fragment_frequency,
    is_text,
    string_frequency,
    token_pattern,
    word_list_reference,
)
from toklab.glitch.signals import corpus_counts, rank_vs_frequency
from toklab.glitch.weights import WeightSignals, weight_signals
from toklab.signature import Signature, build, section

# Bump whenever a change to this package would change a ranking: cached evidence written by other
# versions of the code then stops answering.
SCAN_CODE = tuple(f"toklab.glitch.{name}" for name in (  # the modules whose code makes a scan
    "scan", "categories", "charclass", "mismatch", "reasons", "reference", "signals"))
# A token the reference corpus produces this often is ordinary text's: its string need not be searched.
PRODUCED_OFTEN = 3


@dataclasses.dataclass(frozen=True)
class GlitchScan:
    frame: pl.DataFrame  # one row per id, sorted by rank
    model: str  # what `rank` orders by, in words
    references: list[str]  # signatures of the texts string frequencies were measured on
    weights: WeightSignals | None
    signature: Signature = Signature()


def scan(adapter: Adapter, corpus: Corpus | None = None, weights: Path | None = None,
         untrained_ids: list[int] | None = None, words: bool = True) -> GlitchScan:
    """Rank every id of `adapter` by glitch evidence. `corpus`: ordinary text for token production and
    string occurrence; `words`: also the wordfreq lists; `weights`: a checkpoint for embedding signals."""
    references = ([word_list_reference()] if words else []) + ([corpus_reference(corpus)] if corpus is not None else [])
    frame = weight_free_evidence(adapter, corpus, references)
    counts = frame["corpus_count"].to_numpy() if "corpus_count" in frame.columns else None
    found = weight_signals(frame, weights, counts, untrained_ids) if weights is not None else None
    frame = frame.with_columns(rank=pl.col("free_rank"))
    model = "weight-free evidence: never producible > character class > string-frequency mismatch"
    if found is not None:
        frame = with_reasons(found.joined(frame).drop("why"), adapter)  # the reasons now include the embedding's
        model = "P(untrained-like | embedding signals); the weight-free rank is `free_rank`"
    frame = frame.select(pl.exclude("why"), "why")
    # A signal that cannot be computed (a weight score with no untrained reference rows) is null, not NaN.
    frame = frame.with_columns(pl.col(pl.Float32, pl.Float64).fill_nan(None))
    # A list, not a generator: a generator is always true, and "no reference" would vanish.
    signature = build(section("tokenizer", adapter.signature),
                      *([section("reference", r.signature) for r in references] or [("reference", "none")]),
                      section("weights", found.signature) if found is not None else ("weights", "none"),
                      ("method", f"evidence+mismatch(zipf,survival+1,resolution,produced_often={PRODUCED_OFTEN})"))
    return GlitchScan(frame.sort("rank"), model, [r.signature for r in references], found, signature)


def weight_free_evidence(adapter: Adapter, corpus: Corpus | None, references: list[Reference]) -> pl.DataFrame:
    """Categories, character classes, string-frequency mismatch, the weight-free rank and its reason in
    words for every id (sorted by id), kept in the cache under the tokenizer's and the references' content."""
    key = cache_key("glitch", adapter.signature, *(r.signature for r in references),
                    corpus.content_hash if corpus is not None else "corpus:none", code=SCAN_CODE + adapter.code_modules)
    frame = load_frame(key)
    if frame is None:
        frame = _weight_free_evidence(adapter, corpus, references)
        store_frame(key, frame)
    return frame


def _weight_free_evidence(adapter: Adapter, corpus: Corpus | None, references: list[Reference]) -> pl.DataFrame:
    frame = categorise(adapter)
    raws = [adapter.token_bytes(i) for i in range(adapter.vocab_size)]
    counts = corpus_counts(adapter, corpus.frame["text"].to_list()) if corpus is not None else None
    frequency, word_like, floor = string_frequencies(raws, counts, references)
    columns = {"word_like": word_like, "frequency": frequency, "mismatch": mismatch(frequency, merge_ranks(raws), floor),
               "char_class": [character_flag(raw.decode("utf-8")) if is_text(raw) else None for raw in raws]}
    if counts is not None:
        columns |= {"corpus_count": counts, "rank_vs_frequency": rank_vs_frequency(counts)}
    ranked = free_ranking(frame.with_columns(**{k: pl.Series(k, v, strict=False) for k, v in columns.items()})
                          .with_columns(pl.col("frequency", "mismatch").fill_nan(None)))
    return with_reasons(ranked, adapter)


def with_reasons(frame: pl.DataFrame, adapter: Adapter) -> pl.DataFrame:
    return frame.with_columns(why=pl.Series(reasons(frame.to_dicts(), adapter.family), dtype=pl.Utf8))


def merge_ranks(raws: list[bytes]) -> np.ndarray:
    """The id, except for one-byte tokens: a byte-level vocabulary holds its alphabet whatever its
    data held, so a byte gets no rank-based expectation and is judged as if it were the last merge."""
    ranks = np.arange(len(raws), dtype=np.float64)
    ranks[[i for i, raw in enumerate(raws) if len(raw) == 1]] = len(raws) - 1
    return ranks


def string_frequencies(raws: list[bytes], counts: np.ndarray | None, references: list[Reference]
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per token, how often ordinary text would produce it, per word (NaN where not measured),
    whether it is a word (or a piece of one), and the finest resolution of the references that
    judged it.

    How often its string occurs (words: in every reference; digits, punctuation, symbols and byte
    fragments: in the corpus only, word lists hold none) times its survival: the share of the
    string's occurrences in the corpus that the encoder turns into this token, (produced + 1) /
    (occurrences + 1) so that a few occurrences in a small corpus are not a verdict. A piece always
    swallowed by a longer merge survives almost nowhere. Tokens the corpus produces often are not
    searched: their production rate stands for their frequency."""
    word_like = np.array([is_word_like(token_pattern(raw)) for raw in raws])
    frequency, floor = np.full(len(raws), np.nan), np.full(len(raws), FLOOR)
    if not references:
        return frequency, word_like, floor
    often = counts >= PRODUCED_OFTEN if counts is not None else np.zeros(len(raws), dtype=bool)
    floor[:] = np.inf
    kept = np.ones(len(raws))
    for reference in references:
        found, occurrences = string_frequency([None if o else reference.pattern(r) for r, o in zip(raws, often)],
                                              reference)
        judged = (word_like | reference.holds_symbols) & ~np.isnan(found)
        frequency[judged] = np.fmax(frequency[judged], found[judged])
        floor[judged] = np.minimum(floor[judged], reference.resolution)
        if reference.holds_symbols:  # the corpus, whose encoding gave `counts`
            kept = survival(counts, occurrences)
    frequency *= kept
    corpus = next((r for r in references if r.holds_symbols), None)
    if corpus is not None:
        add_corpus_only(frequency, floor, raws, counts, often, corpus)
    floor[np.isinf(floor)] = FLOOR  # produced often: no floor applies
    return frequency, word_like, floor


def survival(counts: np.ndarray, occurrences: np.ndarray) -> np.ndarray:
    """(produced + 1) / (occurrences + 1), capped at 1; 1 where the string was not searched or not found."""
    seen = np.nan_to_num(occurrences, nan=0.0) > 0
    out = np.ones(len(counts))
    out[seen] = np.minimum(1.0, (counts[seen] + 1.0) / (occurrences[seen] + 1.0))
    return out


def add_corpus_only(frequency: np.ndarray, floor: np.ndarray, raws: list[bytes], counts: np.ndarray,
                    often: np.ndarray, corpus: Reference) -> None:
    """Tokens produced often take their production rate; byte fragments their occurrences in the
    corpus's bytes, times their survival."""
    frequency[often] = counts[often] / corpus.words
    fragments = {i: raw for i, raw in enumerate(raws) if not is_text(raw) and not often[i]}
    found, occurrences = fragment_frequency(fragments, corpus)
    ids = np.array(list(fragments), dtype=np.int64)
    if ids.size:
        frequency[ids] = found * survival(counts[ids], occurrences)
        floor[ids] = corpus.resolution
