"""`toklab glitch [scan] SPEC` — categories and a risk score for every token; `toklab glitch experiment`
— every signal scored against a token LM whose training counts are known."""

from __future__ import annotations

import re
from pathlib import Path

import click
import polars as pl

from toklab.cli.options import FiniteFloat, format_option, output_option
from toklab.cli.render import frame_table, signature_line, stdout_console, write_frame
from toklab.errors import SpecError
from toklab.glitch.mismatch import EVIDENCE
from toklab.glitch.scan import scan
from toklab.glitch.text_files import code_reference
from toklab.numeric import is_ascii_int
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
              help="A safetensors checkpoint or model directory: adds embedding signals and checks the ranking.")
@click.option("--reference", "--corpus", "corpus", default="flores200?split=dev", show_default=True,
              help="Ordinary text to compare with: token production and string occurrence ('none' to skip).")
@click.option("--words/--no-words", default=True, show_default=True,
              help="Also compare strings with the wordfreq frequency lists (42 languages).")
@click.option("--code/--no-code", default=True, show_default=True,
              help="Also compare with code and markup: the Python standard library's sources, read as they are.")
@click.option("--reference-files", "reference_files", multiple=True, type=click.Path(path_type=Path),
              help="Plain-text files or folders (logs, markup, code) added to the code reference, line endings "
                   "as they are; repeatable.")
@click.option("--untrained-ids", default=None,
              help="Comma-separated ids known to be untrained, for the embedding check (default: never-producible ids).")
@click.option("--explain", "explain", default=None, metavar="ID_OR_STRING",
              help="Show every signal of one token: its id (ASCII digits, or id:N) or its exact string "
                   "(text:S when the string is itself digits).")
@click.option("--evidence", type=click.Choice(list(EVIDENCE)), default=None,
              help="Show only tokens ranked on this evidence (the ranks stay those of the whole vocabulary).")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Tokens shown in the terminal.")
@format_option
@output_option
def scan_cmd(spec, weights, corpus, words, code, reference_files, untrained_ids, explain, evidence, top, fmt,
             output) -> None:
    """Rank every token of SPEC by glitch evidence, with the reason in words; embedding checks with weights.

    \b
    Examples:
      toklab glitch tiktoken:r50k_base
      toklab glitch tiktoken:r50k_base --evidence mismatch --top 40
      toklab glitch tiktoken:r50k_base --explain 188
      toklab glitch tiktoken:r50k_base --reference "jsonl:my-corpus.jsonl" --no-words
      toklab glitch spm:mistral.model --reference-files ~/src/myproject --reference-files server.log
      toklab glitch hf:models/all-MiniLM-L6-v2 --weights models/all-MiniLM-L6-v2
      toklab glitch tiktoken:o200k_base --format parquet -o o200k-glitch.parquet
    """
    adapter = load_tokenizer(spec)
    reference = load_reference(corpus)
    code_texts = code_reference(list(reference_files), stdlib=code)
    explained = explained_id(adapter, explain) if explain is not None else None
    result = scan(adapter, reference, weights, parse_ids(untrained_ids, adapter.vocab_size), words=words,
                  code=code_texts)
    if fmt != "table":
        write_frame(result.frame, fmt, output, result.signature)
        return
    console = stdout_console()
    if explained is not None:
        print_explained(console, result, adapter.name, explained)
        return
    counts = result.frame.group_by("category", "reason").len().sort("len", descending=True)
    console.print(frame_table(counts, title=f"{adapter.name}: token categories"))
    shown = [c for c in ("rank", "id", "token", "evidence", "mismatch", "weight_score", "why") if c in result.frame.columns]
    candidates = result.frame.filter(pl.col("evidence") == evidence) if evidence else result.frame
    top_rows = candidates.head(top).select(shown).with_columns(pl.col("token").str.slice(0, 40))
    title = f"Top {top} glitch candidates" + (f" on evidence '{evidence}'" if evidence else "")
    console.print(frame_table(top_rows, title=title, floats=3))
    console.print(f"ranked by {result.model}; strings compared with: {'; '.join(result.references) or 'nothing'}")
    if result.weights is not None:
        print_weight_checks(console, result.weights)
    signature_line(console, result.signature)


def print_explained(console, result, name: str, token_id: int) -> None:
    row = result.frame.filter(pl.col("id") == token_id).to_dicts()[0]
    fields = pl.DataFrame({"field": list(row), "value": ["" if v is None else str(v) for v in row.values()]})
    console.print(frame_table(fields, title=f"{name}: token {token_id}"))
    signature_line(console, result.signature)


def print_weight_checks(console, found) -> None:
    for name, value in found.auroc.items():
        console.print(f"AUROC of {name} separating the {found.reference_size} untrained reference rows from "
                      f"reachable tokens: {shown(value, '.4f')}")
    if found.coefficients:
        console.print("weight score coefficients (standardised): "
                      + ", ".join(f"{k} {v:+.2f}" for k, v in found.coefficients.items()))
    agreement = found.agreement
    console.print(f"weight-free ranking vs the weights: {shown(agreement['top_near_untrained'], '.0%')} of its top "
                  f"{agreement['top_k']:.0f} have rows near the untrained ones; AUROC of the weight-free rank for "
                  f"those rows {shown(agreement['auroc_free_rank_for_near_untrained'], '.3f')}; Spearman with the "
                  f"weight score {shown(agreement['spearman_free_vs_weight'], '.3f')}")
    for tier, found_in in found.by_tier.items():
        console.print(f"  within '{tier}' ({found_in['tokens']:,.0f} tokens, {shown(found_in['near_untrained'], '.1%')} "
                      f"with rows near the untrained ones): AUROC of the weight-free rank "
                      f"{shown(found_in['auroc'], '.3f')}")


