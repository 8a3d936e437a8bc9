"""Information loss: what a tokenizer's round trip throws away, per language, by stage.

For each document: exact round trip (`decode(encode(x)) == x`, checked on bytes first and free
for lossless schemes); otherwise the characters not reproduced (toklab.loss.alignment), each
attributed to the first stage, in pipeline order, that explains it:

1. `unknown`     — covered by an unknown token (exact, from the encoding's offsets);
2. `normalizer`  — changed or removed by the normaliser alone (lower-casing, accent stripping,
                   NFKC folding, control characters): the original aligned to normaliser(x);
3. `whitespace`  — a whitespace character that did not come back (collapsed or stripped by the
                   pre-tokenizer or the decoder);
4. `pretokenizer`— a non-whitespace character no pre-token covers (where offsets map back);
5. `decoder`     — everything else the decoder failed to restore (clean-up, spacing).

The stage shares therefore add up to `chars_lost`. For an adapter that exposes no normaliser or
pre-tokenizer (see toklab.adapters.base), the stages after `unknown` are null: not measurable.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import polars as pl

from corpora import Corpus
from toklab.adapters.base import Adapter
from toklab.loss.alignment import align
from toklab.loss.attribution import PIPELINE_STAGES, STAGES, Pipeline, attribute
from toklab.signature import build, tokenizers_part
from toklab.token_offsets import global_boundaries, joined_bytes


@dataclasses.dataclass
class LanguageLoss:
    docs: int = 0
    chars: int = 0
    exact: int = 0
    lost: int = 0
    edits: int = 0
    unk_chars: int = 0
    tokens: int = 0
    byte_fallback_tokens: int = 0
    split_char_tokens: int = 0
    collisions: int = 0
    stages: dict = dataclasses.field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    examples: list = dataclasses.field(default_factory=list)


def split_char_tokens(adapter: Adapter, texts: list[str], analysis, flat: np.ndarray) -> int:
    """Tokens whose end falls inside a multi-byte character (over all texts at once)."""
    data, doc_starts = joined_bytes(texts)
    ends = global_boundaries(adapter, analysis, flat, doc_starts)
    inner = ends[ends < data.size]
    return int(((data[inner] & 0xC0) == 0x80).sum())


def language_loss(adapter: Adapter, pipeline: Pipeline, texts: list[str], examples: int) -> LanguageLoss:
    out = LanguageLoss(docs=len(texts), chars=sum(map(len, texts)))
    analysis = adapter.analyse(texts)
    by_ids: dict[tuple, set[str]] = defaultdict(set)
    flat = np.fromiter((i for d in analysis.ids for i in d), dtype=np.int64)
    out.tokens = int(flat.size)
    out.unk_chars = int(sum(analysis.unk_chars))
    out.split_char_tokens = split_char_tokens(adapter, texts, analysis, flat)
    unknown = analysis.unk_positions or [set()] * len(texts)  # positions come from the same encoding
    for text, ids, unk in zip(texts, analysis.ids, unknown):
        by_ids[tuple(ids)].add(text)
        roundtrip = adapter.decode(ids)
        if roundtrip == text:
            out.exact += 1
            continue
        alignment = align(text, roundtrip)
        out.lost += len(alignment.lost)
        out.edits += alignment.edits
        for stage, count in attribute(pipeline, text, alignment.lost, unk).items():
            out.stages[stage] += count
        if len(out.examples) < examples:
            out.examples.append((text, roundtrip, alignment.lost))
    if pipeline.byte_ids.size:
        out.byte_fallback_tokens = int(np.isin(flat, pipeline.byte_ids).sum())
    out.collisions = sum(1 for group in by_ids.values() if len(group) > 1)
    return out


def loss_rows(adapter: Adapter, corpus: Corpus, examples: int = 0,
              progress: Callable[[str], None] | None = None) -> tuple[pl.DataFrame, dict[str, list]]:
    pipeline = Pipeline(adapter)
    rows, shown = [], {}
    for lang, part in corpus.by_lang().items():
        result = language_loss(adapter, pipeline, part["text"].to_list(), examples)
        chars = max(result.chars, 1)
        rows.append({
            "tokenizer": adapter.name, "lang": lang, "docs": result.docs, "chars": result.chars,
            "roundtrip_exact": result.exact / max(result.docs, 1),
            "chars_lost": result.lost / chars, "cer": result.edits / chars, "unk_chars": result.unk_chars / chars,
            **{stage: result.stages[stage] / chars if pipeline.observable or stage not in PIPELINE_STAGES else None
               for stage in STAGES},
            "byte_fallback_share": result.byte_fallback_tokens / max(result.tokens, 1),
            "split_char_share": result.split_char_tokens / max(result.tokens, 1),
            "collisions": result.collisions,
        })
        shown[lang] = result.examples
        if progress:
            progress(lang)
    return pl.DataFrame(rows, schema_overrides=dict.fromkeys(STAGES, pl.Float64)), shown


@dataclasses.dataclass(frozen=True)
class LossResult:
    rows: pl.DataFrame  # one row per (tokenizer, language)
    summary: pl.DataFrame  # one row per tokenizer
    examples: dict[str, list]  # tokenizer → (text, round trip, lost positions) examples
    signature: str


def run_loss(adapters: Sequence[Adapter], corpus: Corpus, examples: int = 0,
             progress: Callable[[str], None] | None = None) -> LossResult:
    frames, shown = [], {}
    for adapter in adapters:
        frame, by_lang = loss_rows(adapter, corpus, examples, progress)
        frames.append(frame)
        shown[adapter.name] = [e for lang_examples in by_lang.values() for e in lang_examples]
    rows = pl.concat(frames)
    signature = build(tokenizers_part(adapters), corpus.signature, "method:roundtrip+alignment(difflib)",
                      f"examples:{examples}")
    return LossResult(rows, summarise(rows), shown, signature)


def summarise(frame: pl.DataFrame) -> pl.DataFrame:
    """Per tokenizer: character-weighted loss, the worst languages and the dominant stage."""
    rows = []
    for (name,), part in frame.group_by("tokenizer", maintain_order=True):
        worst = part.sort("chars_lost", descending=True).head(3)
        if part[PIPELINE_STAGES[0]].null_count():  # the adapter exposes no pipeline stages
            dominant = "not measurable"
        else:
            totals = {stage: float((part[stage] * part["chars"]).sum()) for stage in STAGES}
            dominant = max(totals, key=totals.get) if any(totals.values()) else None
        rows.append({
            "tokenizer": name,
            "lossless": bool((part["chars_lost"] == 0).all() and (part["roundtrip_exact"] == 1).all()),
            "roundtrip_exact": float((part["roundtrip_exact"] * part["docs"]).sum() / part["docs"].sum()),
            "chars_lost": float((part["chars_lost"] * part["chars"]).sum() / part["chars"].sum()),
            "worst": ", ".join(f"{r['lang']} {r['chars_lost']:.1%}" for r in worst.iter_rows(named=True)
                               if r["chars_lost"] > 0) or "—",
            "dominant_loss": dominant or "none",
            "collisions": int(part["collisions"].sum()),
        })
    return pl.DataFrame(rows)
