"""The `toklab` command line. Commands stay thin: parse flags, call the library, render.

Errors from the `ToklabError` family become one line on stderr and an exit code; no traceback
reaches a user for a bad input.
"""

from __future__ import annotations

import sys
import warnings

import click

from toklab import __version__
from toklab.errors import ToklabError


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Handled problems (a discarded cache entry, an unwritable cache) are one line on stderr."""
    click.echo(f"warning: {message}", err=True)


class LabGroup(click.Group):
    def invoke(self, ctx: click.Context):
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _one_line_warning
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ToklabError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except click.UsageError as exc:  # a bad flag value: one line too, naming the flag
            hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
            click.echo(f"error: {exc.format_message()}{hint}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


@click.group(cls=LabGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="toklab")
def main() -> None:
    """toklab — what tokenization costs, loses and breaks, per language.

    \b
    Examples:
      toklab audit                                  # the premium of 204 languages, default tokenizers
      toklab encode gpt-4o "नमस्ते दुनिया"
      toklab tokenizers show spm:mistral.model
      toklab corpora show "flores200?langs=eng_Latn,shn_Mymr"
    """


def _register() -> None:
    from toklab.cli import (audit_cmd, bench_cmd, byte_cmd, compare_cmd, corpora_cmd, encode_cmd, glitch_cmd,
                            loss_cmd, price_cmd, tokenizers_cmd)

    for module in (tokenizers_cmd, encode_cmd, corpora_cmd, audit_cmd, price_cmd, loss_cmd, glitch_cmd, compare_cmd,
                   bench_cmd, byte_cmd):
        module.register(main)


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
