"""Corpus specs → polars frames with `doc_id`, `lang`, `split`, `text`.

>>> corpus = load_corpus("flores200?split=dev&langs=eng_Latn,fra_Latn")
>>> corpus.frame.columns, corpus.frame.height
(['doc_id', 'lang', 'split', 'text'], 1994)
"""

from __future__ import annotations

import dataclasses
import os

import polars as pl

from corpora.align import align_mode, shared_documents
from corpora.download import Progress
from corpora.flores import load_flores
from corpora.frame import Corpus
from corpora.readers import load_jsonl, load_parquet, load_text
from corpora.sources import SOURCES
from toklab.errors import CorpusError, SpecError
from toklab.memo import memo_dict
from toklab.paths import data_root, stamp
from toklab.spec import Spec
from toklab.suggest import nearest

LOADERS = {"flores200": load_flores, "file": load_text, "jsonl": load_jsonl, "parquet": load_parquet}
# The parameters each corpus scheme reads; any other is refused.
KEYS = {"flores200": frozenset({"split", "langs", "path", "errors"}),
        "file": frozenset({"lang", "langs", "split", "errors", "keep", "max_doc_mb", "align"}),
        "jsonl": frozenset({"text", "lang", "langs", "id", "errors", "keep", "max_doc_mb", "align"}),
        "parquet": frozenset({"text", "langs", "max_doc_mb", "align"})}

__all__ = ["Corpus", "load_corpus", "LOADERS", "SOURCES"]


def parse_corpus_spec(text: str | Spec) -> Spec:
    spec = text if isinstance(text, Spec) else Spec.parse(text)
    if spec.scheme not in LOADERS:
        raise SpecError(
            f"unknown corpus scheme {spec.scheme!r} in {text!s}; known: {', '.join(LOADERS)}"
            + nearest(spec.scheme, LOADERS)
        )
    spec = spec.check_keys(KEYS[spec.scheme], "corpus spec")
    align_mode(spec)  # a bad value is refused before any file is read
    return spec


_MEMO: dict[tuple, Corpus] = memo_dict("corpora")


def load_corpus(text: str | Spec, progress: Progress | None = None) -> Corpus:
    spec = parse_corpus_spec(text)
    # The same spec can resolve to different files when the data locations change, and a file
    # can be edited between two loads in one process.
    key = (spec.canonical, stamp(spec.target) if spec.target else _named_source_stamp(spec),
           *(os.environ.get(v) for v in ("TOKLAB_DATA", "TOKLAB_HOME", "TOKLAB_FLORES200_URL")))
    if key not in _MEMO:
        loader = LOADERS[spec.scheme]
        _MEMO[key] = loader(spec, progress) if spec.scheme == "flores200" else shared_only(only_langs(loader(spec), spec))
    return _MEMO[key]


def _named_source_stamp(spec: Spec) -> tuple:
    """A named source's local copy (`?path=` or `$TOKLAB_DATA/<name>`), so an edited file is read afresh."""
    if spec.get("path"):
        return stamp(spec.get("path"))
    root = data_root()
    return stamp(str(root / spec.scheme)) if root is not None else ()


def only_langs(corpus: Corpus, spec: Spec) -> Corpus:
    """`langs=a,b` keeps those languages of a user corpus (FLORES reads only those files)."""
    from corpora.flores import parse_langs

    if not spec.get("langs"):
        return corpus
    langs = parse_langs(spec, corpus.langs)
    return dataclasses.replace(corpus, frame=corpus.frame.filter(pl.col("lang").is_in(langs)))


def shared_only(corpus: Corpus) -> Corpus:
    """`align=shared` keeps the documents every (requested) language holds, and records how many
    each language dropped, for the signature; without it, alignment is checked where it matters."""
    if align_mode(corpus.spec) is None:
        return corpus
    frame, dropped = shared_documents(corpus.frame)
    if not frame.height:
        raise CorpusError(f"{corpus.spec}: align=shared leaves no documents: no doc_id is held by all "
                          f"{len(corpus.langs)} languages; check the ids, or narrow the languages with langs=")
    return dataclasses.replace(corpus, frame=frame, dropped=dropped)
