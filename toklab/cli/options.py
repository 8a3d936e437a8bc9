"""CLI options shared by several command groups (toklab and byte_model)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click

from toklab.cli.render import FORMATS
from toklab.errors import OutputError, SpecError
from toklab.outputs import check_writable, replaces_a_file, shown, writes_in_place

format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format."
)


def writable_target(ctx, param, value: Path | None) -> Path | None:
    """Check that an output file can be written before any work starts (a read-only or missing
    folder found after an hour of encoding would lose the hour), and that it is something an
    output may go to: a regular file (or a link to one), /dev/null, a terminal or a pipe; never a
    folder, a disk or a socket."""
    if value is None:
        return None
    folder = value.parent if str(value.parent) else Path(".")
    if not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist; create it first"
        raise click.BadParameter(f"{shown(value)}: {shown(folder)} {problem}", ctx, param)
    try:
        check_writable(value)
    except OutputError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None
    return value


OVERWRITE = "toklab_overwrite"  # ctx.meta key: --overwrite was given


def new_target(ctx, param, value: Path | None) -> Path | None:
    """A writable output that replaces no existing file unless --overwrite was given (the lab's
    rule, as for reports and runs: nothing a person made is replaced without asking). Devices and
    pipes are written, not replaced, so they need no --overwrite."""
    value = writable_target(ctx, param, value)
    if value is None:
        return None
    if replaces_a_file(value) and not ctx.meta.get(OVERWRITE):
        raise click.BadParameter(f"{shown(value)} already exists: pass --overwrite to replace it, or choose another "
                                 "name", ctx, param)
    if not writes_in_place(value):  # -o and --plot naming one file: the second would replace the first
        claimed = ctx.meta.setdefault("toklab_targets", {})
        other = claimed.setdefault(os.path.realpath(value), param.opts[-1])
        if other != param.opts[-1]:
            raise click.BadParameter(f"{shown(value)} is also named by {other}; give each output its own file",
                                     ctx, param)
    return value


def _remember_overwrite(ctx, param, value: bool) -> bool:
    ctx.meta[OVERWRITE] = value
    return value


# Eager, so it is known when the file options' callbacks run, whatever the order on the command line.
_overwrite_flag = click.option("--overwrite", is_flag=True, is_eager=True, expose_value=False,
                               callback=_remember_overwrite, help="Replace output files that already exist.")


def _with_overwrite(func):
    """Add --overwrite once to a command, however many of its options write files."""
    if not any(param.name == "overwrite" for param in getattr(func, "__click_params__", [])):
        func = _overwrite_flag(func)
    return func


def _format_checked(func):
    """Refuse a -o the chosen format would ignore (a table goes to the terminal) and a parquet
    with nowhere to go, before the work rather than after it."""
    @functools.wraps(func)
    def checked(*args, **kwargs):
        fmt, output = kwargs.get("fmt"), kwargs.get("output")
        if output is not None and fmt == "table":
            raise click.UsageError(f"-o {shown(output)}: the table format prints to the terminal; add --format "
                                   "csv, json or parquet to write a file")
        if output is None and fmt == "parquet":
            raise click.UsageError("--format parquet needs -o FILE (parquet is binary, not for the terminal)")
        return func(*args, **kwargs)

    return checked


def output_option(func):
    """-o FILE (with --overwrite): the command's result as csv/json/parquet, written atomically."""
    func = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        callback=new_target, help="Write to FILE (atomically) instead of stdout.")(_format_checked(func))
    return _with_overwrite(func)


def plot_option(help_text: str = "Write a PNG plot to FILE."):
    def decorate(func):
        func = click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
                            callback=new_target, help=help_text)(func)
        return _with_overwrite(func)

    return decorate


def protocol_option(func):
    from byte_model.config import PROTOCOLS

    return click.option("--protocol", type=click.Choice(PROTOCOLS), default="isolated", show_default=True,
                        help="What a model sees before each byte: isolated sentences, the language's "
                             "text as context, or context with online adaptation (dynamic).")(func)


class FiniteFloat(click.ParamType):
    """A float that must be finite, at least `low` and at most `high` (NaN passes click's FloatRange)."""

    name = "float"

    def __init__(self, low: float | None = None, high: float | None = None) -> None:
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        import math

        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or (self.low is not None and number < self.low):
            self.fail(f"{value} is not a finite number ≥ {self.low:g}" if self.low is not None
                      else f"{value} is not a finite number", param, ctx)
        if self.high is not None and number > self.high:
            self.fail(f"{value} is above the largest accepted value, {self.high:g}", param, ctx)
        return number


def json_format_option(func):
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
        help="Output format.",
    )(func)


def _require_splits(spec, split: str) -> None:
    """--split chooses among a source's splits; a corpus file or folder has none (file: would only
    label every document with it), so the flag would be recorded but change nothing."""
    from corpora import SOURCES

    if spec.scheme not in SOURCES:
        raise SpecError(f"--split {split}: the corpus {spec.scheme}:{spec.target} has no splits to choose from (only "
                        f"{', '.join(SOURCES)} does); drop --split, or pass a file holding just that split")


def corpus_spec_from_flags(corpus: str, split: str | None, langs: str | None, pivot: str | None = None) -> str:
    """The corpus spec that --corpus, --split and --langs name; the pivot is always included."""
    from toklab.spec import Spec

    spec = Spec.parse(corpus)
    if split:
        _require_splits(spec, split)
        spec = spec.with_params(split=split)
    if langs:
        wanted = {code.strip() for code in langs.split(",") if code.strip()}
        spec = spec.with_params(langs=",".join(sorted(wanted | ({pivot} if pivot else set()))))
    return spec.canonical
