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
from toklab.errors import SpecError
from toklab.glitch.categories import categorise
from toklab.glitch.charclass import character_flag
from toklab.glitch.frequency import PRODUCED_OFTEN, string_frequencies
from toklab.glitch.mismatch import free_ranking, mismatch, never_producible
from toklab.glitch.reasons import reasons
from toklab.glitch.reference import Reference, corpus_reference, is_text, word_list_reference
from toklab.glitch.signals import corpus_counts, rank_vs_frequency
from toklab.glitch.weights import WeightSignals, weight_signals
from toklab.signature import Signature, build, section

# Bump whenever a change to this package would change a ranking: cached evidence written by other
# versions of the code then stops answering.
SCAN_CODE = tuple(f"toklab.glitch.{name}" for name in (  # the modules whose code makes a scan
    "scan", "categories", "charclass", "mismatch", "reasons", "reference", "signals", "text_files", "frequency"))


@dataclasses.dataclass(frozen=True)
class GlitchScan:
    frame: pl.DataFrame  # one row per id, sorted by rank
    model: str  # what `rank` orders by, in words
    references: list[str]  # signatures of the texts string frequencies were measured on
    weights: WeightSignals | None
    signature: Signature = Signature()


def scan(adapter: Adapter, corpus: Corpus | None = None, weights: Path | None = None,
         untrained_ids: list[int] | None = None, words: bool = True, code: Reference | None = None) -> GlitchScan:
    """Rank every id of `adapter` by glitch evidence. `corpus`: ordinary prose for token production
    and string occurrence; `code`: the code and markup reference (`text_files.code_reference`);
    `words`: also the wordfreq lists; `weights`: a checkpoint for embedding signals."""
    if adapter.family == "patches":
        raise SpecError(f"{adapter.name}: its patches are cut from the text, not drawn from a vocabulary, so there "
                        "are no tokens for a glitch scan to rank; scan the tokenizers whose ids a model embeds")
    references = (([word_list_reference()] if words else []) + ([corpus_reference(corpus)] if corpus is not None else [])
                  + ([code] if code is not None else []))
    frame = weight_free_evidence(adapter, references)
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
                      ("method", f"evidence+mismatch(zipf,survival+1,resolution,unseen_chars,"
                                 f"produced_often={PRODUCED_OFTEN})"))
    return GlitchScan(frame.sort("rank"), model, [r.signature for r in references], found, signature)


def weight_free_evidence(adapter: Adapter, references: list[Reference]) -> pl.DataFrame:
    """Categories, character classes, string-frequency mismatch, the weight-free rank and its reason in
    words for every id (sorted by id), kept in the cache under the tokenizer's and the references' content."""
    key = cache_key("glitch", adapter.signature, *(r.signature for r in references), code=SCAN_CODE + adapter.code_modules)
    frame = load_frame(key)
    if frame is None:
        frame = _weight_free_evidence(adapter, references)
        store_frame(key, frame)
    return frame


def _weight_free_evidence(adapter: Adapter, references: list[Reference]) -> pl.DataFrame:
    raws = [adapter.token_bytes(i) for i in range(adapter.vocab_size)]
    counts = {r.name: corpus_counts(adapter, r.texts()) for r in references if r.holds_symbols}
    frame = produced_in_context(categorise(adapter), counts)
    measured = string_frequencies(raws, counts, references)
    columns = {"word_like": measured.word_like, "frequency": measured.frequency, "survival": measured.survival,
               "judged_by": measured.judged_by, "unseen_characters": measured.unseen,
               "mismatch": mismatch(measured.frequency, merge_ranks(raws), measured.floor),
               "char_class": [character_flag(raw.decode("utf-8")) if is_text(raw) else None for raw in raws]}
    if counts:
        produced = sum(counts.values())
        columns |= {"corpus_count": produced, "rank_vs_frequency": rank_vs_frequency(produced)}
        columns |= {f"count_{name}": c for name, c in counts.items()}
    ranked = free_ranking(frame.with_columns(**{k: pl.Series(k, v, strict=False) for k, v in columns.items()})
                          .with_columns(pl.col("frequency", "mismatch", "survival").fill_nan(None)))
    return with_reasons(ranked, adapter)


def produced_in_context(frame: pl.DataFrame, counts: dict[str, np.ndarray]) -> pl.DataFrame:
    """The encoder's own output settles producibility: a token the reference texts produce is never
    "never producible", whatever the probes in `categories.py` concluded."""
    if not counts:
        return frame
    produced = pl.Series(sum(counts.values()) > 0)
    never = never_producible()
    return frame.with_columns(
        category=pl.when(never & produced).then(pl.lit("in_context")).otherwise(pl.col("category")),
        reason=pl.when(never & produced).then(pl.lit("produced by the reference")).otherwise(pl.col("reason")),
        reachable=pl.when(never & produced).then(pl.lit(True)).otherwise(pl.col("reachable")))


def with_reasons(frame: pl.DataFrame, adapter: Adapter) -> pl.DataFrame:
    return frame.with_columns(why=pl.Series(reasons(frame.to_dicts(), adapter.family), dtype=pl.Utf8))


def merge_ranks(raws: list[bytes]) -> np.ndarray:
    """The id, except for one-byte tokens: a byte-level vocabulary holds its alphabet whatever its
    data held, so a byte gets no rank-based expectation and is judged as if it were the last merge."""
    ranks = np.arange(len(raws), dtype=np.float64)
    ranks[[i for i, raw in enumerate(raws) if len(raw) == 1]] = len(raws) - 1
    return ranks
