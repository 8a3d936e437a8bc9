"""The compute premium: what the same content costs a model in forward FLOPs, per language,
relative to the pivot — the premium a byte model hides in its compute as a tokenizer shows it
in its token count.

For language L and pivot P on aligned sentences i, premium = Σᵢ FLOPs(L, i) / Σᵢ FLOPs(P, i),
with the paired bootstrap interval (sentences resampled jointly) and the Gini over languages.
Token models pay tokens × FLOPs per token, fixed-rate byte models bytes × FLOPs per byte, and
learned or ruled segmentations their byte-rate layers at every byte plus the deep stack at each
chunk they cut (byte_model.compute). Beside it, the bytes each deep position holds per language:
the learned tokenizer, audited.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toklab.bootstrap import BootstrapOptions, gini, paired_bootstrap


def compute_premiums(docs: pl.DataFrame, pivot: str = "eng_Latn",
                     options: BootstrapOptions = BootstrapOptions()) -> pl.DataFrame:
    """One row per (scheme, language) from per-sentence rows (scheme, lang, doc_id, bytes,
    flops, positions) of one protocol: flops_per_byte, bytes_per_position, compute_premium with
    its interval (compute_low, compute_high). Languages without the pivot's sentences get none."""
    rows = []
    for (scheme,), part in docs.group_by("scheme", maintain_order=True):
        pivot_part = part.filter(pl.col("lang") == pivot).sort("doc_id")
        pivot_flops = dict(zip(pivot_part["doc_id"].to_list(), pivot_part["flops"].to_list()))
        for (lang,), sentences in part.sort("doc_id").group_by("lang", maintain_order=True):
            shared = sentences.filter(pl.col("doc_id").is_in(list(pivot_flops)))
            lang_flops = shared["flops"].to_numpy()
            base = np.array([pivot_flops[d] for d in shared["doc_id"].to_list()], dtype=np.float64)
            value = low = high = None
            if shared.height and base.sum() > 0:
                value = float(lang_flops.sum() / base.sum())
                lows, highs = paired_bootstrap(lang_flops[:, None], base[:, None], options)
                low, high = float(lows[0]), float(highs[0])
            rows.append({"scheme": scheme, "lang": lang,
                         "flops_per_byte": float(sentences["flops"].sum() / sentences["bytes"].sum()),
                         "bytes_per_position": float(sentences["bytes"].sum() / sentences["positions"].sum()),
                         "compute_premium": value, "compute_low": low, "compute_high": high})
    return pl.DataFrame(rows, schema={"scheme": pl.Utf8, "lang": pl.Utf8, "flops_per_byte": pl.Float64,
                                      "bytes_per_position": pl.Float64, "compute_premium": pl.Float64,
                                      "compute_low": pl.Float64, "compute_high": pl.Float64})


def compute_summary(premiums: pl.DataFrame) -> pl.DataFrame:
    """Per scheme: the median language's compute premium, the Gini over languages, and the
    dearest and cheapest language with their premiums."""
    out = []
    for (scheme,), part in premiums.filter(pl.col("compute_premium").is_not_null()).group_by(
            "scheme", maintain_order=True):
        ranked = part.sort("compute_premium")
        out.append({"scheme": scheme, "median_compute_premium": float(part["compute_premium"].median()),
                    "compute_gini": gini(part["compute_premium"].to_numpy()),
                    "dearest": ranked["lang"][-1], "dearest_premium": float(ranked["compute_premium"][-1]),
                    "cheapest": ranked["lang"][0], "cheapest_premium": float(ranked["compute_premium"][0]),
                    "median_bytes_per_position": float(part["bytes_per_position"].median())})
    return pl.DataFrame(out)
