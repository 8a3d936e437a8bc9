"""The cross-language inflation audit: one row per (tokenizer, language), and a summary per
tokenizer. Returns data; the CLI renders it."""

from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import numpy as np
import polars as pl

from corpora import Corpus
from corpora.align import check_parallel
from corpora.stream import CorpusStream
from toklab.adapters.base import Adapter
from toklab.errors import CorpusError, SpecError
from toklab.languages import language_name, script_of
from toklab.bootstrap import BootstrapOptions, gini, paired_bootstrap
from toklab.premium.inflation import COMPARABLE_UNK_SHARE, aligned
from toklab.premium.measure import MeasureOptions, measure, measure_joined
from toklab.premium.stream_measure import LanguageMeasures, measure_stream
from toklab.signature import Signature, build, section, tokenizers_part
from toklab.suggest import nearest_language, some_names

# Today's families (GPT-4o/5, Llama 4, Qwen 3.6, DeepSeek V4, Mistral's Tekken) and UTF-8 bytes, the
# tokenizer-free reference; r50k_base and cl100k_base stay available by name.
DEFAULT_TOKENIZERS = ("tiktoken:o200k_base", "pkg:llama-4", "pkg:qwen-3.6", "pkg:deepseek-v4",
                      "pkg:mistral-tekken-240911", "bytes:utf8")
METHODS = ("totals", "joined")


@dataclasses.dataclass(frozen=True)
class AuditOptions:
    pivot: str = "eng_Latn"
    method: str = "totals"
    measure: MeasureOptions = MeasureOptions()
    bootstrap: BootstrapOptions = BootstrapOptions()

    def signature(self) -> Signature:
        """Only what was done: the joined method runs no bootstrap, so it names none."""
        b = self.bootstrap
        interval = f"{b.resamples}x@{b.level}/seed{b.seed}" if self.method == "totals" else "none"
        return Signature.of(("method", self.method), ("pivot", self.pivot), ("norm", self.measure.normalize),
                            ("bootstrap", interval), ("renyi_alpha", self.measure.renyi_alpha),
                            ("renyi_norm", "vocab,observed"), ("fertility", "words,chars"))


@dataclasses.dataclass(frozen=True)
class AuditResult:
    rows: pl.DataFrame
    summary: pl.DataFrame
    signature: Signature


def _ratio_percentiles(ratios: np.ndarray) -> dict:
    """p10, p50, p90 of the per-document ratios, in one pass (a cached audit is mostly this)."""
    if not ratios.size:
        return {"ratio_p10": None, "ratio_p50": None, "ratio_p90": None}
    p10, p50, p90 = np.percentile(ratios, (10, 50, 90))
    return {"ratio_p10": float(p10), "ratio_p50": float(p50), "ratio_p90": float(p90)}


def _language_stats(totals: dict, part: pl.DataFrame, pivot_part: pl.DataFrame) -> dict:
    lang_tokens, pivot_tokens = aligned(part, pivot_part, "tokens")
    lang_bytes, pivot_bytes = aligned(part, pivot_part, "bytes")
    valid = pivot_tokens > 0
    ratios = lang_tokens[valid] / pivot_tokens[valid]
    tokens, units, chars = int(totals["tokens"]), int(totals["units"]), int(totals["chars"])
    return {
        "docs": int(totals["docs"]),
        "bytes": int(totals["bytes"]),
        "chars": chars,
        "tokens": tokens,
        "aligned": (lang_tokens, pivot_tokens),
        **_ratio_percentiles(ratios),
        "byte_premium": float(lang_bytes.sum() / pivot_bytes.sum()) if pivot_bytes.sum() else None,
        # one unit per column: whitespace words, or characters for scripts written without spaces
        "fertility_words": tokens / units if units and totals["unit_kind"] == "whitespace_word" else None,
        "fertility_chars": tokens / units if units and totals["unit_kind"] == "char" else None,
        "fertility_unit": totals["unit_kind"],
        "continued_words": float(int(totals["continued"]) / units) if units else None,
        "renyi_efficiency_vocab": totals["renyi_efficiency_vocab"],
        "renyi_efficiency_observed": totals["renyi_efficiency_observed"],
        "unk_char_share": float(int(totals["unk_chars"]) / chars) if chars else 0.0,
    }


