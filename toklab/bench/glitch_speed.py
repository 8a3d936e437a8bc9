"""The glitch scan's speed: a full weight-free scan (categories, production counts, string occurrence
in the word lists and the reference corpus, ranking, reasons) against the raw encode of the same
reference corpus by the same tokenizer, timed in the same run, with an empty cache (the word lists
are read and indexed as a first run would)."""

from __future__ import annotations

import resource

from corpora import load_corpus
from toklab.bench.timing import empty_home, timed
from toklab.glitch.categories import categorise
from toklab.glitch.scan import scan
from toklab.registry import load_tokenizer


def bench_glitch(spec: str = "tiktoken:o200k_base", corpus_spec: str = "flores200?split=dev") -> list[tuple[str, float]]:
    """(what, seconds), the reference first; the last row is the peak RSS in MB."""
    adapter = load_tokenizer(spec)
    corpus = load_corpus(corpus_spec)
    texts = corpus.frame["text"].to_list()
    adapter.encode("warm up")
    rows = [("raw encode of the reference corpus (reference)", timed(lambda: adapter.encode_batch(texts))),
            ("categories alone (the exact part)", timed(lambda: categorise(adapter)))]
    with empty_home():
        rows.append(("full weight-free scan, empty cache", timed(lambda: scan(adapter, corpus))))
        rows.append(("full weight-free scan, word lists cached", timed(lambda: scan(adapter, corpus))))
    return rows + [("peak RSS (MB)", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)]
