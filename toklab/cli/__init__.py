"""The `toklab` command line. Commands stay thin: parse flags, call the library, render.

Errors from the `ToklabError` family become one line on stderr and an exit code; no traceback
reaches a user for a bad input.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys
import warnings

import click

from toklab import __version__
from toklab.display import visible
from toklab.errors import ToklabError


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Handled problems (a discarded cache entry, an unwritable cache) are one line on stderr."""
    click.echo(f"warning: {visible(str(message))}", err=True)


def _error_line(message: str) -> None:
    """`error: …` on stderr. Messages quote what the user gave (a path, a language, a spec): control
    and bidi characters in it are shown as escapes, so the line stays one line and cannot act on
    the terminal; letters of every script stay as they are."""
    click.echo(f"error: {visible(message)}", err=True)


# Each command's module is imported only when that command runs, so `toklab --help` and a command
# never pay for the others' imports (torch, matplotlib, polars). The one-line help shown in the
# command list is kept here; a test checks it equals the command's own.
COMMANDS = {
    "tokenizers": ("toklab.cli.tokenizers_cmd:tokenizers_group",
                   "List tokenizer schemes and aliases, or show one tokenizer's pipeline."),
    "encode": ("toklab.cli.encode_cmd:encode_cmd",
               "Encode TEXT with the tokenizer SPEC and show every token."),
    "corpora": ("toklab.cli.corpora_cmd:corpora_group",
                "List corpus sources, or show what a corpus spec holds."),
    "audit": ("toklab.cli.audit_cmd:audit_cmd",
              "How many more tokens the same content costs in each language than in the pivot."),
    "price": ("toklab.cli.price_cmd:price_cmd",
              "Cost per language of the same content on today's models, a monthly bill, and the context window."),
    "parity": ("toklab.cli.parity_cmd:parity_cmd",
               "Classical vs parity-aware byte-level BPE at the same vocabulary: equality vs compression."),
    "loss": ("toklab.cli.loss_cmd:loss_cmd",
             "Exact round-trip loss per language, attributed to the pipeline stage that caused it."),
    "glitch": ("toklab.cli.glitch_cmd:glitch_group",
               "Glitch and under-trained tokens: scan a tokenizer (the default), or run the ground-truth experiment."),
    "compare": ("toklab.cli.compare_cmd:compare_cmd",
                "Bits per byte per language for every scheme on the same text, budget and protocol."),
    "report": ("toklab.cli.report_cmd:report_cmd",
               "One self-contained report: premium, price, loss and glitch exposure per language."),
    "byte": ("toklab.cli.byte_cmd:byte_group",
             "Train, evaluate and sample the byte-level transformer baseline."),
    "bench": ("toklab.cli.bench_cmd:bench_group",
              "Benchmarks (each prints ratios against a reference measured in the same run)."),
}


class LabGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["toklab.args"] = list(args)  # checked (UTF-8, numbers) in _invoke, where errors are one line
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _one_line_warning
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context):
        from toklab.cli.argtypes import check_args

        try:
            check_args(self, ctx, ctx.meta.get("toklab.args", []))
            return super().invoke(ctx)
        except ToklabError as exc:
            _error_line(str(exc))
            ctx.exit(exc.exit_code)
        except click.exceptions.NoArgsIsHelpError as exc:  # `toklab byte` alone: its help, as a user asked
            click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
            ctx.exit(0)
        except click.UsageError as exc:  # a bad flag value: one line too, naming the flag
            hint = f" (see: {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
            _error_line(f"{exc.format_message()}{hint}")
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except OSError as exc:  # output redirected to a full disk: one line, not a traceback
            if not _stdout_failed(exc):
                raise
            _error_line(f"could not write to standard output: {exc.strerror or exc} (errno {exc.errno}); free space "
                        "where it is redirected, or write a file with -o")
            ctx.exit(2)


def _stdout_failed(exc: OSError) -> bool:
    """Whether `exc` is standard output failing: a full disk (or quota, or size limit) while stdout
    is redirected. Every file the lab writes reports its own errors (OutputError), so a bare one
    of these is the redirected stdout. Its unwritten text goes to /dev/null, so that the exit does
    not fail again."""
    if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO) or _is_terminal(sys.stdout):
        return False  # EPIPE (the reader left, `| head`) is click's: it ends quietly
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return True


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
