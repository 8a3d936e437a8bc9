"""Ordinary text a vocabulary is compared against: how often each token's *string* occurs, whatever
text it sits in and however that text is tokenised.

A glitch token is a mismatch: the tokenizer's training data merged it, yet ordinary text almost never
contains it. Token-level production alone cannot show that (a string swallowed by a longer merge is
never produced, yet common), so occurrence is counted on strings, in sources of one form — rows
of (text, weight, lang), every word or row prefixed by a word start so that a token with a leading
space matches only where a word starts:

- `word_list_reference()`: the `wordfreq` package's frequency lists (42 languages; each word weighted
  by its frequency per word in its language), the broad multilingual view of "ordinary text";
- `corpus_reference(corpus)`: a corpus's lines (FLORES-200 by default, or the user's own), each
  occurrence weighted 1 / (words in the corpus), with their case (so that occurrences can be
  set against how often the encoder produces the token: its survival);
- `text_files.code_reference()`: code and markup read as they are (the standard library's sources
  and the files a user names), one row per file, weighted like a corpus (`running_text_reference`).

`string_frequency` gives, per pattern, its frequency per word (in a word list: in the language where
it is commonest) and its number of occurrences. Each reference has a resolution: an absence from
FLORES-200 dev (4.1 million words) means less than an absence from word lists (up to 100,000 words
in each of 42 languages) whose frequencies reach down to one in 10^8 words.
"""

from __future__ import annotations

import dataclasses
from importlib.metadata import version

import numpy as np
import polars as pl

from corpora import Corpus
from toklab.cache import cache_key, load_frame, store_frame
from toklab.errors import SpecError
from toklab.signature import Signature

WORD_START = "\x01"
WORDS_PER_LANGUAGE = 100_000  # the commonest words of each list; their tail is mostly names and typos
WORD_LIST_RESOLUTION = 1e-9  # below wordfreq's rarest entries (1e-8 per word)


@dataclasses.dataclass(frozen=True)
class Reference:
    rows: pl.DataFrame  # text (word lists: case-folded and WORD_START-marked; corpora: as written), weight, lang
    signature: Signature
    holds_symbols: bool  # running text (digits, punctuation, symbols) rather than a list of words
    lowercase: bool  # word lists are case-folded and word-marked; running text is kept as it is
    resolution: float  # the frequency below which it cannot tell a string from an absent one
    words: int = 0  # words of running text (corpora), counted once
    name: str = "words"  # what the scan calls it when it says which reference judged a token

    def pattern(self, raw: bytes) -> str | None:
        if self.lowercase:
            return token_pattern(raw)
        return raw.decode("utf-8") or None if is_text(raw) else None

    def texts(self) -> list[str]:
        """Running text as the encoder should see it (without the leading space each row was given)."""
        return [t[1:] for t in self.rows["text"].to_list()]

    def characters(self) -> frozenset[str]:
        """Every character the reference holds (word lists: case-folded, their word marker left out),
        kept in the cache under the reference's signature."""
        key = cache_key("references", self.signature, "characters", code=[__name__])
        cached = load_frame(key)
        if cached is None:
            cached = pl.DataFrame({"code": held_code_points(self.rows["text"])})
            store_frame(key, cached)
        found = frozenset(map(chr, cached["code"].to_list()))
        return found - {WORD_START} if self.lowercase else found


def held_code_points(texts: pl.Series) -> np.ndarray:
    """The distinct code points of `texts`: one pass over their UTF-32 form, marking a table of every
    code point (a set of characters built in Python takes ten times as long on 80 million of them)."""
    seen = np.zeros(0x110000, dtype=bool)
    for chunk in texts.to_frame().iter_slices(100_000):
        seen[np.frombuffer("".join(chunk.to_series().to_list()).encode("utf-32-le"), dtype=np.uint32)] = True
    return np.flatnonzero(seen).astype(np.int64)


