"""CLI options shared by several command groups (toklab and byte_model)."""

from __future__ import annotations

from pathlib import Path

import click

from toklab.cli.render import FORMATS

format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format."
)
def writable_target(ctx, param, value: Path | None) -> Path | None:
    """Check that an output file can be written before any work starts (a read-only or missing
    folder found after an hour of encoding would lose the hour)."""
    if value is None:
        return None
    import os
    import tempfile

    folder = value.parent if str(value.parent) else Path(".")
    if not folder.is_dir():
        problem = "is a file, not a folder" if folder.exists() else "does not exist; create it first"
        raise click.BadParameter(f"{value}: {folder} {problem}", ctx, param)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{value.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise click.BadParameter(f"{value}: folder {folder} is not writable ({exc.strerror})", ctx, param)
    return value


output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=writable_target,
    help="Write to FILE (atomically) instead of stdout.",
)


def plot_option(help_text: str = "Write a PNG plot to FILE."):
    return click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        callback=writable_target, help=help_text)


def protocol_option(func):
    from byte_model.config import PROTOCOLS

    return click.option("--protocol", type=click.Choice(PROTOCOLS), default="isolated", show_default=True,
                        help="What a model sees before each byte: isolated sentences, the language's "
                             "text as context, or context with online adaptation (dynamic).")(func)


class FiniteFloat(click.ParamType):
    """A float that must be finite and at least `low` (NaN passes click's FloatRange)."""

    name = "float"

    def __init__(self, low: float | None = None) -> None:
        self.low = low

    def convert(self, value, param, ctx):
        import math

        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or (self.low is not None and number < self.low):
            self.fail(f"{value} is not a finite number ≥ {self.low:g}" if self.low is not None
                      else f"{value} is not a finite number", param, ctx)
        return number


def json_format_option(func):
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
        help="Output format.",
    )(func)


def corpus_spec_from_flags(corpus: str, split: str | None, langs: str | None, pivot: str | None = None) -> str:
    """The corpus spec that --corpus, --split and --langs name; the pivot is always included."""
    from toklab.spec import Spec

    spec = Spec.parse(corpus)
    if split:
        spec = spec.with_params(split=split)
    if langs:
        wanted = {code.strip() for code in langs.split(",") if code.strip()}
        spec = spec.with_params(langs=",".join(sorted(wanted | ({pivot} if pivot else set()))))
    return spec.canonical
