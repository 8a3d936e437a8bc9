"""`toklab corpora list|show` — named sources and what a corpus spec holds."""

from __future__ import annotations

import click
import polars as pl

from corpora import LOADERS, SOURCES, load_corpus
from corpora.align import alignment_summary
from toklab.cli.options import json_format_option
from toklab.cli.render import frame_table, signature_line, stdout_console, text_cell, write_json


@click.group("corpora")
def corpora_group() -> None:
    """List corpus sources, or show what a corpus spec holds."""


@corpora_group.command("list")
@json_format_option
def list_cmd(fmt: str) -> None:
    """Named sources (with license and citation) and the file schemes."""
    payload = {
        "sources": {name: {"url": s.url, "license": s.license, "citation": s.citation, "splits": s.splits,
                           "description": s.description} for name, s in SOURCES.items()},
        "schemes": list(LOADERS),
    }
    if fmt == "json":
        write_json(payload)
        return
    console = stdout_console()
    for name, info in payload["sources"].items():
        console.print(f"[bold cyan]{name}[/bold cyan]  {info['description']}")
        console.print(f"  splits {info['splits']} · {info['license']} · {info['citation']}")
        console.print(f"  local copy: $TOKLAB_DATA/{name} or path=DIR; else downloaded once from {info['url']}")
    console.print("\nfile schemes: file:PATH?lang=xx (or a directory, one file per language) · "
                  "jsonl:PATH?text=FIELD&lang=FIELD · parquet:PATH")


@corpora_group.command("show")
@click.argument("spec", default="flores200")
@json_format_option
def show_cmd(spec: str, fmt: str) -> None:
    """Languages, documents, bytes and the alignment check of a corpus.

    \b
    Example: toklab corpora show "flores200?split=dev&langs=eng_Latn,shn_Mymr"
    """
    corpus = load_corpus(spec)
    stats = (
        corpus.frame.group_by("lang")
        .agg(docs=pl.len(), bytes=pl.col("text").str.len_bytes().sum(), chars=pl.col("text").str.len_chars().sum())
        .sort("lang")
    ).join(alignment_summary(corpus.frame), on="lang")
    # Aligned: every language holds the same ids, each once (equal counts alone are not enough).
    aligned = not (stats["duplicated"].sum() or stats["unshared"].sum())
    dropped = dict(corpus.dropped) if corpus.dropped is not None else None
    if fmt == "json":
        write_json({"spec": corpus.spec.canonical, "source": corpus.source, "aligned": aligned,
                    "replacements": corpus.replacements, "langs": stats.to_dicts(), "dropped": dropped,
                    "signature": corpus.signature})
        return
    console = stdout_console()
    shown = stats if stats.height <= 20 else pl.concat([stats.head(10), stats.tail(10)])
    console.print(frame_table(shown, title=f"{corpus.spec.canonical} — {stats.height} languages"
                              + (" (first and last 10)" if stats.height > 20 else "")))
    console.print(f"read from {text_cell(corpus.source)}; documents aligned across languages: "
                  + ("[green]yes[/green]" if aligned else "[yellow]no[/yellow] — " + text_cell(_misalignment(stats))))
    if dropped is not None:
        console.print(text_cell(f"align=shared: {sum(dropped.values()):,} documents without a partner in every "
                                "language left out" + (" (" + ", ".join(f"{lang} {n:,}" for lang, n in dropped.items())
                                                       + ")" if dropped else "")))
    if corpus.replacements:
        console.print(f"[yellow]{corpus.replacements} invalid UTF-8 sequences replaced[/yellow]")
    signature_line(console, corpus.signature)


def _misalignment(stats: pl.DataFrame) -> str:
    """What breaks the alignment, in words: duplicated ids, documents some language lacks."""
    said = []
    for column, what in (("duplicated", "documents share an id within their language"),
                         ("unshared", "documents lack a partner in some other language")):
        bad = stats.filter(pl.col(column) > 0)
        if bad.height:
            said.append(f"{bad[column].sum():,} {what} ({', '.join(bad['lang'].head(3).to_list())}"
                        + (", …" if bad.height > 3 else "") + ")")
    return "; ".join(said) + "; an audit refuses it (or pass ?align=shared)"
