"""Streamed audit of a corpus larger than memory should be: its throughput per core against the
raw encoder, and its peak memory.

The benchmark writes a JSON-lines corpus of the requested size from FLORES sentences (every
language, dev+devtest, repeated with fresh document ids so the languages stay parallel) into a
temporary folder it deletes afterwards, then audits it with one tokenizer in a child process (so
the peak resident memory is the audit's alone, reported by the child from /proc). The reference is
the raw `encode_ordinary` of the same FLORES sentences, single-threaded, in this process.
"""

from __future__ import annotations

import dataclasses
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import polars as pl

from corpora import load_corpus
from toklab.bench.timing import timed
from toklab.errors import SpecError, ToklabError
from toklab.outputs import output_error, shown
from toklab.registry import load_tokenizer

RSS_GOAL_MB = 1536
PER_CORE_GOAL = 0.9


@dataclasses.dataclass
class StreamBench:
    tokenizer: str
    file_bytes: int
    text_bytes: int
    docs: int
    jobs: int
    raw_bytes_per_s: float  # the encoder alone, one thread
    audit_s: float
    peak_rss_mb: float

    @property
    def audit_bytes_per_s(self) -> float:
        return self.text_bytes / self.audit_s

    @property
    def per_core(self) -> float:
        return self.audit_bytes_per_s / self.jobs / self.raw_bytes_per_s

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        return [
            ("corpus", f"{self.file_bytes / 1e9:.2f} GB jsonl", f"{self.docs:,} documents, {self.text_bytes / 1e9:.2f} GB text"),
            ("raw encode_ordinary, 1 thread (reference)", f"{self.raw_bytes_per_s / 1e6:.2f} MB/s", "1.00×"),
            (f"streamed audit, {self.jobs} jobs", f"{self.audit_bytes_per_s / 1e6:.2f} MB/s ({self.audit_s:.0f} s)",
             f"{self.per_core:.2f}× per core (goal ≥ {PER_CORE_GOAL}×)"),
            ("peak memory of the audit (RSS)", f"{self.peak_rss_mb:,.0f} MB", f"goal ≤ {RSS_GOAL_MB:,} MB"),
        ]


def write_corpus(path: Path, size_bytes: int) -> tuple[int, int]:
    """FLORES sentences repeated until the file holds `size_bytes`; returns (documents, text bytes)."""
    base = load_corpus("flores200").frame
    span = int(base["doc_id"].max()) + 1
    docs = text_bytes = written = repeat = 0
    try:
        with open(path, "wb") as handle:
            while written < size_bytes:
                block = base.with_columns(pl.col("doc_id") + repeat * span)
                block.write_ndjson(handle)
                written = handle.tell()
                docs += block.height
                text_bytes += int(block["text"].str.len_bytes().sum())
                repeat += 1
    except OSError as exc:  # a full disk is likely at 2 GB: one line, and the folder is removed by the caller
        raise output_error(path, exc, "the benchmark corpus") from None
    return docs, text_bytes


def raw_speed(spec: str) -> float:
    """Bytes per second of the tokenizer's raw encoder on the FLORES sentences, one thread."""
    adapter = load_tokenizer(spec)
    texts = load_corpus("flores200").frame["text"].to_list()
    encode = adapter.encoding.encode_ordinary if hasattr(adapter, "encoding") else adapter.encode
    encode("warm up")
    seconds = timed(lambda: [encode(text) for text in texts])
    return sum(len(text.encode("utf-8")) for text in texts) / seconds


def audit_in_child(spec: str, corpus: Path, jobs: int) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `toklab audit` on the file, in a fresh process and cache.
    The child reports its own high-water mark (VmHWM): rusage would also count the parent's pages
    the child held between fork and exec."""
    with tempfile.TemporaryDirectory() as home:
        peak_file, log = Path(home) / "peak", Path(home) / "stderr"
        env = {**os.environ, "TOKLAB_HOME": home, "TOKLAB_PEAK_FILE": str(peak_file)}
        command = [sys.executable, "-c", "from toklab.bench.stream_speed import child_main; child_main()",
                   "audit", "-t", spec, "--corpus", f"jsonl:{corpus}", "--jobs", str(jobs), "--format", "json",
                   "-o", str(Path(home) / "rows.json")]
        start = time.perf_counter()
        with open(log, "wb") as errors:
            returncode = subprocess.call(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        seconds = time.perf_counter() - start
        if returncode != 0:  # the child's own one-line error (or a traceback's last line) says why
            said = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
            raise ToklabError(f"the streamed audit of {shown(corpus)} failed (exit {returncode}): "
                              f"{shown(said[-1]) if said else 'no message'}")
        return seconds, int(peak_file.read_text()) / 1024


def child_main() -> None:
    """`toklab` with its peak resident memory (kB, from /proc) written where TOKLAB_PEAK_FILE says."""
    import atexit
    import runpy

    def report() -> None:
        with open("/proc/self/status") as status:
            peak = next(line.split()[1] for line in status if line.startswith("VmHWM"))
        Path(os.environ["TOKLAB_PEAK_FILE"]).write_text(peak)

    atexit.register(report)
    sys.argv = ["toklab", *sys.argv[1:]]
    runpy.run_module("toklab", run_name="__main__", alter_sys=True)  # exactly `python -m toklab …`


STEPS = 3  # progress calls: one as each phase ends
SPARE_BYTES = 1_000_000_000  # left free on the disk beside the corpus (the child's cache, other programs)


def check_free_space(folder: Path | None, size_bytes: int) -> None:
    """Refuse a corpus the disk cannot hold, before writing any of it (a full disk hurts everything else on it)."""
    where = folder or Path(tempfile.gettempdir())
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return  # unknown: the write itself reports a full disk
    if size_bytes > free - SPARE_BYTES:
        raise SpecError(f"--size-gb {size_bytes / 1e9:g}: {shown(where)} has {free / 1e9:.1f} GB free and the "
                        f"benchmark keeps {SPARE_BYTES / 1e9:g} GB spare; give a smaller --size-gb, or --dir a "
                        "folder on a disk with more room")


def _raise_on_sigterm(signum, _frame) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def sigterm_unwinds():
    """SIGTERM unwinds like Ctrl-C, so the temporary corpus is deleted on either; restored after."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    except ValueError:  # not the main thread: signals go elsewhere
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def bench_stream(spec: str = "tiktoken:cl100k_base", size_gb: float = 2.0, jobs: int = 2,
                 folder: Path | None = None, progress: Callable[[str], None] | None = None) -> StreamBench:
    step = progress or (lambda _label: None)
    check_free_space(folder, int(size_gb * 1e9))
    try:
        scratch = tempfile.TemporaryDirectory(dir=folder)
    except OSError as exc:
        raise output_error(folder or tempfile.gettempdir(), exc, "a temporary folder in") from None
    with sigterm_unwinds(), scratch as work:
        corpus = Path(work) / "flores-repeated.jsonl"
        docs, text_bytes = write_corpus(corpus, int(size_gb * 1e9))
        step("corpus written")
        raw = raw_speed(spec)
        step("raw encode timed")
        seconds, rss = audit_in_child(spec, corpus, jobs)
        step("streamed audit timed")
        return StreamBench(load_tokenizer(spec).name, corpus.stat().st_size, text_bytes, docs, jobs, raw, seconds, rss)
