"""Everything a report shows, measured by the analyzers and joined per language: the audit's premiums
and intervals, the API prices that follow from them, information loss by stage, glitch exposure and,
given a byte-model run, bits per byte. Returns data (`ReportData`); html.py and markdown.py lay it out.

Every part keeps the signature its analyzer built, so the methodology section is generated from
what was computed, never written by hand.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from corpora import Corpus
from toklab.adapters.base import Adapter
from toklab.glitch import scan
from toklab.glitch.exposure import TOP_RANKED, exposure
from toklab.languages import language_names, script_label
from toklab.loss import run_loss
from toklab.loss.attribution import STAGES
from toklab.premium import AuditOptions, BootstrapOptions, run_audit
from toklab.premium.closed_counts import gather
from toklab.premium.pricing import DEFAULT_MODELS, Price, load_prices, price_audit, select
from toklab.registry import load_tokenizer
from toklab.signature import Signature, library_versions

Progress = Callable[[str], None]
CONTENT_TOKENS = 1_000_000  # the priced content: what one million pivot-language tokens say


@dataclasses.dataclass(frozen=True)
class ReportOptions:
    pivot: str = "eng_Latn"
    resamples: int = 1000
    seed: int = 0
    models: tuple[str, ...] = DEFAULT_MODELS
    price_file: Path | None = None
    mix: tuple[float, float] = (0.75, 0.25)  # input and output shares of the blended price (3:1)
    count_with: tuple[tuple[str, str], ...] = ()  # (model, spec) for models toklab cannot map
    counts_file: Path | None = None  # vendor counts (toklab price --save-counts): closed models priced exactly
    glitch_top: int = TOP_RANKED
    glitch_words: bool = True  # the glitch ranking's string frequencies from the wordfreq lists
    byte_run: Path | None = None
    byte_protocol: str = "isolated"
    byte_docs: int | None = 100  # documents per language the byte model scores (None: all)


@dataclasses.dataclass(frozen=True)
class Provenance:
    """One section's origin: what it is, and the signature of the computation behind it."""
    key: str
    title: str
    signature: Signature
    label: str = ""  # the link's text (default: the key)

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.key)


@dataclasses.dataclass(frozen=True)
class ReportData:
    corpus: Corpus
    tokenizers: list[Adapter]
    prices: list[Price]
    options: ReportOptions
    languages: pl.DataFrame  # one row per (tokenizer, language): premium, loss, exposure (+ bpb)
    price_rows: pl.DataFrame  # one row per (model, language)
    summary: pl.DataFrame  # one row per tokenizer: the audit's summary, loss and exposure overall
    bpb: pl.DataFrame | None  # one row per language when a byte run was given
    provenance: dict[str, Provenance]
    price_snapshot: str
    created: str
    versions: str

    @property
    def pivot(self) -> str:
        return self.options.pivot

    def scripts(self) -> pl.DataFrame:
        """Per (tokenizer, script): the languages' mean premium and its range, byte premium,
        character-weighted loss and token-weighted exposure (and byte-weighted BPB)."""
        return script_table(self.languages)


LANGUAGE_COLUMNS = ["tokenizer", "lang", "lang_name", "script", "docs", "chars", "tokens", "premium", "premium_lo",
                    "premium_hi", "byte_premium", "comparable"]


