"""Premium rows for closed models from counts their vendors gave: asked now with the user's key
(`vendor_counts`), or read from a counts file someone shared (`counts_file`).

The vendors count a whole request, which frames the text as one user message: a constant number
of tokens per request. It is measured once per model as count(".") − 1 (a full stop is one token in
every byte-level BPE vocabulary) and taken off every count, so short documents do not pull premiums
towards 1. The documents are a seeded sample, the same ids in every language; the interval is the
paired bootstrap over them, so it includes the sampling.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

import polars as pl

from corpora import Corpus
from toklab.languages import language_name, script_of
from toklab.premium.counted_premium import premiums_from_counts
from toklab.premium.counts_file import CountsFileError
from toklab.bootstrap import BootstrapOptions
from toklab.signature import Signature

FRAMING_PROBE = "."  # one token in every byte-level BPE vocabulary: count(".") − 1 is the framing


@dataclasses.dataclass(frozen=True)
class CountedPremiums:
    rows: pl.DataFrame  # tokenizer, lang, lang_name, script, premium, premium_lo, premium_hi, comparable, pivot_fertility
    spec: str           # what counted: "counted:anthropic/claude-opus-5-5"
    how: str            # in words, for the footnote and the report
    signature: Signature


def sample_frame(corpus: Corpus, pivot: str, per_language: int, seed: int) -> pl.DataFrame:
    """The documents to count: the same seeded sample of doc ids in every language."""
    from toklab.premium.vendor_counts import sample_doc_ids

    ids = sample_doc_ids(corpus.frame.filter(pl.col("lang") == pivot)["doc_id"], per_language, seed)
    return corpus.frame.filter(pl.col("doc_id").is_in(ids)).select("doc_id", "lang", "text")


def count_with_vendor(model: str, docs: pl.DataFrame, progress: Callable[[], None] | None = None) -> pl.DataFrame:
    """Counts of every document with the framing taken off (the key comes from the environment)."""
    from toklab.premium.vendor_counts import count_documents

    probe = pl.DataFrame({"doc_id": [-1], "lang": ["framing"], "text": [FRAMING_PROBE]})
    framing = int(count_documents(model, probe)["tokens"][0]) - 1
    counts = count_documents(model, docs, progress=progress)
    return counts.with_columns(tokens=(pl.col("tokens") - framing).clip(lower_bound=0))


def counted_premiums(model: str, counts: pl.DataFrame, docs: pl.DataFrame, pivot: str,
                     bootstrap: BootstrapOptions, origin: str, where: str = "the vendor's counts") -> CountedPremiums:
    """Premium rows shaped like the audit's, for `pricing.price_audit`; `where` names the counts in errors."""
    mine = counts.filter(pl.col("model") == model)
    _check_complete(mine, model, pivot, where)
    premiums = premiums_from_counts(mine, pivot, bootstrap)
    spec = f"counted:{model}"
    pivot_docs = docs.filter((pl.col("lang") == pivot) & pl.col("doc_id").is_in(mine["doc_id"].implode()))
    words = sum(len(text.split()) for text in pivot_docs["text"])
    pivot_tokens = int(mine.filter(pl.col("lang") == pivot)["tokens"].sum())
    rows = premiums.select(
        pl.lit(spec).alias("tokenizer"), "lang",
        pl.col("lang").map_elements(language_name, return_dtype=pl.Utf8).alias("lang_name"),
        pl.col("lang").map_elements(script_of, return_dtype=pl.Utf8).alias("script"),
        "premium", "premium_lo", "premium_hi", pl.lit(True).alias("comparable"),
        pl.lit(pivot_tokens / words if words else None, dtype=pl.Float64).alias("pivot_fertility"))
    sample = int(premiums["docs"].max() or 0)
    how = f"counted by the vendor ({origin}) on {sample} sampled documents per language, framing removed"
    return CountedPremiums(rows, spec, how, Signature.of(("counts", spec), origin, ("docs_per_lang", sample)))


def _check_complete(counts: pl.DataFrame, model: str, pivot: str, where: str) -> None:
    """Every language counted on the pivot's documents, and the pivot on some tokens: a premium from
    fewer documents than the signature's docs_per_lang, or over 0 tokens, is refused."""
    pivot_ids = counts.filter(pl.col("lang") == pivot)["doc_id"]
    if pivot_ids.len() and int(counts.filter(pl.col("lang") == pivot)["tokens"].sum()) == 0:
        raise CountsFileError(f"{where}: the pivot {pivot} has 0 tokens under {model} in all {pivot_ids.len()} "
                              "documents, so no premium can be taken; count the pivot's documents again, or choose "
                              "another --pivot")
    for (lang,), part in counts.filter(pl.col("lang") != pivot).sort("lang").group_by("lang", maintain_order=True):
        lacking = pivot_ids.filter(~pivot_ids.is_in(part["doc_id"].implode())).sort()
        extra = part["doc_id"].filter(~part["doc_id"].is_in(pivot_ids.implode())).sort()
        if lacking.len() or extra.len():
            ids = lacking if lacking.len() else extra
            verb = "lacks" if ids.len() == 1 else "lack"
            whose = (f"of the pivot {pivot}'s {pivot_ids.len()} documents {verb} a count in {lang}" if lacking.len()
                     else f"of {lang}'s {part.height} documents {verb} a count in the pivot {pivot}")
            shown = ", ".join(str(i) for i in ids.head(5)) + (", …" if ids.len() > 5 else "")
            raise CountsFileError(f"{where}: {ids.len()} {whose} under {model} (id{'s' if ids.len() > 1 else ''} "
                                  f"{shown}); count the same documents in every language, or drop those ids")


def gather(prices, corpus: Corpus, pivot: str, *, ask_vendors: bool, counts_path: Path | None, per_language: int,
           seed: int, bootstrap: BootstrapOptions,
           progress: Callable[[], None] | None = None) -> tuple[list[CountedPremiums], pl.DataFrame | None]:
    """Counted premiums for every estimated model that a counts file covers or, when `ask_vendors`,
    whose vendor counts (key from the environment); and all the counts, to share as a file."""
    from toklab.paths import file_sha256

    docs = sample_frame(corpus, pivot, per_language, seed) if ask_vendors else None
    shared = _shared_counts(counts_path, corpus)
    shared_origin = Signature.of(("counts_file", f"{counts_path}@sha256:{file_sha256(counts_path)[:16]}")) if shared else ""
    found, frames = [], []
    for price in prices:
        if price.exact:
            continue
        counts = shared.get(price.model)
        if counts is not None:
            origin = shared_origin
            texts = corpus.frame.select("doc_id", "lang", "text")
        elif ask_vendors and price.counted_by:
            from toklab.premium.vendor_counts import signature

            counts, origin, texts = count_with_vendor(price.model, docs, progress), signature(price.model), docs
        else:
            continue
        where = f"counts file {counts_path}" if counts is shared.get(price.model) else "the vendor's counts"
        found.append(counted_premiums(price.model, counts, texts, pivot, bootstrap, origin, where))
        frames.append(counts)
    return found, pl.concat(frames) if frames else None


def _shared_counts(counts_path: Path | None, corpus: Corpus) -> dict[str, pl.DataFrame]:
    """A shared counts file, read once: model → its counts in the corpus's languages."""
    if counts_path is None:
        return {}
    from toklab.premium.counts_file import read_counts_file

    counts = read_counts_file(counts_path).filter(pl.col("lang").is_in(corpus.langs))
    return {model: part for (model,), part in counts.group_by("model")}
