"""Information loss: what a tokenizer's round trip throws away, per language, by stage.

For each document: exact round trip (`decode(encode(x)) == x`, checked on bytes first and free
for lossless schemes); otherwise the characters not reproduced (toklab.loss.alignment), each
attributed to the first stage, in pipeline order, that explains it:

1. `unknown`     — covered by an unknown token (exact, from the encoding's offsets);
   For a rendering scheme (`pixels:`), the characters drawn as the `.notdef` box (tofu).
2. `normalizer`  — changed or removed by the normaliser alone (lower-casing, accent stripping,
                   NFKC folding, control characters): the original aligned to normaliser(x);
3. `whitespace`  — a whitespace character that did not come back (collapsed or stripped by the
                   pre-tokenizer or the decoder);
4. `pretokenizer`— a non-whitespace character no pre-token covers (where offsets map back);
5. `decoder`     — everything else the decoder failed to restore (clean-up, spacing).

The stage shares therefore add up to `chars_lost`. For an adapter that exposes no normaliser or
pre-tokenizer (see toklab.adapters.base), the stages after `unknown` are null: not measurable.

Rendering schemes also report `fallback_font_chars`: the share of characters drawn, not lost,
but by a fallback font (no font of the set's main family has them); null for tokenizers.

Round trips, `chars_lost` and `cer` are exact for every document. Attribution costs a normaliser
run and an alignment per lossy document, so above ATTRIBUTION_SAMPLE lossy documents in one
language a seeded sample is attributed and its stage mix scaled to the exact total
(`attributed_docs` / `lossy_docs` per row; the signature names the sample).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np
import polars as pl

from corpora import Corpus
from toklab.adapters.base import Adapter, FlatAnalysis
from toklab.cache import cache_key, load_frame, store_frame
from toklab.loss.alignment import METHOD as ALIGNMENT
from toklab.loss.alignment import align, lost_and_edits
from toklab.loss.attribution import PIPELINE_STAGES, STAGES, Pipeline, attribute
from toklab.signature import Signature, build, section, tokenizers_part
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
    fallback_font_chars: int | None = None  # rendering schemes: characters a fallback font drew
    stages: dict = dataclasses.field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    lossy_docs: int = 0
    attributed_docs: int = 0  # lossy documents whose lost characters were attributed to stages
    examples: list = dataclasses.field(default_factory=list)


def split_char_tokens(adapter: Adapter, texts: list[str], flat: FlatAnalysis) -> int:
    """Tokens whose end falls inside a multi-byte character (over all texts at once)."""
    data, doc_starts = joined_bytes(texts)
    ends = global_boundaries(adapter, flat, doc_starts)
    inner = ends[ends < data.size]
    return int(((data[inner] & 0xC0) == 0x80).sum())


# Stage attribution re-runs the normaliser and two alignments per lossy document: above this many
# lossy documents in a language, a seeded random sample of them is attributed and the stage counts
# scaled to the language's exact lost-character total (the sample size is in the signature).
ATTRIBUTION_SAMPLE = 500


def attribution_sample(lossy: int, limit: int, seed: int = 0) -> np.ndarray:
    """Which of a language's lossy documents (by index among them) get stage attribution."""
    if limit <= 0 or lossy <= limit:
        return np.arange(lossy)
    return np.sort(np.random.default_rng(seed).choice(lossy, size=limit, replace=False))


def language_loss(adapter: Adapter, pipeline: Pipeline, texts: list[str], examples: int,
                  sample: int = ATTRIBUTION_SAMPLE) -> LanguageLoss:
    out = LanguageLoss(docs=len(texts), chars=sum(map(len, texts)))
    analysis = adapter.analyse(texts)
    flat = FlatAnalysis.from_analysis(analysis)
    out.tokens = int(flat.ids.size)
    out.unk_chars = int(sum(analysis.unk_chars))
    out.split_char_tokens = split_char_tokens(adapter, texts, flat)
    decode = adapter.decode
    roundtrips = [decode(ids) for ids in analysis.ids]
    lossy = [i for i, (text, back) in enumerate(zip(texts, roundtrips)) if text != back]  # most are exact
    out.exact = len(texts) - len(lossy)
    unknown = analysis.unk_positions or [set()] * len(texts)  # positions come from the same encoding
    counts = [lost_and_edits(texts[i], roundtrips[i]) for i in lossy]
    out.lost = sum(lost for lost, _ in counts)
    out.edits = sum(edits for _, edits in counts)
    chosen = attribution_sample(len(lossy), sample)
    sampled_lost = 0
    for k in chosen.tolist():
        i = lossy[k]
        alignment = align(texts[i], roundtrips[i])
        sampled_lost += len(alignment.lost)
        for stage, count in attribute(pipeline, texts[i], alignment.lost, unknown[i]).items():
            out.stages[stage] += count
    if sampled_lost and sampled_lost != out.lost:  # a sample: its stage mix, scaled to the exact total
        out.stages = {stage: count * out.lost / sampled_lost for stage, count in out.stages.items()}
    out.attributed_docs = int(chosen.size)
    out.lossy_docs = len(lossy)
    out.examples = [(texts[i], roundtrips[i], align(texts[i], roundtrips[i]).lost) for i in lossy[:examples]]
    if pipeline.byte_ids.size:
        out.byte_fallback_tokens = int(np.isin(flat.ids, pipeline.byte_ids).sum())
    out.collisions = collisions(texts, analysis.ids, roundtrips)
    fallback = adapter.fallback_char_counts(texts)
    out.fallback_font_chars = None if fallback is None else sum(fallback)
    return out


