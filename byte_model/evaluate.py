"""Bits per byte of a trained run: total negative log2-likelihood of each document under a
protocol (protocols.py: what the model may see), divided by its UTF-8 bytes. Per language and
overall (byte-weighted, i.e. total bits over total bytes), cached by the checkpoint's content.

The one direction: evaluation calls protocols, protocols call the model; loading
(loading.py) sits beside them."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl
import torch

from byte_model.data import Documents, check_same_tokenizer, encode_documents
from byte_model.loading import checkpoint_path, load_model
from byte_model.protocols import ScoringSetup, score_documents
from toklab.signature import Signature, section


def bpb_table(docs: Documents, bits: np.ndarray) -> tuple[pl.DataFrame, float]:
    """Per-language BPB (sorted) and the overall byte-weighted figure."""
    frame = pl.DataFrame({"lang": docs.langs, "bits": bits, "bytes": docs.n_bytes})
    per_lang = frame.group_by("lang").agg(pl.col("bits").sum(), pl.col("bytes").sum(), docs=pl.len()).with_columns(
        bpb=pl.col("bits") / pl.col("bytes")).sort("bpb")
    return per_lang, float(bits.sum() / docs.n_bytes.sum())


def refuse_empty_languages(corpus) -> None:
    """Bits per byte of a language with no bytes is 0/0: an error naming it, before any scoring."""
    from toklab.errors import CorpusError

    sizes = corpus.frame.group_by("lang").agg(bytes=pl.col("text").str.len_bytes().sum(), docs=pl.len())
    empty = sizes.filter(pl.col("bytes") == 0).sort("lang")
    if empty.height:
        names = ", ".join(f"{lang} ({docs} empty document{'s' if docs > 1 else ''})"
                          for lang, docs in empty.select("lang", "docs").head(5).iter_rows())
        more = f" and {empty.height - 5} more" if empty.height > 5 else ""
        raise CorpusError(f"corpus {corpus.spec.canonical}: no bytes to score in {names}{more}; bits per byte "
                          "need text: give those languages text, or leave them out of the corpus (e.g. ?langs=…)")


def first_n_per_language(frame: pl.DataFrame, n: int | None) -> pl.DataFrame:
    if n is None:
        return frame
    return frame.sort("doc_id").group_by("lang", maintain_order=True).head(n)


@dataclasses.dataclass(frozen=True)
class ByteEvalResult:
    per_lang: pl.DataFrame  # lang, bits, bytes, docs, bpb (sorted by bpb)
    overall: float  # byte-weighted bits per byte
    n_bytes: int
    n_docs: int
    signature: Signature
    protocol: str = "isolated"
    dynamic_lr: float | None = None  # the adaptation rate dynamic evaluation used (chosen on validation)


def evaluate_run(run_dir: Path, corpus: str | None = None, first_n: int | None = 100, batch_size: int = 64,
                 device: torch.device | None = None, progress: Callable[[int], None] | None = None,
                 protocol: str = "isolated", dynamic_lr: float | None = None, checkpoint: str = "best",
                 on_log: Callable[[str], None] = lambda _m: None) -> ByteEvalResult:
    """Score the first `first_n` documents of every language (all when None) with the run's best
    (or last) checkpoint, under its tokenizer file, by `protocol` (protocols.PROTOCOLS)."""
    from corpora import Corpus, load_corpus

    model, vocab, payload = load_model(run_dir, device, checkpoint)
    train_cfg = payload["train_cfg"]
    source = load_corpus(corpus or train_cfg["eval_corpus"])
    subset = Corpus(source.spec, first_n_per_language(source.frame, first_n))
    refuse_empty_languages(subset)
    docs, current = encode_documents(subset, train_cfg["tokenizer"])
    check_same_tokenizer(vocab, current, str(run_dir))
    setup = ScoringSetup(protocol, train_cfg["corpus"], train_cfg["tokenizer"], train_cfg.get("val_fraction", 0.0),
                         dynamic_lr, batch_size)
    key = _cache_key(run_dir, checkpoint, subset, setup, model)
    cached = _read_cached(key)
    if cached is not None:
        return cached
    bits, chosen_lr, protocol_signature = score_documents(model, docs, vocab, setup, progress, on_log)
    per_lang, overall = bpb_table(docs, bits)
    signature = Signature.of(section("run", Signature.parse(payload["signature"])), ("step", payload["step"]),
                             ("checkpoint", checkpoint), section("eval", subset.signature, prefix="eval_"),
                             ("first_n", "all" if first_n is None else first_n), section("protocol", protocol_signature))
    result = ByteEvalResult(per_lang, overall, int(docs.n_bytes.sum()), len(docs.ids), signature, protocol, chosen_lr)
    _write_cached(key, result)
    return result


def _cache_key(run_dir: Path, checkpoint: str, subset, setup, model):
    """Where this evaluation is kept: keyed by the checkpoint file's sha256, the scored documents'
    content hash, every scoring setting and, for the protocols that read it, the content of the
    text they take context and validation from — so a retrained run or an edited text misses."""
    from corpora import load_corpus
    from toklab.cache import cache_key
    from toklab.paths import file_sha256

    context = load_corpus(setup.context_corpus).content_hash if setup.protocol != "isolated" else "context:none"
    device = next(model.parameters()).device.type
    return cache_key("evaluations", file_sha256(checkpoint_path(run_dir, checkpoint)), subset.content_hash,
                     repr(setup), context, f"device:{device}", suffix=".json",
                     code=(__name__, "byte_model.protocols", "byte_model.model", "byte_model.architectures",
                           "byte_model.shortened", "byte_model.chunked", "byte_model.data"))


def _read_cached(key) -> ByteEvalResult | None:
    from toklab.cache import load

    payload = load(key)
    if payload is None:
        return None
    try:  # verified bytes, but written by this module: a shape it cannot read is a miss, not an error
        fields = json.loads(payload)
        table = pl.read_parquet(io.BytesIO(base64.b64decode(fields.pop("per_lang"))))
        return ByteEvalResult(per_lang=table, **fields | {"signature": Signature.parse(fields["signature"])})
    except (ValueError, TypeError, KeyError, pl.exceptions.PolarsError):
        return None


def _write_cached(key, result: ByteEvalResult) -> None:
    from toklab.cache import store

    table = io.BytesIO()
    result.per_lang.write_parquet(table)
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(result) if f.name != "per_lang"}
    store(key, json.dumps(fields | {"per_lang": base64.b64encode(table.getvalue()).decode()}).encode())
