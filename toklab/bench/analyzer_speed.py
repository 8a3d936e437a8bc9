"""Benchmarks that print ratios against a reference measured in the same run.

Audit: each tokenizer's raw encode of the same FLORES texts, through its own library's fastest
plain call (the reference, `raw_encoder`), versus the full audit (measurement, bootstrap, summary),
single- and multi-threaded, then a repeated identical audit served from the result cache.
"""

from __future__ import annotations

import dataclasses
import resource
from typing import Callable

from corpora import Corpus, load_corpus
from toklab.bench.timing import empty_home, timed
from toklab.memo import clear_memos
from toklab.premium.audit import DEFAULT_TOKENIZERS, AuditOptions, run_audit
from toklab.premium.measure import MeasureOptions
from toklab.registry import load_tokenizer



def raw_encoder(adapter) -> Callable[[list[str]], object]:
    """The library's own plainest fast call that encodes texts as the adapter does: tiktoken's
    encode_ordinary (after NFC where the package's encode normalises), the tokenizers library's
    encode_batch_fast, SentencePiece's list encode, or Python's UTF-8 encode for bytes."""
    import unicodedata

    from toklab.adapters.packaged import NfcTiktokenAdapter

    if isinstance(adapter, NfcTiktokenAdapter):
        encode = adapter.encoding.encode_ordinary
        return lambda texts: [encode(unicodedata.normalize("NFC", t)) for t in texts]
    if hasattr(adapter, "encoding"):
        encode = adapter.encoding.encode_ordinary
        return lambda texts: [encode(t) for t in texts]
    if hasattr(adapter, "tokenizer"):
        return lambda texts: adapter.tokenizer.encode_batch_fast(texts, add_special_tokens=False)
    if hasattr(adapter, "processor"):
        return lambda texts: adapter.processor.encode(texts, out_type=int)
    return lambda texts: [t.encode("utf-8") for t in texts]


@dataclasses.dataclass
class AuditBench:
    raw_s: float
    audit_s: float
    audit_jobs_s: float
    cached_s: float
    peak_rss_mb: float
    jobs: int
    docs: int
    hash_s: float = 0.0  # content hash of every text (cache keys and signatures)
    n_bytes: int = 0
    repeats: int = 1  # each time is the fastest of this many runs

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        return [
            ("raw encodes (reference)", f"{self.raw_s:.2f} s", "1.00×"),
            ("audit, 1 job", f"{self.audit_s:.2f} s", f"{self.audit_s / self.raw_s:.3f}× (goal ≤ 1.20×)"),
            (f"audit, {self.jobs} jobs", f"{self.audit_jobs_s:.2f} s", f"{self.audit_jobs_s / self.raw_s:.3f}× (goal ≤ 0.65×)"),
            ("repeated audit (cache)", f"{self.cached_s:.2f} s", "goal ≤ 2 s"),
            (f"content hash of {self.n_bytes / 1e6:,.0f} MB", f"{self.hash_s:.2f} s",
             f"{self.hash_s / self.raw_s:.3f}× (goal: well under 1 s)"),
            ("peak memory (RSS)", f"{self.peak_rss_mb:,.0f} MB", "goal ≤ 2,048 MB"),
        ]


def bench_audit(corpus_spec: str = "flores200", jobs: int = 2, repeats: int = 3,
                progress: Callable[[str], None] | None = None,
                specs: tuple[str, ...] = DEFAULT_TOKENIZERS) -> AuditBench:
    """Each timing is the fastest of `repeats` runs, the reference and the audits interleaved; every
    run starts from fresh str objects and an empty cache (Python caches a str's UTF-8 form, which
    the encoder needs, so reused strings would flatter whichever run comes second)."""
    step = progress or (lambda _label: None)
    corpus = load_corpus(corpus_spec)
    adapters = [load_tokenizer(spec) for spec in specs]
    for adapter in adapters:  # warm: load ranks, build byte-length tables
        adapter.encode("warm up")
        _ = adapter.byte_lengths, adapter.artifact_hash

    encoders = [raw_encoder(adapter) for adapter in adapters]

    def raw(texts: list[str]) -> None:  # the reference is each library itself, below the adapter
        for encode in encoders:
            encode(texts)

    def audit(options: AuditOptions) -> float:
        clear_memos("texts")  # each run prepares its texts, as a first audit does
        with empty_home():
            return timed(lambda: run_audit(adapters, corpus, options))

    raw_runs, one_job, many_jobs = [], [], []
    for _ in range(repeats):
        texts = corpus.frame["text"].to_list()
        raw_runs.append(timed(lambda: raw(texts)))
        step("raw encode")
        one_job.append(audit(AuditOptions()))
        step("audit, 1 job")
        many_jobs.append(audit(AuditOptions(measure=MeasureOptions(jobs=jobs))))
        step(f"audit, {jobs} jobs")
    hash_s = timed(lambda: Corpus(corpus.spec, corpus.frame).content_hash)  # a fresh copy: nothing memoised
    with empty_home():
        run_audit(adapters, corpus, AuditOptions())
        cached_s = timed(lambda: run_audit(adapters, load_corpus(corpus_spec), AuditOptions()))
    step("content hash and cached audit")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return AuditBench(min(raw_runs), min(one_job), min(many_jobs), cached_s, peak, jobs, corpus.frame.height, hash_s,
                      corpus.n_bytes, repeats)


def audit_steps(repeats: int) -> int:
    """How often bench_audit calls `progress`."""
    return 3 * repeats + 1


def bench_loss(specs: list[str], corpus_spec: str = "flores200",
               progress: Callable[[str], None] | None = None) -> list[tuple[str, float, float]]:
    """(tokenizer, raw encode+decode seconds, loss analysis seconds) on the same texts; `progress`
    is called twice per tokenizer."""
    from toklab.loss.analysis import loss_rows

    step = progress or (lambda _label: None)
    corpus = load_corpus(corpus_spec)
    texts = corpus.frame["text"].to_list()
    out = []
    for spec in specs:
        adapter = load_tokenizer(spec)
        adapter.encode("warm up")

        def raw() -> None:
            for ids in adapter.encode_batch(texts):
                adapter.decode(ids)

        raw_s = timed(raw)
        step(f"{adapter.name}: raw")
        loss_s = timed(lambda: loss_rows(adapter, corpus))
        step(f"{adapter.name}: loss")
        out.append((adapter.name, raw_s, loss_s))
    return out
