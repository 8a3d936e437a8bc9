"""Alignment of a parallel corpus, checked and never assumed.

A premium divides the tokens of the same content in two languages, so each document must have
exactly one partner in the pivot: an id held twice in a language would count that document twice,
and an id without a partner would be dropped from the ratio while still counted in the row. The
readers cannot see this (FLORES is aligned by construction; a JSON-lines file is not), so the
audit checks it here, `corpora show` reports it, and `?align=shared` narrows a corpus to the
documents every language shares, saying how many it dropped.

>>> frame = pl.DataFrame({"lang": ["eng", "eng", "fra", "fra", "fra"], "doc_id": [0, 1, 0, 1, 1]})
>>> check_parallel(frame, "eng", "corpus c")
Traceback (most recent call last):
...
toklab.errors.CorpusError: corpus c: language fra has 2 documents with doc_id 1 (1 duplicated id in fra); parallel documents need one id per language — renumber them
>>> shared_documents(frame.filter(pl.col("doc_id") == 0))[1]
()
"""

from __future__ import annotations

import polars as pl

from toklab.errors import CorpusError, SpecError

ALIGN_CHOICES = ("shared",)
SHOWN_IDS = 3  # example ids quoted in an error


def align_mode(spec) -> str | None:
    """`?align=shared`, or None (every language must hold the pivot's documents, once each)."""
    value = spec.get("align")
    if value is None:
        return None
    if value not in ALIGN_CHOICES:
        raise SpecError(f"{spec}: align={value!r} is not a choice; align=shared measures only the documents every "
                        "language shares (leave it out to require every document in every language)")
    return value


def _documents(ids: pl.Series, of: str) -> str:
    """`4 documents of deu_Latn (ids 12, 13, 14, …) have` / `1 document of deu_Latn (id 12) has`."""
    shown = ", ".join(str(i) for i in ids.sort().head(SHOWN_IDS).to_list()) + (", …" if ids.len() > SHOWN_IDS else "")
    one = ids.len() == 1
    return f"{ids.len()} document{'' if one else 's'} of {of} (id{'' if one else 's'} {shown}) {'has' if one else 'have'}"


def duplicates(frame: pl.DataFrame) -> pl.DataFrame:
    """(lang, doc_id, count) of every id a language holds more than once."""
    return frame.group_by("lang", "doc_id").agg(count=pl.len()).filter(pl.col("count") > 1).sort("lang", "doc_id")


def check_duplicates(frame: pl.DataFrame, where: str) -> None:
    if frame.group_by("lang").agg(unique=pl.col("doc_id").n_unique() == pl.len())["unique"].all():
        return  # the usual case, found in one pass (a struct of both columns takes ten times as long)
    twice = duplicates(frame.select("lang", "doc_id"))
    if not twice.height:
        return
    first = twice.row(0, named=True)
    in_lang = twice.filter(pl.col("lang") == first["lang"]).height
    others = twice["lang"].n_unique() - 1
    also = f"; {others} other language{'s' if others != 1 else ''} too" if others else ""
    raise CorpusError(f"{where}: language {first['lang']} has {first['count']} documents with doc_id {first['doc_id']} "
                      f"({in_lang} duplicated id{'s' if in_lang != 1 else ''} in {first['lang']}{also}); parallel "
                      "documents need one id per language — renumber them")


def check_parallel(frame: pl.DataFrame, pivot: str, where: str) -> None:
    """Refuse what would make a premium silently wrong: an id held twice in a language, documents
    without a partner in the pivot, and pivot documents a language lacks. `frame` holds at least
    `lang` and `doc_id` (a corpus, or the per-document measures of a stream)."""
    frame = frame.select("lang", "doc_id")
    check_duplicates(frame, where)
    pivot_ids = frame.filter(pl.col("lang") == pivot).select("doc_id")
    sizes = frame.group_by("lang").agg(n=pl.len())["n"]
    if (sizes == pivot_ids.height).all() and frame.join(pivot_ids, on="doc_id", how="semi").height == frame.height:
        return  # ids unique, all in the pivot, as many as the pivot's: the same documents everywhere
    hint = "or pass ?align=shared in the corpus spec to measure only the documents every language shares"
    for (lang,), part in frame.filter(pl.col("lang") != pivot).group_by("lang", maintain_order=True):
        if part.height == pivot_ids.height and part["doc_id"].sort().equals(pivot_ids["doc_id"].sort()):
            continue  # the usual case: the same documents
        unpaired = part.join(pivot_ids, on="doc_id", how="anti")["doc_id"]
        if unpaired.len():
            raise CorpusError(f"{where}: {_documents(unpaired, lang)} no partner in the pivot {pivot}; give each its "
                              f"translation in {pivot} under the same doc_id, {hint}")
        missing = pivot_ids.join(part, on="doc_id", how="anti")["doc_id"]
        raise CorpusError(f"{where}: {_documents(missing, 'the pivot ' + pivot)} no partner in {lang}; add the "
                          f"translations to {lang} under the same doc_id, {hint}")


def shared_documents(frame: pl.DataFrame) -> tuple[pl.DataFrame, tuple[tuple[str, int], ...]]:
    """The rows whose doc_id every language holds, and how many documents each language dropped
    (languages that dropped none are left out). Duplicates are kept: they stay an error."""
    langs = frame["lang"].n_unique()
    ids = frame.select("lang", "doc_id").unique().group_by("doc_id").agg(n=pl.len())
    shared = ids.filter(pl.col("n") == langs).select("doc_id")
    kept = frame.join(shared, on="doc_id", how="semi", maintain_order="left")
    if kept.height == frame.height:
        return frame, ()
    before = frame.group_by("lang").agg(n=pl.len())
    after = kept.group_by("lang").agg(k=pl.len())
    counts = before.join(after, on="lang", how="left").with_columns(pl.col("k").fill_null(0))
    dropped = tuple((row["lang"], row["n"] - row["k"]) for row in counts.sort("lang").iter_rows(named=True)
                    if row["n"] > row["k"])
    return kept, dropped


def alignment_summary(frame: pl.DataFrame) -> pl.DataFrame:
    """Per language: documents, `duplicated` (documents whose id the language holds more than
    once) and `unshared` (documents whose id some other language lacks), for `corpora show`."""
    frame = frame.select("lang", "doc_id")
    langs = frame["lang"].n_unique()
    counts = frame.group_by("lang", "doc_id").agg(count=pl.len())
    holders = counts.group_by("doc_id").agg(holders=pl.len())
    counts = counts.join(holders, on="doc_id")
    return counts.group_by("lang").agg(
        duplicated=pl.when(pl.col("count") > 1).then(pl.col("count")).otherwise(0).sum(),
        unshared=pl.when(pl.col("holders") < langs).then(pl.col("count")).otherwise(0).sum(),
    ).sort("lang")