def tokenizer_rows(adapter: Adapter, measures: LanguageMeasures, options: AuditOptions,
                   joined: pl.DataFrame | None) -> list[dict]:
    rows = []
    pivot_joined = None
    if joined is not None:
        pivot_joined = joined.filter(pl.col("lang") == options.pivot)["joined_tokens"][0]
        if not pivot_joined:
            raise CorpusError(f"pivot {options.pivot} joins to 0 tokens under {adapter.name}: a premium divides by "
                              "them; choose another --pivot or check the tokenizer")
    parts = {lang: part if part["doc_id"].is_sorted() else part.sort("doc_id") for lang, part in measures.docs.items()}
    aligned_tokens = {}
    for lang, part in parts.items():
        stats = _language_stats(measures.totals[lang], part, parts[options.pivot])
        aligned_tokens[lang] = stats.pop("aligned")
        row = {"tokenizer": adapter.name, "lang": lang, "lang_name": language_name(lang), "script": script_of(lang)}
        row |= stats
        if joined is None:
            lang_tokens, pivot_tokens = aligned_tokens[lang]
            row["premium"] = float(lang_tokens.sum() / pivot_tokens.sum())
        else:
            mine = joined.filter(pl.col("lang") == lang).row(0, named=True)
            row |= {"tokens": mine["joined_tokens"], "bytes": mine["joined_bytes"], "chars": mine["joined_chars"]}
            row |= {"premium": mine["joined_tokens"] / pivot_joined, "premium_lo": None, "premium_hi": None}
        row["bytes_per_token"] = row["bytes"] / row["tokens"] if row["tokens"] else None
        row["chars_per_token"] = row["chars"] / row["tokens"] if row["tokens"] else None
        row["comparable"] = row["unk_char_share"] <= COMPARABLE_UNK_SHARE
        rows.append(row)
    if joined is None:
        intervals = premium_intervals(aligned_tokens, options.bootstrap)
        for row in rows:
            row["premium_lo"], row["premium_hi"] = intervals[row["lang"]]
    return rows


def premium_intervals(aligned_tokens: dict[str, tuple[np.ndarray, np.ndarray]],
                      options: BootstrapOptions) -> dict[str, tuple[float, float]]:
    """The paired bootstrap interval of every language: languages with the same number of aligned
    documents share one set of draws (pairing) and one matrix product."""
    by_size: dict[int, list[str]] = {}
    for lang, (lang_tokens, _) in aligned_tokens.items():
        by_size.setdefault(lang_tokens.size, []).append(lang)
    out = {}
    for langs in by_size.values():
        low, high = paired_bootstrap(np.column_stack([aligned_tokens[lang][0] for lang in langs]),
                                     np.column_stack([aligned_tokens[lang][1] for lang in langs]), options)
        out |= {lang: (float(lo), float(hi)) for lang, lo, hi in zip(langs, low, high)}
    return out


COLUMNS = [
    "tokenizer", "lang", "lang_name", "script", "docs", "bytes", "chars", "tokens", "premium", "premium_lo",
    "premium_hi", "ratio_p10", "ratio_p50", "ratio_p90", "byte_premium", "bytes_per_token", "chars_per_token",
    "fertility_words", "fertility_chars", "fertility_unit", "continued_words", "renyi_efficiency_vocab",
    "renyi_efficiency_observed", "unk_char_share", "comparable",
]


FLOATS = ("premium_lo", "premium_hi", "renyi_efficiency_vocab", "renyi_efficiency_observed")


def rows_frame(rows: list[dict]) -> pl.DataFrame:
    """The rows of one tokenizer, with a float type for columns that may be null throughout (a
    scheme without a vocabulary has no Rényi efficiency) so every tokenizer's frame stacks."""
    return pl.DataFrame(rows).select(COLUMNS).cast(dict.fromkeys(FLOATS, pl.Float64))


