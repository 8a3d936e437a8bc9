"""`toklab byte train|eval|sample|bench` — the tokenizer-free baseline from the terminal.

torch is imported inside each command, so `toklab --help` and every other command never pay for it.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import click
import polars as pl

from byte_model import config as C
from toklab.cli.argtypes import SEED
from toklab.cli.options import FiniteFloat, format_option, output_option, plot_option, protocol_option
from toklab.cli.progress import TrainingProgress
from toklab.cli.render import frame_table, signature_line, stderr_console, stdout_console, write_frame
from toklab.display import visible, visible_lines
from toklab.errors import SpecError


def parse_sets(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep:
            raise SpecError(f"--set {item!r}: write FIELD=VALUE, e.g. --set d_model=192")
        out[key.strip()] = value.strip()
    return out


def default_run_dir(preset: str) -> Path:
    from toklab.cache import cache_dir_or_none

    root = cache_dir_or_none("runs")
    if root is None:
        raise SpecError("the cache folder cannot hold a run (see the warning above); name a run directory with --out")
    return root / f"{preset}-{time.strftime('%Y%m%d-%H%M%S')}"


@click.group("byte")
def byte_group() -> None:
    """Train, evaluate and sample the byte-level transformer baseline."""


@byte_group.command("train")
@click.option("--preset", default="cpu", show_default=True, help=f"One of: {', '.join(C.PRESETS)}.")
@click.option("--minutes", type=FiniteFloat(low=0.0), default=None,
              help="Time budget; fixed as a step count after the first steps (replaces the preset's budget).")
@click.option("--steps", type=click.IntRange(min=1), default=None, help="Step budget (replaces the preset's budget).")
@click.option("--set", "sets", multiple=True, help="Override any config field, e.g. --set d_model=192 --set lr=2e-3.")
@click.option("--out", "run_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run directory (default: $TOKLAB_HOME/runs/PRESET-TIME).")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Continue the run in this directory from its checkpoint (--steps may extend it).")
@click.option("--force", is_flag=True, help="Replace the run already in --out.")
@click.pass_context
def train_cmd(ctx, preset, minutes, steps, sets, run_dir, resume_dir, force) -> None:
    """Train a byte transformer; checkpoints are atomic and resumable.

    A time budget (--minutes) is turned into a step count after the first steps and recorded,
    so the schedule never follows the clock: rerunning with the recorded --steps, or resuming
    after a kill, reproduces the weights bit for bit on the CPU.

    \b
    Examples:
      toklab byte train --preset cpu --minutes 10
      toklab byte train --preset gpu --minutes 5 --set batch_size=128
      toklab byte train --resume ~/.cache/toklab/runs/cpu-20261126-101500
      toklab byte train --resume RUN_DIR --steps 5000          # extend a finished run
      torchrun --nproc_per_node=2 -m toklab byte train --preset cpu --set threads=1
    """
    from byte_model.runtime import distributed_env
    from byte_model.train import run_folder_lock

    if resume_dir:
        _refuse_with_resume(ctx, sets, run_dir, minutes, force)
        trainer_args = dict(run_dir=resume_dir, model_cfg=None, train_cfg=None, resume=True, steps=steps)
    else:
        model_cfg, train_cfg = C.configs_for(preset, parse_sets(sets), minutes, steps)
        run_dir = run_dir or default_run_dir(preset)
        if run_dir.exists() and not run_dir.is_dir():
            raise SpecError(f"--out {run_dir}: a file of that name exists; name a directory")
        trainer_args = dict(run_dir=run_dir, model_cfg=model_cfg, train_cfg=train_cfg, resume=False)
    folder = trainer_args["run_dir"]
    # Held from the check of the folder to its last file: two runs started together into one
    # folder would otherwise both "succeed" with mixed configs, checkpoints and metrics. Only rank
    # 0 writes; a --resume of a folder that does not exist fails on its checkpoint instead.
    locking = distributed_env()[0] == 0 and (not resume_dir or folder.is_dir())
    with run_folder_lock(folder) if locking else contextlib.nullcontext():
        replaced = [] if resume_dir else _claim_run_dir(run_dir, force)
        _train(trainer_args, replaced, folder_locked=locking)


def _train(trainer_args: dict, replaced: list[Path], folder_locked: bool) -> None:
    from byte_model.train import start_or_resume

    with TrainingProgress() as progress:
        trainer = start_or_resume(**trainer_args, on_step=progress.on_step, folder_locked=folder_locked)
        if trainer.rank == 0:
            for path in replaced:  # only now: a new run that cannot start leaves the old one intact
                path.unlink(missing_ok=True)
        if trainer.rank == 0:
            counts = trainer.n_params
            stderr_console().print(f"{trainer.budget_line()}\nrun {trainer.run_dir} · {counts['non_embedding']:,} "
                                   f"non-embedding parameters ({counts['total']:,} total) · device {trainer.device} · "
                                   f"torch threads {trainer.threads}")
        state = trainer.run(folder_locked=folder_locked)
    if trainer.rank == 0:
        from byte_model.train import BEST, METRICS, VALIDATION
        from toklab.cli.plots import write_loss_curve

        write_loss_curve(trainer.run_dir / METRICS, trainer.run_dir / "loss.png", trainer.run_dir / VALIDATION)
        click.echo(f"trained {state.step} steps in {state.elapsed / 60:.1f} min "
                   f"({state.bytes_seen / max(state.elapsed, 1e-9):,.0f} bytes/s); "
                   f"run directory {visible(str(trainer.run_dir))}")
        if state.stopped_early:
            click.echo(visible_lines(state.stopped_early))
        if state.best_step:
            click.echo(f"best validation BPB {state.best_val:.4f} at step {state.best_step} ({BEST}; "
                       "`byte eval` uses it unless --checkpoint last)")


RUN_FILES = ("checkpoint.pt", "best.pt", "config.json", "metrics.csv", "validation.csv", "loss.png")


def _refuse_with_resume(ctx: click.Context, sets, run_dir, minutes, force) -> None:
    """A resumed run keeps its configs; say which flags would have been ignored."""
    from click.core import ParameterSource

    ignored = [flag for flag, given in (("--preset", ctx.get_parameter_source("preset") != ParameterSource.DEFAULT),
                                        ("--set", bool(sets)), ("--out", run_dir is not None), ("--force", force))
               if given]
    if ignored:
        raise SpecError(f"--resume continues a run with the configs in its checkpoint; {', '.join(ignored)} "
                        "would be ignored: drop them, or start a new run with --out")
    if minutes is not None:
        raise SpecError("--resume continues the run's fixed step schedule; extend it with --steps N "
                        "(a new total), not --minutes")


def _claim_run_dir(run_dir: Path, force: bool) -> list[Path]:
    """Never replace a run without being asked: with --force, the old run's files (returned) are
    removed once the new run has started."""
    if run_dir.exists() and not run_dir.is_dir():
        raise SpecError(f"--out {run_dir}: a file of that name exists; name a directory")
    existing = [run_dir / name for name in RUN_FILES if (run_dir / name).exists()]
    if existing and not force:
        raise SpecError(f"--out {run_dir} already holds a run ({existing[0].name}); continue it with "
                        f"--resume {run_dir}, replace it with --force, or pick another --out")
    return existing


# torch commands choose their CPU threads (byte_model.runtime.default_threads) and print the count
THREADS_HELP = "torch CPU threads (0 = OMP_NUM_THREADS if set, else half the CPUs this process may use, 1 to 8)."
threads_option = click.option("--threads", type=click.IntRange(min=0, max=4096), default=0, show_default=True,
                              help=THREADS_HELP)


@byte_group.command("eval")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--corpus", default=None, help="Evaluation corpus (default: the run's eval corpus, FLORES devtest).")
@click.option("--per-lang", "first_n", type=click.IntRange(min=1), default=100, show_default=True,
              help="First N documents of every language.")
@click.option("--all", "use_all", is_flag=True, help="Every document of the evaluation corpus.")
@click.option("--batch-size", type=click.IntRange(min=1), default=64, show_default=True)
@threads_option
@protocol_option
@click.option("--dynamic-lr", type=FiniteFloat(low=0.0), default=None,
              help="Adaptation rate for --protocol dynamic (default: chosen on the run's validation text).")
@click.option("--checkpoint", type=click.Choice(["best", "last"]), default="best", show_default=True,
              help="best: lowest validation BPB during training; last: the final weights.")
@plot_option("PNG of BPB per language.")
@format_option
@output_option
def eval_cmd(run_dir, corpus, first_n, use_all, batch_size, threads, protocol, dynamic_lr, checkpoint, plot, fmt,
             output) -> None:
    """Bits per byte, per language and overall, under an evaluation protocol.

    \b
    Protocols (every one counts exactly the same bytes):
      isolated  each sentence on its own, from a beginning-of-document symbol
      context   each language's sentences in order as one stream behind the tail of its dev text
      dynamic   context, plus one optimiser step on each segment after it is scored (weights
                reset per language; the rate is chosen on held-out dev text, never on the test)

    \b
    Examples:
      toklab byte eval RUN_DIR --format parquet -o bpb.parquet --plot bpb.png
      toklab byte eval RUN_DIR --protocol dynamic
    """
    from byte_model.evaluate import evaluate_run
    from byte_model.runtime import pick_device, use_threads
    from toklab.cli.progress import progress_callback
    from toklab.languages import language_name, script_of

    device, n_threads = pick_device("auto"), use_threads(threads)
    with progress_callback(f"scoring ({protocol})", None) as advance:
        result = evaluate_run(run_dir, corpus, None if use_all else first_n, batch_size, device,
                              progress=lambda n: [advance() for _ in range(n)], protocol=protocol,
                              dynamic_lr=dynamic_lr, checkpoint=checkpoint,
                              on_log=lambda m: click.echo(visible_lines(m), err=True))
    click.echo(f"device {device} · torch threads {n_threads}", err=True)  # after: an error stays one line
    per_lang, overall, signature = result.per_lang, result.overall, result.signature
    per_lang = per_lang.with_columns(lang_name=pl.col("lang").map_elements(language_name, return_dtype=pl.Utf8),
                                     script=pl.col("lang").map_elements(script_of, return_dtype=pl.Utf8))
    if plot:
        from toklab.cli.plots import per_language_bars

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
    console.print(f"[bold]overall (byte-weighted): {overall:.4f} bits per byte[/bold] over {result.n_bytes:,} "
                  f"bytes, {result.n_docs:,} documents, {per_lang.height} languages; protocol {result.protocol}"
                  + (f" (adaptation rate {result.dynamic_lr:g})" if result.dynamic_lr is not None else ""))
    signature_line(console, signature)


@byte_group.command("sample")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--prompt", default="", help="Text to continue.")
@click.option("--max-bytes", type=click.IntRange(min=1, max=1_000_000), default=200, show_default=True,
              help="Bytes to generate (one forward pass each).")
@click.option("--temperature", type=FiniteFloat(low=0.0), default=0.8, show_default=True,
              help="0 = greedy (always the most likely byte).")
@click.option("--top-k", type=click.IntRange(min=0), default=0, show_default=True, help="0 = no top-k filter.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@threads_option
def sample_cmd(run_dir, prompt, max_bytes, temperature, top_k, seed, threads) -> None:
    """Continue a prompt; invalid UTF-8 in the output is shown as \\xNN.

    \b
    Example: toklab byte sample RUN_DIR --prompt "The city of " --temperature 0.7
    """
    from byte_model.runtime import use_threads
    from byte_model.sample import generate, show_bytes
    from byte_model.loading import load_model

    n_threads = use_threads(threads)
    model, vocab, _payload = load_model(run_dir)
    if vocab.spec != "bytes:utf8":
        raise SpecError(f"{run_dir} is a token model ({vocab.spec}); sampling prints bytes models only")
    out = generate(model, vocab, list(prompt.encode("utf-8")), max_bytes, temperature, top_k or None, seed)
    click.echo(visible(prompt, keep="\n\t") + show_bytes(bytes(out)))  # the prompt is escaped like the output
    click.echo(f"torch threads {n_threads}", err=True)  # last: an error stays one line, the text comes first


@byte_group.command("bench")
@click.option("--preset", "presets", multiple=True, default=("cpu",), show_default=True)
@click.option("--steps", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--threads", type=click.IntRange(min=0, max=4096), default=0, show_default=True,
              help=THREADS_HELP)
@click.option("--reference", is_flag=True,
              help="Also time a plain nanoGPT-style model of the same shape on the same batches, and give ratios.")
@click.option("--variants", default="", help="Comma-separated one-change variants to time too: "
              "adamw, no-ngrams, no-qknorm (where the time goes); canine:4, gbst:4 (the sequence-shortening "
              "architectures at the preset's non-embedding parameter count); hnet:4, spacebyte (learned and ruled "
              "boundaries, likewise matched: with them every model trains on FLORES dev text, since their speed "
              "depends on where the text is cut).")
@click.option("--mode", "modes", type=click.Choice(["eager", "compiled"]), multiple=True,
              default=("eager", "compiled"), show_default=True)
def bench_cmd(presets, steps, threads, reference, variants, modes) -> None:
    """Training bytes/s and FLOPs/byte per preset, eager and compiled, against a reference.

    \b
    Examples:
      toklab byte bench --preset cpu --steps 30
      toklab byte bench --preset gpu --reference --mode compiled --variants adamw,no-ngrams
      toklab byte bench --preset cpu --mode compiled --variants canine:4,gbst:4
      toklab byte bench --preset cpu --mode compiled --variants gbst:4,hnet:4,spacebyte
    """
    from rich.table import Table

    from toklab.bench.byte_speed import VARIANTS, bench_presets

    for name in presets:
        C.preset(name)  # an unknown preset is an error before any timing
    chosen = tuple(v.strip() for v in variants.split(",") if v.strip())
    for variant in chosen:
        if variant not in VARIANTS:
            raise SpecError(f"--variants {variant}: known variants are {', '.join(VARIANTS)}")
    device, n_threads, rows = bench_presets(presets, steps, threads, reference, chosen, modes)
    table = Table(title=f"byte model training throughput on {device} ({n_threads} thread{'s' * (n_threads != 1)})",
                  title_justify="left")
    chunked = any(row.get("bytes_per_chunk") for row in rows)
    columns = ["preset", "model", "params (non-emb)", "FLOPs/byte fwd", *(["bytes/chunk"] if chunked else []), "mode",
               "bytes/s", "warm-up s"]
    ratios = (["vs preset"] if chosen else []) + (["vs reference"] if reference else [])
    for column in columns + ratios:
        table.add_column(column, justify="left" if column == "model" else "right")
    for row in rows:
        length = [f"{row['bytes_per_chunk']:.2f}" if row.get("bytes_per_chunk") else ""] if chunked else []
        cells = [row["preset"], row["model"], _count(row["params_non_embedding"]), _count(row["flops_per_byte"]),
                 *length, row["mode"], f"{row['bytes_per_s']:,.0f}", f"{row['warm_up_s']:.1f}"]
        if chosen:  # the reference row has no ratio to the preset
            cells.append(f"{row['vs_preset']:.2f}×" if "vs_preset" in row else "")
        if reference:
            cells.append(f"{row['vs_reference']:.2f}×")
        table.add_row(*cells)
    stdout_console().print(table)


def _count(value: int | None) -> str:
    return "" if value is None else f"{value:,}"