def collisions(texts: list[str], ids: list[list[int]], roundtrips: list[str]) -> int:
    """Groups of different texts that encode to the same ids (decoding cannot tell them apart).
    Equal ids decode to equal strings, so only texts sharing a round trip are compared by ids."""
    by_roundtrip: dict[str, list[int]] = defaultdict(list)
    for i, back in enumerate(roundtrips):
        by_roundtrip[back].append(i)
    count = 0
    for members in by_roundtrip.values():
        if len(members) > 1:
            by_ids: dict[tuple, set[str]] = defaultdict(set)
            for i in members:
                by_ids[tuple(ids[i])].add(texts[i])
            count += sum(1 for group in by_ids.values() if len(group) > 1)
    return count


def loss_rows(adapter: Adapter, corpus: Corpus, examples: int = 0,
              progress: Callable[[str], None] | None = None,
              sample: int = ATTRIBUTION_SAMPLE) -> tuple[pl.DataFrame, dict[str, list]]:
    pipeline = Pipeline(adapter)
    rows, shown = [], {}
    for lang, part in corpus.by_lang().items():
        result = language_loss(adapter, pipeline, part["text"].to_list(), examples, sample)
        chars = max(result.chars, 1)
        rows.append({
            "tokenizer": adapter.name, "lang": lang, "docs": result.docs, "chars": result.chars,
            "roundtrip_exact": result.exact / max(result.docs, 1),
            "chars_lost": result.lost / chars, "cer": result.edits / chars, "unk_chars": result.unk_chars / chars,
            **{stage: result.stages[stage] / chars if pipeline.observable or stage not in PIPELINE_STAGES else None
               for stage in STAGES},
            "lossy_docs": result.lossy_docs, "attributed_docs": result.attributed_docs,
            "byte_fallback_share": result.byte_fallback_tokens / max(result.tokens, 1),
            "split_char_share": result.split_char_tokens / max(result.tokens, 1),
            "collisions": result.collisions,
            "fallback_font_chars": None if result.fallback_font_chars is None else result.fallback_font_chars / chars,
        })
        shown[lang] = result.examples
        if progress:
            progress(lang)
    return pl.DataFrame(rows, schema_overrides=dict.fromkeys((*STAGES, "fallback_font_chars"), pl.Float64)), shown


@dataclasses.dataclass(frozen=True)
class LossResult:
    rows: pl.DataFrame  # one row per (tokenizer, language)
    summary: pl.DataFrame  # one row per tokenizer
    examples: dict[str, list]  # tokenizer → (text, round trip, lost positions) examples
    signature: Signature


def cached_loss_rows(adapter: Adapter, corpus: Corpus, progress: Callable[[str], None] | None,
                     sample: int) -> pl.DataFrame:
    """`loss_rows` without examples, kept in the cache under the tokenizer's and the corpus's
    content hashes (a report or a repeated `toklab loss` reads it instead of measuring again)."""
    key = cache_key("loss", adapter.signature, corpus.signature, corpus.content_hash, f"sample:{sample}",
                    code=(__name__, "toklab.loss.alignment", "toklab.loss.attribution", "toklab.token_offsets",
                          *adapter.code_modules))
    frame = load_frame(key)
    if frame is None:
        frame, _ = loss_rows(adapter, corpus, 0, progress, sample)
        store_frame(key, frame)
    elif progress:
        for lang in corpus.langs:
            progress(lang)
    return frame


def run_loss(adapters: Sequence[Adapter], corpus: Corpus, examples: int = 0,
             progress: Callable[[str], None] | None = None, sample: int = ATTRIBUTION_SAMPLE) -> LossResult:
    """`sample`: lossy documents per language whose loss is attributed to stages (0: all).
    Without examples the rows come from the cache when this tokenizer measured this content."""
    frames, shown = [], {}
    for adapter in adapters:
        if examples:
            frame, by_lang = loss_rows(adapter, corpus, examples, progress, sample)
        else:
            frame, by_lang = cached_loss_rows(adapter, corpus, progress, sample), {}
        frames.append(frame)
        shown[adapter.name] = [e for lang_examples in by_lang.values() for e in lang_examples]
    rows = pl.concat(frames)
    attributed = "all" if sample <= 0 else f"sample<={sample}/lang,seed0"
    signature = build(tokenizers_part(adapters), section("corpus", corpus.signature),
                      ("method", f"roundtrip+alignment({ALIGNMENT})"), ("attribution", attributed), ("examples", examples))
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
