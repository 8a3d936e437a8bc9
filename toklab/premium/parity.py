"""Fair tokenizer training: classical byte-level BPE against parity-aware BPE at the same
vocabulary, both trained on FLORES dev and audited on FLORES devtest.

Reports, per tokenizer, the inequality of premiums (Gini, maximum, how many languages pay ≥ 2×)
against global compression (UTF-8 bytes per token over all languages): parity-aware merges
should buy equality at a small cost in total compression.
"""

from __future__ import annotations

from typing import Callable

import polars as pl

from corpora import load_corpus
from toklab.premium.audit import AuditOptions, AuditResult, run_audit
from toklab.registry import load_tokenizer


def train_specs(vocab: int, train_corpus: str) -> list[str]:
    nested = train_corpus.replace("?", "%3F").replace("&", "%26")
    return [f"train:bytebpe?vocab={vocab}&corpus={nested}", f"train:paritybpe?vocab={vocab}&corpus={nested}"]


def compare_parity(vocab: int, train_corpus: str, eval_corpus: str, pivot: str = "eng_Latn",
                   progress: Callable[[str], None] | None = None) -> tuple[pl.DataFrame, AuditResult]:
    adapters = []
    for spec in train_specs(vocab, train_corpus):
        if progress:
            progress(f"training {spec}")
        adapters.append(load_tokenizer(spec))
    result = run_audit(adapters, load_corpus(eval_corpus), AuditOptions(pivot=pivot))
    compression = result.rows.group_by("tokenizer", maintain_order=True).agg(
        global_bytes_per_token=pl.col("bytes").sum() / pl.col("tokens").sum())
    table = result.summary.join(compression, on="tokenizer").select(
        "tokenizer", "gini", "median_premium", "max_premium", "max_lang", "ge_2x", "ge_4x", "global_bytes_per_token")
    return table, result