def summarise(rows: pl.DataFrame, pivot: str) -> pl.DataFrame:
    out = []
    for (name,), part in rows.group_by("tokenizer", maintain_order=True):
        others = part.filter(pl.col("lang") != pivot).sort("premium")
        premiums = part["premium"].to_numpy()
        top, bottom = others.row(-1, named=True), others.row(0, named=True)
        out.append({
            "tokenizer": name,
            "languages": part.height,
            "median_premium": float(np.median(premiums)),
            "max_premium": top["premium"],
            "max_lang": top["lang"],
            "min_premium": bottom["premium"],
            "min_lang": bottom["lang"],
            "gini": gini(premiums),
            "ge_2x": int((premiums >= 2).sum()),
            "ge_4x": int((premiums >= 4).sum()),
            "ge_8x": int((premiums >= 8).sum()),
            "not_comparable": int((~part["comparable"]).sum()),
        })
    return pl.DataFrame(out)


def run_audit(adapters: Sequence[Adapter], corpus: Corpus | CorpusStream, options: AuditOptions,
              progress: Callable[[str], None] | None = None) -> AuditResult:
    """The audit of a corpus held in memory, or of a `CorpusStream` (corpora.stream) read block by
    block in bounded memory; both give the same rows for the same documents."""
    if options.method not in METHODS:
        raise SpecError(f"unknown method {options.method!r}; use one of {', '.join(METHODS)}")
    if isinstance(corpus, CorpusStream):
        return _run_streamed(adapters, corpus, options, progress)
    if options.measure.executor != "local":
        raise SpecError(f"--executor {options.measure.executor} runs over the blocks of a streamed corpus (file:, jsonl:, "
                        f"parquet:); {corpus.spec} is measured in this process")
    check_languages(corpus.spec, corpus.langs, options.pivot)
    check_documents(f"corpus {corpus.spec}", corpus.frame.select("lang", "doc_id", bytes=pl.col("text").str.len_bytes()),
                    options.pivot)  # before any encoding
    frame = pl.concat([_tokenizer_frame(adapter, corpus, options, progress) for adapter in adapters])
    signature = build(tokenizers_part(adapters), section("corpus", corpus.signature), section("method", options.signature()))
    return AuditResult(frame, summarise(frame, options.pivot), signature)


def _tokenizer_frame(adapter: Adapter, corpus: Corpus, options: AuditOptions,
                     progress: Callable[[str], None] | None) -> pl.DataFrame:
    """One tokenizer's rows, kept in the verified cache under everything they depend on (the
    tokenizer's and the corpus's content hashes, every option): a repeated audit reads them back
    instead of redoing percentiles and bootstrap for every language."""
    from toklab.cache import cache_key, load_frame, store_frame
    from toklab.premium.measure import MEASURE_CODE

    key = cache_key("audit-rows", adapter.signature, corpus.signature, corpus.content_hash, options.signature(),
                    options.measure.key(), code=(__name__, "toklab.premium.inflation", "toklab.bootstrap", *MEASURE_CODE,
                                                 *adapter.code_modules))
    cached = load_frame(key)
    if cached is not None:
        for lang in corpus.langs if progress else ():
            progress(lang)
        # names are not measurements: today's, from the installed CLDR data, not the cached ones
        return cached.with_columns(lang_name=pl.col("lang").map_elements(language_name, return_dtype=pl.Utf8))
    measures = LanguageMeasures.of_documents(measure(adapter, corpus, options.measure, progress))
    check_pivot_tokens(f"corpus {corpus.spec}", adapter, measures, options.pivot)
    joined = measure_joined(adapter, corpus, options.measure) if options.method == "joined" else None
    frame = rows_frame(tokenizer_rows(adapter, measures, options, joined))
    store_frame(key, frame)
    return frame


def _run_streamed(adapters: Sequence[Adapter], stream: CorpusStream, options: AuditOptions,
                  progress: Callable[[str], None] | None) -> AuditResult:
    if options.method != "totals":
        raise SpecError(f"--method {options.method} encodes each language's text joined whole; a streamed corpus "
                        "is measured document by document: use --method totals")
    rows: list[dict] = []
    tally = None
    for adapter in adapters:
        measures, tally = measure_stream(adapter, stream, options.measure, progress)
        check_languages(stream.spec, sorted(measures.totals), options.pivot)
        where = f"corpus {stream.spec}"
        check_documents(where, pl.concat([part.select("doc_id", "bytes").with_columns(lang=pl.lit(lang))
                                          for lang, part in measures.docs.items()]), options.pivot)
        check_pivot_tokens(where, adapter, measures, options.pivot)
        rows.extend(tokenizer_rows(adapter, measures, options, None))
    frame = rows_frame(rows)
    signature = build(tokenizers_part(adapters), section("corpus", stream.signature(tally)),
                      section("method", options.signature()))
    return AuditResult(frame, summarise(frame, options.pivot), signature)