def collect(tokenizers: Sequence[Adapter], corpus: Corpus, options: ReportOptions = ReportOptions(),
            progress: Progress | None = None, stage: Progress | None = None) -> ReportData:
    """Run (or read from the cache) every analysis the report joins. `progress` hears of every step
    (a language measured), `stage` of every analysis as it starts (in words)."""
    stage = stage or (lambda name: None)
    adapters = list(tokenizers)
    names = [a.name for a in adapters]
    prices, price_snapshot, counting, extra = _pricing(adapters, options)
    stage(f"token counts and intervals: {len(adapters + extra)} tokenizers × {len(corpus.langs)} languages")
    audit = run_audit(adapters + extra, corpus, AuditOptions(pivot=options.pivot, bootstrap=BootstrapOptions(
        resamples=options.resamples, seed=options.seed)), progress)
    stage(f"prices of {len(prices)} models")
    counted = gather(prices, corpus, options.pivot, ask_vendors=False, counts_path=options.counts_file,
                     per_language=0, seed=0, bootstrap=BootstrapOptions(resamples=options.resamples,
                                                                        seed=options.seed))[0]
    priced = price_audit(audit, {a.name: spec for spec, a in counting.items()}, prices, price_snapshot, options.pivot,
                         CONTENT_TOKENS, None, options.mix, counted)
    stage(f"information loss: {len(adapters)} tokenizers")
    loss = run_loss(adapters, corpus, progress=progress)
    exposures = []
    scanned = [a for a in adapters if a.family != "patches"]  # patches (rendered, entropy-cut) have no vocabulary
    for adapter in scanned:
        stage(f"glitch exposure: {short_name(adapter.name)}")
        exposures.append(_exposure(adapter, corpus, options, progress))
    languages = (audit.rows.filter(pl.col("tokenizer").is_in(names)).select(LANGUAGE_COLUMNS)
                 .join(_loss_columns(loss.rows), on=["tokenizer", "lang"], how="left"))
    if exposures:
        languages = languages.join(pl.concat([e.rows for e in exposures]).drop("tokens"), on=["tokenizer", "lang"],
                                   how="left")
    families = {a.name: a.family for a in adapters}  # why a tokenizer has no glitch exposure, in words
    languages = languages.with_columns(family=pl.col("tokenizer").replace_strict(families, default=None,
                                                                                 return_dtype=pl.Utf8))
    provenance = {
        "audit": Provenance("audit", "Token premium and byte premium (toklab audit)", audit.signature),
        "prices": Provenance("prices", "API prices (toklab price)", priced.signature),
        "loss": Provenance("loss", "Information loss (toklab loss)", loss.signature),
        **{f"glitch-{i}": Provenance(f"glitch-{i}", f"Glitch exposure, {a.name} (toklab glitch)", e.signature,
                                     f"glitch {short_name(a.name)}")
           for i, (a, e) in enumerate(zip(scanned, exposures))},
    }
    bpb = None
    if options.byte_run is not None:
        stage("bits per byte of the byte model")
        bpb, signature = byte_model_bpb(options, corpus)
        stage("compute premium of the byte model")
        compute = byte_model_compute(options, corpus)
        bpb = bpb.join(compute, on="lang", how="left")
        languages = languages.join(bpb.select("lang", "bpb", *compute.drop("lang").columns), on="lang", how="left")
        provenance["bpb"] = Provenance("bpb", f"Bits per byte and compute premium, byte model ({options.byte_protocol})",
                                       signature)
    summary = _summary(audit.summary.filter(pl.col("tokenizer").is_in(names)), languages)
    return ReportData(corpus, adapters, priced.prices, options, named(languages, corpus), named(priced.table, corpus),
                      summary, bpb, provenance, price_snapshot, datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                      library_versions())


def named(frame: pl.DataFrame, corpus: Corpus) -> pl.DataFrame:
    """`lang_name` that tells the corpus's languages apart (`zho_Hans` 'Chinese (Simplified)' beside
    `zho_Hant`), where a name alone names a language only where its script is not the usual one."""
    names = language_names(corpus.langs)
    return frame.with_columns(lang_name=pl.col("lang").replace_strict(names, default=pl.col("lang")))


def short_name(name: str) -> str:
    """`tiktoken:o200k_base` → `o200k_base`, `pkg:llama-4` → `llama-4`; a file spec keeps its scheme, its file and the folder
    holding it (`hf:all-MiniLM-L6-v2/tokenizer.json`)."""
    scheme, _, target = name.partition(":")
    return target if scheme in ("tiktoken", "pkg") else f"{scheme}:{'/'.join(target.split('/')[-2:])}"


def _pricing(adapters: list[Adapter], options: ReportOptions):
    """The selected prices, the snapshot's signature, the tokenizer each price counts with (by spec),
    and those of them the report does not show: measured for the prices only."""
    prices_by_model, price_snapshot = load_prices(options.price_file, count_with=dict(options.count_with))
    prices = select(prices_by_model, list(options.models))
    counting = {spec: load_tokenizer(spec) for spec in dict.fromkeys(p.counting_spec for p in prices)}
    shown = {a.name for a in adapters}
    extra = list({a.name: a for a in counting.values() if a.name not in shown}.values())
    return prices, price_snapshot, counting, extra


