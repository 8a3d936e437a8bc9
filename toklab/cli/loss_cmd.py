"""`toklab loss` — what each tokenizer's round trip throws away, per language and stage."""

from __future__ import annotations

import click
import polars as pl
from rich.markup import escape
from rich.text import Text

from corpora import load_corpus
from toklab.adapters.base import NotMeasurable
from toklab.cli.options import corpus_spec_from_flags, format_option, output_option
from toklab.cli.progress import progress_callback
from toklab.cli.render import frame_table, signature_line, stdout_console, text_cell, write_frame
from toklab.display import visible
from toklab.loss import STAGES, run_loss
from toklab.registry import load_tokenizer

DEFAULT = ("tiktoken:cl100k_base", "bytes:utf8")


def highlighted(text: str, lost: tuple[int, ...], style: str = "bold black on yellow") -> Text:
    out = Text()
    marked = set(lost)
    for i, ch in enumerate(text):  # a control character in corpus text shown as \x1b, not acted on
        out.append(visible(ch), style=style if i in marked else None)
    return out


def show_text(spec: str, text: str) -> None:
    adapter = load_tokenizer(spec)
    console = stdout_console()
    console.print(f"[bold]input[/bold]        {escape(repr(text))}")
    try:
        normalized = adapter.normalize(text)
        pieces = [normalized[start:end] for start, end in adapter.pre_tokenize(normalized)]
        console.print(f"[bold]normaliser[/bold]   {escape(repr(normalized))}" + ("" if normalized != text else "  (unchanged)"))
        console.print(f"[bold]pre-tokens[/bold]   {escape(repr(pieces))}")
    except NotMeasurable as exc:
        console.print(f"[bold]pipeline[/bold]     not measurable ({text_cell(exc)})")
    ids = adapter.encode(text)
    shown = [adapter.token_string(i) or adapter.token_bytes(i) for i in ids]
    console.print(f"[bold]tokens[/bold]       {escape(repr(shown))}")
    decoded = adapter.decode(ids)
    console.print(f"[bold]decoded[/bold]      {escape(repr(decoded))}")
    from toklab.loss.alignment import align

    lost = align(text, decoded).lost
    console.print(Text("lost         ").append(highlighted(text, lost)) if lost else "[green]exact round trip[/green]")
    signature_line(console, adapter.signature)


@click.command("loss")
@click.option("-t", "--tokenizer", "tokenizers", multiple=True, help=f"Tokenizer spec (repeatable). Default: {', '.join(DEFAULT)}.")
@click.option("--corpus", default="flores200", show_default=True)
@click.option("--split", default=None)
@click.option("--langs", default=None)
@click.option("--examples", type=click.IntRange(min=0), default=3, show_default=True,
              help="Real examples per tokenizer with the lost characters highlighted.")
@click.option("--text", "one_text", default=None, help="Analyse one string: each stage's effect in turn.")
@format_option
@output_option
def loss_cmd(tokenizers, corpus, split, langs, examples, one_text, fmt, output) -> None:
    """Exact round-trip loss per language, attributed to the pipeline stage that caused it.

    \b
    Examples:
      toklab loss -t hf:models/all-MiniLM-L6-v2 --langs vie_Latn,hin_Deva,jpn_Jpan
      toklab loss -t hf:models/all-MiniLM-L6-v2 --text "Café नमस्ते 日本"
      toklab loss -t tiktoken:o200k_base --format csv -o loss.csv
    """
    if one_text is not None:
        for spec in tokenizers or DEFAULT:
            show_text(spec, one_text)
        return
    loaded = load_corpus(corpus_spec_from_flags(corpus, split, langs))
    adapters = [load_tokenizer(t) for t in (tokenizers or DEFAULT)]
    with progress_callback("round trips", len(adapters) * len(loaded.langs)) as advance:
        result = run_loss(adapters, loaded, examples, advance)
    rows, samples = result.rows, result.examples
    if fmt != "table":
        write_frame(rows, fmt, output, result.signature)
        return
    console = stdout_console()
    console.print(frame_table(result.summary, title="Information loss — per tokenizer (character-weighted)", floats=4))
    lossy = rows.filter(pl.col("chars_lost") > 0).sort("chars_lost", descending=True)
    if lossy.height:
        columns = ["tokenizer", "lang", "roundtrip_exact", "chars_lost", "cer", *STAGES, "collisions"]
        sampled = lossy["attributed_docs"] < lossy["lossy_docs"]
        note = (f"; stages from a sample of ≤{lossy['attributed_docs'].max():,} lossy documents per language"
                if sampled.any() else "")
        console.print(frame_table(lossy.select(columns).head(15), floats=4,
                                  title=f"Worst languages, loss by stage (share of characters{note})"))
    drawn = rows.filter(pl.col("fallback_font_chars") > 0).sort("fallback_font_chars", descending=True)
    if drawn.height:
        console.print(frame_table(drawn.select("tokenizer", "lang", "fallback_font_chars", "unknown").head(15), floats=4,
                                  title="Rendering: characters drawn by a fallback font, and as tofu (unknown), "
                                        "share of characters"))
    for name, shown in samples.items():
        for text, roundtrip, lost in shown[:examples]:
            console.print(f"[bold]{text_cell(name)}[/bold]")
            console.print(Text("  in : ").append(highlighted(text[:300], tuple(i for i in lost if i < 300))))
            console.print(f"  out: {text_cell(roundtrip[:300])}")
    signature_line(console, result.signature)
