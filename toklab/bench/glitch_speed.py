"""The glitch scan's speed: a full weight-free scan (categories, production counts, string occurrence
in the word lists and the reference corpus, ranking, reasons) against the raw encode of the same
reference corpus by the same tokenizer, timed in the same run, with an empty cache (the word lists
are read and indexed as a first run would)."""

from __future__ import annotations

import os
import resource
import tempfile
import time

from corpora import load_corpus
from toklab.glitch.categories import categorise
from toklab.glitch.scan import scan
from toklab.registry import load_tokenizer


def seconds(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def bench_glitch(spec: str = "tiktoken:o200k_base", corpus_spec: str = "flores200?split=dev") -> list[tuple[str, float]]:
    """(what, seconds), the reference first; the last row is the peak RSS in MB."""
    adapter = load_tokenizer(spec)
    corpus = load_corpus(corpus_spec)
    texts = corpus.frame["text"].to_list()
    adapter.encode("warm up")
    rows = [("raw encode of the reference corpus (reference)", seconds(lambda: adapter.encode_batch(texts))),
            ("categories alone (the exact part)", seconds(lambda: categorise(adapter)))]
    previous = os.environ.get("TOKLAB_HOME")
    with tempfile.TemporaryDirectory() as home:
        os.environ["TOKLAB_HOME"] = home
        try:
            rows.append(("full weight-free scan, empty cache", seconds(lambda: scan(adapter, corpus))))
            rows.append(("full weight-free scan, word lists cached", seconds(lambda: scan(adapter, corpus))))
        finally:
            if previous is None:
                os.environ.pop("TOKLAB_HOME", None)
            else:
                os.environ["TOKLAB_HOME"] = previous
    return rows + [("peak RSS (MB)", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)]
