"""One axis for every scheme: bits per byte per language for a byte model, same-size token
models, byte models that shorten the sequence by a fixed rate (CANINE-style, GBST) or where
they learn or a rule says (H-Net, SpaceByte) and classic compressors, on the same FLORES
devtest text; and beside it, each model's compute premium per language (compute_premium.py).

Held equal across model schemes: the non-embedding parameter count (the preset's transformer
for bytes and token models; the shortening models matched to it by byte_model.architectures),
the optimizer and schedule, the wall-clock training budget and the training text (FLORES dev).
Reported per scheme, because they differ by construction: steps, tokens and bytes seen, bytes/s,
and forward and training FLOPs (≈ 3 × forward FLOPs per token × tokens seen).

Every scheme is scored under the same evaluation protocol (byte_model.protocols): models and
compressors alike see either each sentence alone (`isolated`) or the language's dev text and
earlier test sentences (`context`; `dynamic` adds online adaptation to the models, which
compressors do by construction, so they are scored as under `context`).
"""

from __future__ import annotations

import dataclasses
import re
import time
import warnings
from typing import Callable

import numpy as np
import polars as pl

from corpora import Corpus, load_corpus
from toklab.cache import work_dir
from toklab.compare.compressors import available, conditional_bits, isolated_bits
from toklab.compare.compute_premium import compute_premiums, compute_summary
from toklab.languages import script_of
from toklab.paths import short_hash
from toklab.signature import Signature, build, section, tokenizers

KINDS = {"bpe": "bytebpe", "unigram": "unigram", "paritybpe": "paritybpe"}
SHORTENING = ("canine", "gbst", "hnet")  # byte models that shorten: `canine:R`, `gbst:R`, `hnet:L` (target length)
RULED = ("spacebyte",)  # byte models whose chunks follow a rule: no number (byte_model.chunked)
SCHEME_HELP = ("bytes, bpe:N, unigram:N, paritybpe:N (N = vocabulary size), canine:R or gbst:R (R = downsampling "
               "rate), hnet:L (L = target bytes per learned chunk), spacebyte")
DEFAULT_SCHEMES = ("bytes", "bpe:8192", "unigram:8192", "paritybpe:8192", "canine:4", "gbst:4", "hnet:4", "spacebyte")


def byte_level(scheme: str) -> bool:
    return scheme in ("bytes", *RULED) or scheme.partition(":")[0] in SHORTENING


@dataclasses.dataclass(frozen=True)
class CompareConfig:
    schemes: tuple[str, ...] = DEFAULT_SCHEMES
    langs: tuple[str, ...] = ()  # empty: all
    per_lang: int = 100  # first N devtest sentences of every language
    minutes: float = 10.0
    preset: str = "cpu"
    compressors: bool = True
    seed: int = 0
    protocols: tuple[str, ...] = ("isolated",)  # each model is trained once and scored under each


def _check_scheme(scheme: str) -> tuple[str, str]:
    kind, _, number = scheme.partition(":")
    if scheme in ("bytes", *RULED):
        return kind, number
    smallest = 2 if kind == "hnet" else 1  # a target of 1 byte per chunk cuts everywhere: nothing to learn
    if kind not in (*KINDS, *SHORTENING) or not re.fullmatch(r"[0-9]+", number) or int(number) < smallest:
        # ASCII digits: '²'.isdigit() is True, int('²') fails
        from toklab.errors import SpecError

        raise SpecError(f"scheme {scheme!r}: write {SCHEME_HELP}")
    return kind, number


def tokenizer_spec(scheme: str, train_corpus: str) -> str:
    kind, vocab = _check_scheme(scheme)
    if byte_level(scheme):
        return "bytes:utf8"
    nested = train_corpus.replace("?", "%3F").replace("&", "%26")
    # SentencePiece with byte fallback is lossless; a low character coverage lets small
    # vocabularies spell rare characters (most of a Han vocabulary) in bytes.
    extra = "&impl=spm&coverage=0.98" if kind == "unigram" else ""
    return f"train:{KINDS[kind]}?vocab={vocab}&corpus={nested}{extra}"