def planned_steps(tokenizers: Sequence[Adapter], corpus: Corpus, options: ReportOptions) -> int:
    """How many times `collect` calls its progress callback: once per language for every tokenizer's
    audit (pricing tokenizers included), loss and exposure."""
    extra = _pricing(list(tokenizers), options)[3]
    scanned = sum(a.family != "patches" for a in tokenizers)  # glitch exposure: tokenizers with a vocabulary
    return len(corpus.langs) * (2 * len(tokenizers) + scanned + len(extra))


def _loss_columns(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select("tokenizer", "lang", "roundtrip_exact", "chars_lost", "cer", *STAGES, "lossy_docs",
                       "attributed_docs", "fallback_font_chars")


def _exposure(adapter: Adapter, corpus: Corpus, options: ReportOptions, progress: Progress | None):
    ranking = scan(adapter, None, words=options.glitch_words)
    return exposure(adapter, corpus, ranking, options.glitch_top, progress)


def byte_model_bpb(options: ReportOptions, corpus: Corpus) -> tuple[pl.DataFrame, str]:
    """Bits per byte per language of the run's best checkpoint, on the report's corpus."""
    from byte_model.evaluate import evaluate_run

    result = evaluate_run(options.byte_run, corpus.spec.canonical, options.byte_docs, protocol=options.byte_protocol)
    return result.per_lang.select("lang", "bpb", "bytes", "docs"), result.signature


def byte_model_compute(options: ReportOptions, corpus: Corpus) -> pl.DataFrame:
    """Per language: the byte model's compute premium (forward FLOPs for the same sentences as the
    pivot's, with its interval) and the bytes its deep stack reads per position — on the documents
    the model's BPB is measured on."""
    from byte_model.compute import document_costs
    from byte_model.data import encode_documents
    from byte_model.evaluate import first_n_per_language
    from byte_model.loading import load_model
    from toklab.compare.compute_premium import compute_premiums

    model, vocab, payload = load_model(options.byte_run)
    subset = Corpus(corpus.spec, first_n_per_language(corpus.frame, options.byte_docs))
    docs, _vocab = encode_documents(subset, payload["train_cfg"]["tokenizer"])
    flops, positions = document_costs(model, docs, vocab)
    sentences = pl.DataFrame({"scheme": "byte model", "lang": docs.langs, "doc_id": subset.frame["doc_id"],
                              "bytes": docs.n_bytes, "flops": flops, "positions": positions})
    premiums = compute_premiums(sentences, options.pivot, BootstrapOptions(options.resamples, options.seed))
    return premiums.select("lang", "compute_premium", "compute_low", "compute_high", "bytes_per_position")


def _summary(audit_summary: pl.DataFrame, languages: pl.DataFrame) -> pl.DataFrame:
    weighted = languages.group_by("tokenizer", maintain_order=True).agg(
        chars_lost=weighted_mean("chars_lost", "chars"), exposure=weighted_mean("exposure", "tokens"),
        most_exposed=pl.when(pl.col("exposure").is_not_null().any()).then(
            pl.col("lang").sort_by(pl.col("exposure").fill_null(-1.0)).last()),
    )
    return audit_summary.join(weighted, on="tokenizer", how="left")


def weighted_mean(value: str, weight: str) -> pl.Expr:
    """Σ value·weight / Σ weight over the rows where value is known; null where none is, or where
    their weights are all 0 (0/0 would be NaN)."""
    known = pl.col(value).is_not_null()
    weights = pl.col(weight).filter(known).sum()
    return pl.when(known.any() & (weights > 0)).then((pl.col(value) * pl.col(weight)).sum() / weights)


def script_table(languages: pl.DataFrame) -> pl.DataFrame:
    weighted = {"chars_lost": weighted_mean("chars_lost", "chars"), "exposure": weighted_mean("exposure", "tokens")}
    if "bpb" in languages.columns:
        weighted["bpb"] = pl.col("bpb").mean()
    table = languages.group_by("tokenizer", "script", maintain_order=True).agg(
        languages=pl.len(), premium=pl.col("premium").mean(), premium_median=pl.col("premium").median(),
        premium_min=pl.col("premium").min(),
        premium_max=pl.col("premium").max(), byte_premium=pl.col("byte_premium").mean(), **weighted)
    names = pl.col("script").map_elements(script_label, return_dtype=pl.Utf8)
    return table.with_columns(script_name=names).sort("premium", descending=True, maintain_order=True)
