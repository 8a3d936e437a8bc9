"""`toklab byte train|eval|sample|bench` — the tokenizer-free baseline from the terminal."""

from __future__ import annotations

import time
from pathlib import Path

import click
import polars as pl

from byte_model import config as C
from toklab.options import format_option, output_option
from toklab.errors import SpecError
from toklab.render import frame_table, signature_line, stderr_console, stdout_console, write_frame


def parse_sets(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep:
            raise SpecError(f"--set {item!r}: write FIELD=VALUE, e.g. --set d_model=192")
        out[key.strip()] = value.strip()
    return out


def default_run_dir(preset: str) -> Path:
    from toklab.paths import cache_dir

    return cache_dir("runs") / f"{preset}-{time.strftime('%Y%m%d-%H%M%S')}"


@click.group("byte")
def byte_group() -> None:
    """Train, evaluate and sample the byte-level transformer baseline."""


@byte_group.command("train")
@click.option("--preset", default="cpu", show_default=True, help=f"One of: {', '.join(C.PRESETS)}.")
@click.option("--minutes", type=float, default=None, help="Wall-clock training budget.")
@click.option("--steps", type=int, default=None, help="Step budget.")
@click.option("--set", "sets", multiple=True, help="Override any config field, e.g. --set d_model=192 --set lr=2e-3.")
@click.option("--out", "run_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run directory (default: $TOKLAB_HOME/runs/PRESET-TIME).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Continue the run in this directory from its checkpoint.")
def train_cmd(preset, minutes, steps, sets, run_dir, resume_dir) -> None:
    """Train a byte transformer; checkpoints are atomic and resumable.

    \b
    Examples:
      toklab byte train --preset cpu --minutes 10
      toklab byte train --preset gpu --minutes 5 --set batch_size=128
      toklab byte train --resume ~/.cache/toklab/runs/cpu-20261126-101500
      torchrun --nproc_per_node=2 -m toklab byte train --preset cpu --set threads=1
    """
    from byte_model.train import start_or_resume

    budget = {k: str(v) for k, v in (("minutes", minutes), ("steps", steps)) if v is not None}
    if resume_dir:
        trainer_args = dict(run_dir=resume_dir, model_cfg=None, train_cfg=None, resume=True, budget_overrides=budget)
    else:
        model_cfg, train_cfg = C.apply_overrides(*C.preset(preset), parse_sets(sets) | budget)
        trainer_args = dict(run_dir=run_dir or default_run_dir(preset), model_cfg=model_cfg, train_cfg=train_cfg,
                            resume=False)
    with _train_progress() as on_step:
        trainer = start_or_resume(**trainer_args, on_step=on_step)
        if trainer.rank == 0:
            counts = trainer.n_params
            stderr_console().print(f"run {trainer.run_dir} · {counts['non_embedding']:,} non-embedding parameters "
                                   f"({counts['total']:,} total) · device {trainer.device}")
        state = trainer.run()
    if trainer.rank == 0:
        click.echo(f"trained {state.step} steps in {state.elapsed / 60:.1f} min "
                   f"({state.bytes_seen / max(state.elapsed, 1e-9):,.0f} bytes/s); run directory {trainer.run_dir}")


class _train_progress:
    def __enter__(self):
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("step {task.completed:.0f}"), BarColumn(),
                            TextColumn("loss {task.fields[loss]:.3f} · bpb {task.fields[bpb]:.3f} · "
                                       "{task.fields[speed]:,.0f} B/s"), TimeRemainingColumn(),
                            console=stderr_console(), transient=True)
        self.bar.__enter__()
        self.task = self.bar.add_task("train", total=1.0, loss=0.0, bpb=0.0, speed=0.0)

        def on_step(report) -> None:
            fraction = max(report.step / report.steps, report.elapsed / report.budget_s)
            self.bar.update(self.task, completed=report.step, total=report.step / max(fraction, 1e-9),
                            loss=report.loss, bpb=report.bpb, speed=report.bytes_per_s)

        return on_step

    def __exit__(self, *exc):
        self.bar.__exit__(*exc)