def check_languages(spec, langs: list[str], pivot: str) -> None:
    if pivot not in langs:
        guess = nearest_language(pivot, sorted(langs))
        fix = f"; did you mean --pivot {guess}?" if guess else "; name one of them with --pivot"
        raise SpecError(f"pivot {pivot!r} is not in corpus {spec}, which holds {len(langs)} language"
                        f"{'s' * (len(langs) != 1)}: {some_names(sorted(langs))}{fix}")
    if len(langs) < 2:
        raise SpecError(f"corpus {spec} holds only the pivot {pivot!r}: a premium needs at least one "
                        "other language; add one with --langs (e.g. --langs fra_Latn)")


def check_documents(where: str, docs: pl.DataFrame, pivot: str) -> None:
    """What would make a premium silently wrong, refused in one line: documents not paired one to
    one with the pivot's (corpora.align), and a language with no text at all (its premium would
    read 0, or every premium would divide by 0). `docs`: lang, doc_id, bytes per document."""
    check_parallel(docs, pivot, where)
    totals = docs.group_by("lang", maintain_order=True).agg(pl.col("bytes").sum(), docs=pl.len())
    empty = totals.filter(pl.col("bytes") == 0)
    if not empty.height:
        return
    first = (empty.filter(pl.col("lang") == pivot) if pivot in empty["lang"] else empty).row(0, named=True)
    others = f" ({empty.height - 1} other language{'s' if empty.height > 2 else ''} too)" if empty.height > 1 else ""
    if first["lang"] == pivot:
        raise CorpusError(f"{where}: the pivot {pivot} has no text (0 bytes in {first['docs']} documents){others}, so "
                          "every premium would divide by 0 tokens; choose another --pivot or fix the corpus")
    raise CorpusError(f"{where}: language {first['lang']} has no text (0 bytes in {first['docs']} documents){others}, "
                      "so its premium would read 0; fix the corpus, or leave the language out with --langs")


def check_pivot_tokens(where: str, adapter: Adapter, measures: LanguageMeasures, pivot: str) -> None:
    """A pivot with text but no tokens (a tokenizer that drops it all) cannot be divided by."""
    totals = measures.totals[pivot]
    if not int(totals["tokens"]):
        raise CorpusError(f"{where}: the pivot {pivot} has 0 tokens under {adapter.name} ({int(totals['bytes']):,} bytes "
                          "of text), so every premium would divide by 0; choose another --pivot or check the tokenizer")


@dataclasses.dataclass(frozen=True)
class SensitivityResult:
    rows: pl.DataFrame
    signature: Signature


def normalization_sensitivity(adapters: Sequence[Adapter], corpus: Corpus, options: AuditOptions,
                              progress: Callable[[str], None] | None = None) -> SensitivityResult:
    """The premium under NFC, NFD and NFKC side by side (Korean in NFD is the classic trap)."""
    def with_form(form: str) -> AuditOptions:
        return dataclasses.replace(options, measure=dataclasses.replace(options.measure, normalize=form))

    frames = []
    for form in ("nfc", "nfd", "nfkc"):
        rows = run_audit(adapters, corpus, with_form(form), progress).rows
        frames.append(rows.select("tokenizer", "lang", "lang_name", "script", pl.col("premium").alias(f"premium_{form}")))
    joined = frames[0].join(frames[1].drop("lang_name", "script"), on=["tokenizer", "lang"]).join(
        frames[2].drop("lang_name", "script"), on=["tokenizer", "lang"])
    spread = pl.max_horizontal("premium_nfc", "premium_nfd", "premium_nfkc") / pl.min_horizontal(
        "premium_nfc", "premium_nfd", "premium_nfkc")
    signature = build(tokenizers_part(adapters), section("corpus", corpus.signature),
                      section("method", with_form("nfc,nfd,nfkc").signature()))
    return SensitivityResult(joined.with_columns(spread.alias("spread")).sort("spread", descending=True), signature)
