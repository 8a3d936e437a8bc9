"""`toklab glitch [scan] SPEC` — categories and a risk score for every token; `toklab glitch experiment`
— every signal scored against a token LM whose training counts are known."""

from __future__ import annotations

from pathlib import Path

import click
import polars as pl

from toklab.cli.options import FiniteFloat, format_option, output_option
from toklab.cli.render import frame_table, signature_line, stdout_console, write_frame
from toklab.errors import SpecError
from toklab.glitch.scan import scan
from toklab.registry import load_tokenizer


class ScanByDefault(click.Group):
    """`toklab glitch SPEC` means `toklab glitch scan SPEC`: scanning is what most users came for."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["scan", *args]
        return super().parse_args(ctx, args)


@click.group("glitch", cls=ScanByDefault)
def glitch_group() -> None:
    """Glitch and under-trained tokens: scan a tokenizer (the default), or run the ground-truth experiment.

    \b
    Examples:
      toklab glitch tiktoken:r50k_base                 # same as: toklab glitch scan tiktoken:r50k_base
      toklab glitch experiment --minutes 4
    """


@glitch_group.command("scan")
@click.argument("spec")
@click.option("--weights", type=click.Path(path_type=Path), default=None,
              help="A safetensors checkpoint or model directory: adds embedding signals.")
@click.option("--corpus", default="flores200?split=dev", show_default=True,
              help="Reference corpus for frequency signals ('none' to skip).")
@click.option("--reference", default=None, help="Comma-separated ids known to be untrained (default: never-producible ids).")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Tokens shown in the terminal.")
@format_option
@output_option
def scan_cmd(spec, weights, corpus, reference, top, fmt, output) -> None:
    """Categories and a risk score for every token of SPEC, from the tokenizer alone or with weights.

    \b
    Examples:
      toklab glitch tiktoken:r50k_base
      toklab glitch hf:models/all-MiniLM-L6-v2 --weights models/all-MiniLM-L6-v2
      toklab glitch tiktoken:o200k_base --format parquet -o o200k-glitch.parquet
    """
    adapter = load_tokenizer(spec)
    loaded = None
    if corpus and corpus != "none":
        from corpora import load_corpus

        loaded = load_corpus(corpus)
    result = scan(adapter, loaded, weights, parse_reference(reference, adapter.vocab_size))
    signature = result.signature
    if fmt != "table":
        write_frame(result.frame, fmt, output, signature)
        return
    console = stdout_console()
    counts = result.frame.group_by("category", "reason").len().sort("len", descending=True)
    console.print(frame_table(counts, title=f"{adapter.name}: token categories"))
    shown = [c for c in ("rank", "id", "token", "category", "reason", "burst", "corpus_count", "survival", "embedding_norm",
                         "untrained_similarity", "score") if c in result.frame.columns]
    top_rows = result.frame.head(top).select(shown).with_columns(pl.col("token").str.slice(0, 40))
    console.print(frame_table(top_rows, title=f"Top {top} by score", floats=3))
    console.print(f"score = {result.model}; signals: {', '.join(result.signals)}; "
                  f"reference untrained set: {result.reference_size} ids")
    if result.coefficients:
        console.print("fitted coefficients (standardised): " + ", ".join(f"{k} {v:+.2f}" for k, v in result.coefficients.items()))
    for name, value in result.auroc.items():
        console.print(f"AUROC of {name} separating the reference set from reachable tokens: {value:.4f}")
    signature_line(console, signature)


def parse_reference(text: str | None, vocab_size: int) -> list[int] | None:
    if not text:
        return None
    try:
        ids = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise SpecError(f"--reference {text!r}: write comma-separated token ids, e.g. --reference 0,1,2") from None
    outside = [i for i in ids if not 0 <= i < vocab_size]
    if outside:
        raise SpecError(f"--reference: id {outside[0]} is outside the vocabulary (0–{vocab_size - 1})")
    return ids


@glitch_group.command("experiment")
@click.option("--minutes", type=FiniteFloat(low=0.01), default=4.0, show_default=True,
              help="Training budget of the token LM.")
@click.option("--vocab", type=click.IntRange(min=300), default=4096, show_default=True,
              help="Vocabulary of the byte-level BPE trained for it.")
@format_option
@output_option
def experiment_cmd(minutes: float, vocab: int, fmt: str, output) -> None:
    """Train a BPE and a token LM on corpora with planted strings, then score every glitch signal
    against the LM's known training counts (AUROC, average precision, precision@k).

    \b
    Example: toklab glitch experiment --minutes 4
    """
    from toklab.glitch.experiment import ExperimentConfig, run_experiment

    config = ExperimentConfig(minutes=minutes, vocab=vocab)
    result = run_experiment(config, on_log=lambda m: click.echo(m, err=True))
    table, facts, signature = result.table, result.facts, result.signature
    if fmt != "table":
        write_frame(table, fmt, output, signature)
        return
    console = stdout_console()
    console.print(f"vocabulary {facts['vocab']:,}; untrained (count 0 in the LM's data): {facts['untrained']:,}; "
                  f"under-trained: {facts['under_trained']:,}; left out of B: {', '.join(facts['left_out'])}; "
                  f"planted in A only: {', '.join(facts['planted'])}")
    console.print(frame_table(table, title="Glitch signals scored against the truth", floats=3))
    signature_line(console, signature)
