"""The notebook face of the lab: a tokenizer, a corpus, and one call per analysis.

Every function takes tokenizer specs or loaded tokenizers, a corpus spec or a loaded corpus, and
returns the analyzer's result object, whose `signature` says exactly what was computed.

>>> import toklab
>>> cl100k = toklab.load_tokenizer("tiktoken:cl100k_base")
>>> cl100k.encode("hello world")
[15339, 1917]
>>> corpus = toklab.load_corpus("flores200?split=devtest&langs=eng_Latn,hin_Deva")
>>> result = toklab.audit([cl100k], corpus, resamples=200)
>>> [round(x, 2) for x in result.rows.filter(lang="hin_Deva").select("premium", "premium_lo", "premium_hi").row(0)]
[4.76, 4.71, 4.81]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from corpora import Corpus, load_corpus
from toklab.adapters.base import Adapter
from toklab.registry import load_tokenizer

TokenizerLike = str | Adapter
CorpusLike = str | Corpus
DEFAULT_CORPUS = "flores200?split=devtest"


def _tokenizers(items: TokenizerLike | Sequence[TokenizerLike]) -> list[Adapter]:
    items = [items] if isinstance(items, (str, Adapter)) else list(items)
    return [item if isinstance(item, Adapter) else load_tokenizer(item) for item in items]


def _corpus(corpus: CorpusLike | None) -> Corpus | None:
    return load_corpus(corpus) if isinstance(corpus, str) else corpus


def audit(tokenizers: TokenizerLike | Sequence[TokenizerLike], corpus: CorpusLike = DEFAULT_CORPUS,
          pivot: str = "eng_Latn", method: str = "totals", resamples: int = 1000, seed: int = 0):
    """The token premium of every language against `pivot`, with bootstrap intervals.

    >>> result = audit("tiktoken:o200k_base", "flores200?split=devtest&langs=eng_Latn,mya_Mymr", resamples=100)
    >>> result.rows.filter(lang="mya_Mymr")["premium"].round(2).to_list()
    [3.16]
    """
    from toklab.premium import AuditOptions, BootstrapOptions, run_audit

    options = AuditOptions(pivot=pivot, method=method, bootstrap=BootstrapOptions(resamples=resamples, seed=seed))
    return run_audit(_tokenizers(tokenizers), _corpus(corpus), options)


def information_loss(tokenizers: TokenizerLike | Sequence[TokenizerLike], corpus: CorpusLike = DEFAULT_CORPUS,
                     examples: int = 0):
    """Characters each tokenizer's round trip loses, per language, attributed to pipeline stages.

    >>> result = information_loss("bytes:utf8", "flores200?split=devtest&langs=eng_Latn")
    >>> result.summary.select("tokenizer", "lossless", "chars_lost").row(0)
    ('bytes:utf8', True, 0.0)
    """
    from toklab.loss import run_loss

    return run_loss(_tokenizers(tokenizers), _corpus(corpus), examples)


def glitch_scan(tokenizer: TokenizerLike, corpus: CorpusLike | None = None, weights: str | Path | None = None,
                words: bool = True, code: bool = True, reference_files: list[str | Path] = ()):
    """Every token's category and its place in the glitch ranking, with the reason in words: string
    occurrence in the `corpus`, (`words`) the wordfreq lists and (`code`) the Python standard library's
    sources with any `reference_files`; embedding signals with `weights`.

    >>> scan = glitch_scan("tiktoken:o200k_base", words=False, code=False)  # no reference text: the exact part
    >>> scan.frame.filter(category="unreachable", reason="pretokenizer").height
    12
    >>> scan.frame["why"][0]
    'byte 0xC0 never occurs in UTF-8; single byte (id 124)'
    """
    from toklab.glitch import scan
    from toklab.glitch.text_files import code_reference

    return scan(_tokenizers(tokenizer)[0], _corpus(corpus), Path(weights) if weights else None, words=words,
                code=code_reference([Path(p) for p in reference_files], stdlib=code))


def train_byte_model(run_dir: str | Path, preset: str = "cpu", steps: int | None = None,
                     minutes: float | None = None, **settings) -> Path:
    """Train the byte-level transformer into `run_dir` (which must not hold a run yet); `settings`
    override the preset's fields (`corpus`, `d_model`, `batch_size`, …). Returns `run_dir`.

    >>> import tempfile
    >>> run = Path(tempfile.mkdtemp()) / "run"
    >>> train_byte_model(run, preset="tiny", steps=2, corpus="flores200?split=dev&langs=eng_Latn").name
    'run'
    """
    from byte_model import config as C
    from byte_model.train import start_or_resume

    model_cfg, train_cfg = C.configs_for(preset, {k: str(v) for k, v in settings.items()}, minutes, steps)
    trainer = start_or_resume(Path(run_dir), model_cfg, train_cfg, resume=False)
    trainer.run()
    return Path(run_dir)


def evaluate_byte_model(run_dir: str | Path, corpus: str | None = None, first_n: int | None = 100,
                        protocol: str = "isolated", dynamic_lr: float | None = None):
    """Bits per byte per language of a trained run (the first `first_n` documents of each),
    under an evaluation protocol: isolated, context or dynamic (see byte_model/protocols.py).

    >>> import tempfile
    >>> run = train_byte_model(Path(tempfile.mkdtemp()) / "run", preset="tiny", steps=2,
    ...                        corpus="flores200?split=dev&langs=eng_Latn")
    >>> result = evaluate_byte_model(run, "flores200?split=devtest&langs=eng_Latn", first_n=4)
    >>> result.n_docs, 0 < result.overall < 16
    (4, True)
    >>> in_context = evaluate_byte_model(run, "flores200?split=devtest&langs=eng_Latn", first_n=4, protocol="context")
    >>> in_context.n_bytes == result.n_bytes, in_context.protocol
    (True, 'context')
    """
    from byte_model.evaluate import evaluate_run

    return evaluate_run(Path(run_dir), corpus, first_n, protocol=protocol, dynamic_lr=dynamic_lr)


def write_report(tokenizers: TokenizerLike | Sequence[TokenizerLike], output: str | Path,
                 corpus: CorpusLike = DEFAULT_CORPUS, fmt: str = "html", overwrite: bool = False,
                 **options) -> list[Path]:
    """Write the report of `toklab report` (one self-contained HTML file, or Markdown with PNGs beside
    it); `options` are `toklab.report.ReportOptions` fields (pivot, models, resamples, byte_run, …).
    Returns the files written.

    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "report.html"
    >>> written = write_report("bytes:utf8", page, "flores200?split=devtest&langs=eng_Latn,fra_Latn",
    ...                        models=("gpt-4o",), resamples=50, glitch_words=False)
    >>> written == [page], page.read_text(encoding="utf-8").startswith("<!doctype html>")
    (True, True)
    """
    from toklab.report import ReportOptions, collect
    from toklab.report import write_report as write

    if options.get("byte_run") is not None:
        options["byte_run"] = Path(options["byte_run"])
    data = collect(_tokenizers(tokenizers), _corpus(corpus), ReportOptions(**options))
    return write(data, Path(output), fmt, overwrite)