@byte_group.command("eval")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--corpus", default=None, help="Evaluation corpus (default: the run's eval corpus, FLORES devtest).")
@click.option("--per-lang", "first_n", default=100, show_default=True, help="First N documents of every language.")
@click.option("--all", "use_all", is_flag=True, help="Every document of the evaluation corpus.")
@click.option("--batch-size", default=64, show_default=True)
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None, help="PNG of BPB per language.")
@format_option
@output_option
def eval_cmd(run_dir, corpus, first_n, use_all, batch_size, plot, fmt, output) -> None:
    """Bits per byte, per language and overall, each sentence scored on its own.

    \b
    Example: toklab byte eval RUN_DIR --format parquet -o bpb.parquet --plot bpb.png
    """
    from byte_model.data import encode_documents
    from byte_model.evaluate import bpb_table, document_bits, first_n_per_language
    from byte_model.runtime import pick_device
    from byte_model.train import load_model
    from corpora import Corpus, load_corpus
    from toklab.languages import language_name, script_of

    model, vocab, payload = load_model(run_dir, pick_device("auto"))
    source = load_corpus(corpus or payload["train_cfg"]["eval_corpus"])
    subset = Corpus(source.spec, first_n_per_language(source.frame, None if use_all else first_n))
    docs, _ = encode_documents(subset, payload["train_cfg"]["tokenizer"])
    from toklab.cli.progress import progress_callback

    with progress_callback("scoring", len(docs.ids)) as advance:
        bits = document_bits(model, docs, vocab, batch_size, progress=lambda n: [advance() for _ in range(n)])
    per_lang, overall = bpb_table(docs, bits)
    per_lang = per_lang.with_columns(lang_name=pl.col("lang").map_elements(language_name, return_dtype=pl.Utf8),
                                     script=pl.col("lang").map_elements(script_of, return_dtype=pl.Utf8))
    signature = (f"{payload['signature']}|step:{payload['step']}|eval:{subset.signature}|"
                 f"first_n:{'all' if use_all else first_n}")
    if plot:
        from toklab.plots import per_language_bars

        per_language_bars(per_lang.with_columns(model=pl.lit(str(run_dir))), "bpb", "model", plot,
                          f"bits per byte per language (overall {overall:.3f})", "BPB")
        click.echo(f"wrote {plot}", err=True)
    if fmt != "table":
        write_frame(per_lang.with_columns(overall_bpb=pl.lit(overall)), fmt, output, signature)
        return
    console = stdout_console()
    shown = per_lang if per_lang.height <= 30 else pl.concat([per_lang.head(10), per_lang.tail(10)])
    console.print(frame_table(shown.select("lang", "lang_name", "docs", "bytes", "bpb"),
                              title="BPB per language (best and worst 10)" if per_lang.height > 30 else "BPB per language"))
    console.print(f"[bold]overall (byte-weighted): {overall:.4f} bits per byte[/bold] over {int(docs.n_bytes.sum()):,} "
                  f"bytes, {len(docs.ids):,} documents, {per_lang.height} languages")
    signature_line(console, signature)


@byte_group.command("sample")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--prompt", default="", help="Text to continue.")
@click.option("--max-bytes", default=200, show_default=True)
@click.option("--temperature", default=0.8, show_default=True)
@click.option("--top-k", default=0, show_default=True, help="0 = no top-k filter.")
@click.option("--seed", default=0, show_default=True)
def sample_cmd(run_dir, prompt, max_bytes, temperature, top_k, seed) -> None:
    """Continue a prompt; invalid UTF-8 in the output is shown as \\xNN.

    \b
    Example: toklab byte sample RUN_DIR --prompt "The city of " --temperature 0.7
    """
    from byte_model.sample import generate, show_bytes
    from byte_model.train import load_model

    model, vocab, _payload = load_model(run_dir)
    if vocab.spec != "bytes:utf8":
        raise SpecError(f"{run_dir} is a token model ({vocab.spec}); sampling prints bytes models only")
    out = generate(model, vocab, list(prompt.encode("utf-8")), max_bytes, temperature, top_k or None, seed)
    click.echo(prompt + show_bytes(bytes(out)))


def register(main: click.Group) -> None:
    from byte_model.bench import bench_byte_cmd

    byte_group.add_command(bench_byte_cmd)
    main.add_command(byte_group)