def is_text(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def token_pattern(raw: bytes) -> str | None:
    """The string a token's bytes stand for in a word list's form (case-folded, word starts marked);
    None for byte fragments and blank tokens."""
    text = raw.decode("utf-8") if is_text(raw) else ""
    if not text.strip() or WORD_START in text:  # a token holding the marker itself could match word starts
        return None
    return text.lower().replace(" ", WORD_START)


def word_list_reference(per_language: int = WORDS_PER_LANGUAGE) -> Reference:
    try:
        import wordfreq
    except ImportError:
        raise SpecError("the word-list reference needs the `wordfreq` package: pip install wordfreq "
                        "(or pass --no-words)") from None
    signature = Signature.of(("words", f"wordfreq-{version('wordfreq')}"), ("per_language", per_language))
    key = cache_key("references", signature, code=[__name__])
    cached = load_frame(key)
    if cached is None:
        cached = _build_word_rows(wordfreq, per_language)
        store_frame(key, cached)
    return Reference(cached, signature, holds_symbols=False, lowercase=True, resolution=WORD_LIST_RESOLUTION)


def _build_word_rows(wordfreq, per_language: int) -> pl.DataFrame:
    frames = []
    for lang in sorted(wordfreq.available_languages("best")):
        table = wordfreq.get_frequency_dict(lang, "best")
        words = list(table)[:per_language]  # wordfreq lists are sorted, commonest first
        frames.append(pl.DataFrame({"text": words, "weight": [table[w] for w in words], "lang": lang}))
    return pl.concat(frames).with_columns(text=WORD_START + pl.col("text").str.replace_all(" ", WORD_START))


def corpus_reference(corpus: Corpus) -> Reference:
    """Running text as it is, each line behind a space so that a word-initial token matches its first
    word; every occurrence weighs 1 / (words in the corpus). (Not per language: a parallel corpus has
    the same content in every language, and counting the words of unsegmented scripts would inflate
    theirs.)"""
    return running_text_reference(corpus.frame.select("text", "lang"), corpus.signature, name="prose")


def running_text_reference(frame: pl.DataFrame, signature: Signature, name: str) -> Reference:
    """Rows of (text, lang) as a reference: each row behind a space, every occurrence weighing
    1 / (words of the whole text)."""
    words = max(1, int(frame["text"].str.count_matches(r"\S+").sum()))
    rows = frame.select(text=" " + pl.col("text"), weight=pl.lit(1.0 / words), lang=pl.col("lang"))
    return Reference(rows, signature, holds_symbols=True, lowercase=False, resolution=0.5 / words, words=words,
                     name=name)


def string_frequency(patterns: list[str | None], reference: Reference) -> tuple[np.ndarray, np.ndarray]:
    """Per pattern, the largest per-language frequency per word of its occurrences, and its number of
    occurrences (NaN for None)."""
    wanted = sorted({p for p in patterns if p})
    frequency, occurrences = np.full(len(patterns), np.nan), np.full(len(patterns), np.nan)
    if not wanted:
        return frequency, occurrences
    found = (reference.rows.lazy()
             .select(match=pl.col("text").str.extract_many(wanted, overlapping=True), weight="weight", lang="lang")
             .explode("match").drop_nulls("match")
             .group_by("match", "lang").agg(pl.col("weight").sum(), n=pl.len())
             .group_by("match").agg(pl.col("weight").max(), pl.col("n").sum())
             .collect())
    table = dict(zip(found["match"].to_list(), zip(found["weight"].to_list(), found["n"].to_list())))
    for i, pattern in enumerate(patterns):
        if pattern:
            frequency[i], occurrences[i] = table.get(pattern, (0.0, 0))
    return frequency, occurrences


def byte_reference(corpus: Reference) -> Reference:
    """A corpus reference's lines as Latin-1 text: one character per byte, so byte fragments (tokens
    that are not whole characters) are found by the same string search, at any length."""
    as_bytes = [t.encode("utf-8").decode("latin-1") for t in corpus.rows["text"].to_list()]
    return dataclasses.replace(corpus, rows=corpus.rows.with_columns(text=pl.Series(as_bytes)))


def fragment_frequency(fragments: dict[int, bytes], corpus: Reference) -> tuple[np.ndarray, np.ndarray]:
    """Frequency per word and occurrences of byte fragments (in `fragments`' order) in the corpus's bytes."""
    if not fragments:
        return np.zeros(0), np.zeros(0)
    return string_frequency([raw.decode("latin-1") for raw in fragments.values()], byte_reference(corpus))