def model_config(scheme: str, preset_model):
    """The preset's transformer; a shortening or chunking scheme gets the model of its kind
    matched to it in non-embedding parameters (byte_model.architectures.matched)."""
    kind, rate = _check_scheme(scheme)
    if kind not in (*SHORTENING, *RULED):
        return preset_model
    from byte_model.architectures import matched

    return matched(preset_model, kind, int(rate) if rate else preset_model.rate)


def corpus_specs(config: CompareConfig) -> tuple[str, str]:
    langs = f"&langs={','.join(config.langs)}" if config.langs else ""
    return f"flores200?split=dev{langs}", f"flores200?split=devtest{langs}"


def eval_subset(corpus: Corpus, per_lang: int) -> Corpus:
    from byte_model.evaluate import first_n_per_language

    return Corpus(corpus.spec, first_n_per_language(corpus.frame, per_lang))


def train_and_score(scheme: str, config: CompareConfig, train_spec: str, test: Corpus,
                    on_log: Callable[[str], None], on_step: Callable | None = None) -> tuple[pl.DataFrame, dict]:
    from byte_model import config as C
    from byte_model.compute import document_costs
    from byte_model.data import encode_documents
    from byte_model.protocols import ScoringSetup, score_documents
    from byte_model.train import Trainer

    preset_model, train_cfg = C.preset(config.preset)
    model_cfg = model_config(scheme, preset_model)
    spec = tokenizer_spec(scheme, train_spec)
    run_dir = work_dir("runs", f"compare-{short_hash(repr((scheme, config, spec)))}")
    train_cfg = dataclasses.replace(train_cfg, corpus=train_spec, tokenizer=spec, minutes=config.minutes,
                                    steps=0, seed=config.seed, checkpoint_every=10**9)  # the time budget binds
    on_log(f"{scheme}: training {config.minutes} min ({spec})")
    trainer = Trainer(run_dir, model_cfg, train_cfg, on_step=on_step)
    on_log(f"{scheme}: {trainer.device}, torch threads {trainer.threads}")
    state = trainer.run()
    trainer.load_best()
    trainer.model.eval()
    docs, vocab = encode_documents(test, spec)
    tokens = np.array([len(d) for d in docs.ids])
    flops, positions = document_costs(trainer.model, docs, vocab)
    frames, rates = [], {}
    for protocol in config.protocols:
        on_log(f"{scheme}: scoring ({protocol})")
        setup = ScoringSetup(protocol, train_spec, spec, train_cfg.val_fraction)
        bits, rates[protocol], _signature = score_documents(trainer.model, docs, vocab, setup, on_log=on_log)
        frames.append(pl.DataFrame({"lang": docs.langs, "doc_id": test.frame["doc_id"], "bits": bits,
                                    "bytes": docs.n_bytes, "tokens": tokens, "flops": flops,
                                    "positions": positions}).with_columns(
            scheme=pl.lit(scheme), protocol=pl.lit(protocol)))
    flops_token = trainer.model.flops_per_token()
    tokens_seen = state.step * train_cfg.batch_size * model_cfg.ctx
    facts = {"scheme": scheme, "tokenizer": spec, "params_non_embedding": trainer.n_params["non_embedding"],
             "params_total": trainer.n_params["total"], "steps": state.step, "train_seconds": round(state.elapsed, 1),
             "tokens_seen": tokens_seen, "bytes_seen": state.bytes_seen,
             "bytes_per_s": round(state.bytes_seen / max(state.elapsed, 1e-9)),
             "train_flops": 3 * flops_token * tokens_seen, "flops_per_token": flops_token,
             "best_step": state.best_step, "dynamic_lr": rates.get("dynamic"), "signature": trainer.signature}
    return pl.concat(frames), facts


