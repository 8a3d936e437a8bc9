"""The glitch scan's speed: a full weight-free scan (categories, production counts, string occurrence
in the word lists, the reference corpus and the code reference, ranking, reasons) against the raw
encode of the same reference texts by the same tokenizer, timed in the same run, with an empty cache
(the word lists are read and indexed as a first run would), then with the references' rows and
character sets cached but not the scan's own result."""

from __future__ import annotations

import resource
import shutil

from corpora import load_corpus
from toklab.bench.timing import empty_home, timed
from toklab.glitch.categories import categorise
from toklab.glitch.scan import scan
from toklab.glitch.text_files import code_reference
from toklab.paths import cache_dir
from toklab.registry import load_tokenizer


def bench_glitch(spec: str = "tiktoken:o200k_base", corpus_spec: str = "flores200?split=dev") -> list[tuple[str, float]]:
    """(what, seconds), the reference first; the last row is the peak RSS in MB."""
    adapter = load_tokenizer(spec)
    corpus = load_corpus(corpus_spec)
    code = code_reference()
    texts = corpus.frame["text"].to_list() + code.texts()
    adapter.encode("warm up")
    rows = [("raw encode of the reference texts (reference)", timed(lambda: adapter.encode_batch(texts))),
            ("categories alone (the exact part)", timed(lambda: categorise(adapter)))]
    with empty_home():
        rows.append(("full weight-free scan, empty cache", timed(lambda: scan(adapter, corpus, code=code))))
        shutil.rmtree(cache_dir("glitch"), ignore_errors=True)  # the scan's own answer goes; the references stay
        rows.append(("full weight-free scan, references cached",
                     timed(lambda: scan(adapter, corpus, code=code_reference()))))
    return rows + [("peak RSS (MB)", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)]