def shown(value: float | None, spec: str) -> str:
    """A score, or 'undefined' where it cannot be computed (no positives, a constant signal): never 'nan'."""
    import math

    return "undefined" if value is None or not math.isfinite(value) else format(value, spec)


def load_reference(corpus: str | None):
    if not corpus or corpus == "none":
        return None
    if re.fullmatch(r"[0-9]+(,[0-9]+)*", corpus.strip()):
        raise SpecError(f"--reference {corpus!r} looks like token ids: --reference takes a corpus spec; "
                        "ids known to be untrained go to --untrained-ids")
    from corpora import load_corpus

    return load_corpus(corpus)


def explained_id(adapter, text: str) -> int:
    """The token `--explain` names: ASCII digits (or `id:N`) are an id; `text:S`, or anything else,
    is the token whose bytes spell it exactly. ' 123' is the token " 123", never id 123, and
    '１２' or '²' are strings, not numbers."""
    kind, sep, rest = text.partition(":")
    if is_ascii_int(text) or (sep and kind == "id"):
        if not is_ascii_int(rest if sep else text):
            raise SpecError(f"--explain {text!r}: after 'id:' write a token id in ASCII digits, e.g. --explain id:188")
        token_id = int(rest if sep else text)
        if not 0 <= token_id < adapter.vocab_size:
            raise SpecError(f"--explain: id {token_id} is outside the vocabulary (0–{adapter.vocab_size - 1})")
        return token_id
    wanted = rest if sep and kind == "text" else text
    by_bytes = {}
    for token_id in range(adapter.vocab_size):
        by_bytes.setdefault(adapter.token_bytes(token_id), token_id)
    if wanted.encode("utf-8") in by_bytes:
        return by_bytes[wanted.encode("utf-8")]
    near = [f"{variant!r} (id {by_bytes[variant.encode('utf-8')]})"
            for variant in dict.fromkeys((" " + wanted, wanted.strip(), " " + wanted.strip(), wanted.lower()))
            if variant and variant != wanted and variant.encode("utf-8") in by_bytes]
    hint = f"near: {', '.join(near[:3])}; " if near else ""
    raise SpecError(f"--explain: no token of {adapter.name} spells {wanted!r} ({hint}the text encodes to ids "
                    f"{adapter.encode(wanted)[:8]}); give a token's exact string or its id, e.g. --explain id:123")


def parse_ids(text: str | None, vocab_size: int) -> list[int] | None:
    if not text:
        return None
    ids = [x.strip() for x in text.split(",") if x.strip()]
    wrong = [x for x in ids if not is_ascii_int(x)]
    if wrong:
        raise SpecError(f"--untrained-ids: {wrong[0]!r} is not a token id in ASCII digits; write comma-separated "
                        "ids, e.g. --untrained-ids 0,1,2")
    ids = [int(x) for x in ids]
    outside = [i for i in ids if not 0 <= i < vocab_size]
    if outside:
        raise SpecError(f"--untrained-ids: id {outside[0]} is outside the vocabulary (0–{vocab_size - 1})")
    return ids


@glitch_group.command("experiment")
@click.option("--steps", type=click.IntRange(min=1), default=1500, show_default=True,
              help="Training steps of the token LM (a step budget: the result does not depend on the machine).")
@click.option("--minutes", type=FiniteFloat(low=0.01), default=None,
              help="A time budget instead of --steps (the step count it reaches is recorded).")
@click.option("--vocab", type=click.IntRange(min=300), default=4096, show_default=True,
              help="Vocabulary of the byte-level BPE trained for it.")
@format_option
@output_option
def experiment_cmd(steps: int, minutes: float | None, vocab: int, fmt: str, output) -> None:
    """Train a BPE and a token LM on corpora with injected material, then score every glitch signal
    against the LM's known training counts (AUROC, average precision, precision@1 %).

    \b
    Example: toklab glitch experiment --steps 1500
    """
    from toklab.glitch.experiment import ExperimentConfig, run_experiment

    config = ExperimentConfig(steps=steps, minutes=minutes or 0.0, vocab=vocab)
    from toklab.cli.progress import TrainingProgress

    with TrainingProgress() as progress:
        result = run_experiment(config, on_log=progress.log, on_step=progress.on_step)
    table, facts, signature = result.table, result.facts, result.signature
    if fmt != "table":
        write_frame(table, fmt, output, signature)
        return
    console = stdout_console()
    console.print(f"vocabulary {facts['vocab']:,}; LM steps {facts['lm_steps']:,}; untrained (count 0 in the LM's data): "
                  f"{facts['untrained']:,}; under-trained: {facts['under_trained']:,}; left out of B: "
                  f"{', '.join(facts['left_out'])}; injected into A: {len(facts['injected'])} strings, e.g. "
                  + ", ".join(repr(s) for s in facts["injected"][:6]))
    console.print(frame_table(table, title="Glitch signals scored against the truth", floats=3))
    from toklab.glitch.experiment import best_single

    for target, (combined, best, best_auroc) in best_single(table).items():
        verdict = "at or above" if combined >= best_auroc else "BELOW"
        console.print(f"{target}: the combined weight-free rank (AUROC {combined:.3f}) is {verdict} its best single "
                      f"weight-free signal, {best} ({best_auroc:.3f})")
    agreement = facts["agreement"]
    if agreement:
        console.print(f"weight-free ranking vs the LM's embeddings: {shown(agreement['top_near_untrained'], '.0%')} of "
                      f"its top {agreement['top_k']:.0f} have rows near the untrained ones; Spearman with the weight "
                      f"score {shown(agreement['spearman_free_vs_weight'], '.3f')}")
    signature_line(console, signature)