def compressor_rows(train: Corpus, test: Corpus, protocol: str) -> pl.DataFrame:
    """isolated: each sentence compressed alone; otherwise conditioned on the language's dev text
    and the earlier test sentences (compressors adapt as they go: that is their dynamic form)."""
    rows = []
    dev_by_lang = {lang: "\n".join(part["text"]).encode() for lang, part in train.by_lang().items()}
    for name, compress in available().items():
        for lang, part in test.by_lang().items():
            if protocol == "isolated":
                bits = isolated_bits(compress, [t.encode() for t in part["text"]])
            else:
                bits = conditional_bits(compress, dev_by_lang[lang], ("\n" + "\n".join(part["text"])).encode())
            rows.append({"scheme": name, "protocol": protocol, "lang": lang, "bits": float(bits),
                         "bytes": int(part["text"].str.len_bytes().sum()), "docs": part.height})
    return pl.DataFrame(rows)


def per_language(model_docs: pl.DataFrame) -> pl.DataFrame:
    per = model_docs.group_by("scheme", "protocol", "lang", maintain_order=True).agg(
        pl.col("bits").sum(), pl.col("bytes").sum(), pl.col("tokens").sum(), pl.col("flops").sum(),
        pl.col("positions").sum(), docs=pl.len().cast(pl.Int64))
    return per.with_columns(tokens_per_byte=pl.col("tokens") / pl.col("bytes"),
                            flops_per_byte=pl.col("flops") / pl.col("bytes")).drop("flops")


def finish(rows: pl.DataFrame, pivot: str = "eng_Latn") -> pl.DataFrame:
    eng_bytes = rows.filter(pl.col("lang") == pivot).select("scheme", "protocol", pl.col("bytes").alias("pivot_bytes"))
    out = rows.join(eng_bytes, on=["scheme", "protocol"], how="left").with_columns(
        bpb=pl.col("bits") / pl.col("bytes"),
        bits_per_sentence=pl.col("bits") / pl.col("docs"),
        bits_per_english_byte=pl.col("bits") / pl.col("pivot_bytes"),
        script=pl.col("lang").map_elements(script_of, return_dtype=pl.Utf8)).drop("pivot_bytes")
    return out


def summary(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per (protocol, scheme); languages are won within a protocol."""
    best = rows.group_by("protocol", "lang").agg(pl.col("scheme").sort_by("bpb").first().alias("winner"))
    wins = best.group_by("protocol", "winner").len().rename({"winner": "scheme", "len": "languages_won"})
    protocols = rows["protocol"].unique(maintain_order=True).to_list()
    return rows.group_by("protocol", "scheme", maintain_order=True).agg(
        overall_bpb=pl.col("bits").sum() / pl.col("bytes").sum(), macro_bpb=pl.col("bpb").mean(),
        bits_per_sentence=pl.col("bits").sum() / pl.col("docs").sum(),
        flops_per_byte=pl.when(pl.col("flops_per_byte").is_not_null().all()).then(
            (pl.col("flops_per_byte") * pl.col("bytes")).sum() / pl.col("bytes").sum()).round(0).cast(pl.Int64)).join(
        wins, on=["protocol", "scheme"], how="left").with_columns(
        pl.col("languages_won").fill_null(0).cast(pl.Int64),
        order=pl.col("protocol").replace_strict(protocols, list(range(len(protocols))))).sort(
        "order", "overall_bpb").drop("order")


def per_script(rows: pl.DataFrame, protocol: str) -> pl.DataFrame:
    """Byte-weighted BPB of every scheme per writing system under one protocol: one row per
    script (with its number of languages), one column per scheme, scripts with most text first."""
    part = rows.filter(pl.col("protocol") == protocol)
    langs = part.group_by("script").agg(languages=pl.col("lang").n_unique(), text=pl.col("bytes").sum())
    bpb = part.group_by("script", "scheme", maintain_order=True).agg(bpb=pl.col("bits").sum() / pl.col("bytes").sum())
    wide = bpb.pivot(on="scheme", index="script", values="bpb")
    return langs.join(wide, on="script").sort("text", descending=True).drop("text")


def premium_gap_correlation(rows: pl.DataFrame, pivot: str = "eng_Latn") -> dict[str, float]:
    """Per token scheme (not the byte-level ones): Pearson correlation across languages between the tokenizer's premium
    (tokens vs the pivot on the same sentences) and the BPB gap to the byte model, under the
    last protocol scored."""
    rows = rows.filter(pl.col("protocol") == rows["protocol"][-1])
    byte = rows.filter(pl.col("scheme") == "bytes").select("lang", pl.col("bpb").alias("byte_bpb"))
    out = {}
    token_schemes = [s for s in rows["scheme"].unique(maintain_order=True) if not byte_level(s)]
    for (scheme,), part in rows.filter(pl.col("tokens").is_not_null() & pl.col("scheme").is_in(token_schemes)).group_by("scheme"):
        pivot_tokens = part.filter(pl.col("lang") == pivot)["tokens"]
        if byte.is_empty() or pivot_tokens.is_empty() or part.height < 3:
            continue
        joined = part.join(byte, on="lang").with_columns(premium=pl.col("tokens") / pivot_tokens[0],
                                                         gap=pl.col("bpb") - pl.col("byte_bpb"))
        with np.errstate(all="ignore"), warnings.catch_warnings():  # constant input: NaN, not a warning line
            warnings.simplefilter("ignore", RuntimeWarning)
            value = float(np.corrcoef(joined["premium"].to_numpy(), joined["gap"].to_numpy())[0, 1])
        if np.isfinite(value):  # a constant premium or gap has no correlation: left out, never printed as nan
            out[scheme] = value
    return out


@dataclasses.dataclass(frozen=True)
class CompareResult:
    rows: pl.DataFrame  # one row per (scheme, language)
    summary: pl.DataFrame  # one row per scheme
    facts: dict[str, dict]  # per model scheme: what it got from the budget
    correlation: dict[str, float]  # token premium vs BPB gap to the byte model
    compute: pl.DataFrame  # per model scheme: median compute premium, its Gini, dearest and cheapest language
    seconds: float
    signature: Signature


def compare_signature(config: CompareConfig, test: Corpus, facts: dict[str, dict], compressors: list[str]) -> Signature:
    models = tokenizers(Signature.of(("scheme", name), fact["signature"], ("steps_done", fact["steps"]))
                        for name, fact in facts.items())
    compressor_protocols = {"isolated": "sum(8*C(sentence))", "context": "8*(C(dev+test)-C(dev))",
                            "dynamic": "8*(C(dev+test)-C(dev))"}
    scoring = ",".join(f"{p}:{compressor_protocols[p]}" for p in config.protocols)
    return build(("compare", ",".join(config.schemes)), ("preset", config.preset), ("minutes", f"{config.minutes:g}"),
                 ("seed", config.seed), section("eval", test.signature, prefix="eval_"), ("per_lang", config.per_lang),
                 ("protocols", ",".join(config.protocols)), models,
                 ("compressors", ",".join(compressors) or "none"), ("compressor_protocols", scoring))


def run_compare(config: CompareConfig, on_log: Callable[[str], None] = lambda _m: None,
                on_step: Callable | None = None) -> CompareResult:
    """`on_log` gets one line per phase, `on_step` each training step's report (byte_model.train)."""
    for scheme in config.schemes:  # a misspelt scheme fails now, not after the others have trained
        _check_scheme(scheme)
    train_spec, test_spec = corpus_specs(config)
    train, test = load_corpus(train_spec), eval_subset(load_corpus(test_spec), config.per_lang)
    started = time.perf_counter()
    frames, facts = [], {}
    for scheme in config.schemes:
        frame, fact = train_and_score(scheme, config, train_spec, test, on_log, on_step)
        frames.append(frame)
        facts[scheme] = fact
    model_docs = pl.concat(frames)
    # FLOPs do not depend on the protocol: the sentences of the first one price every scheme
    premiums = compute_premiums(model_docs.filter(pl.col("protocol") == config.protocols[0]))
    rows = per_language(model_docs).join(premiums.drop("flops_per_byte"), on=["scheme", "lang"], how="left")
    compressors = list(available()) if config.compressors else []
    if config.compressors:
        on_log("compressors")
        rows = pl.concat([rows] + [compressor_rows(train, test, p) for p in config.protocols], how="diagonal")
    rows = finish(rows)
    return CompareResult(rows, summary(rows), facts, premium_gap_correlation(rows), compute_summary(premiums),
                         time.perf_counter() - started, compare_signature(config, test, facts, compressors))
