"""Argument checks shared by every command: seeds that torch and numpy can take, numbers written
plainly, and command-line text that is valid UTF-8.

Python decodes the command line with `surrogateescape`: a byte that is not UTF-8 (a Latin-1 `ÿ`
typed in another locale, `$'\\xff'`) becomes a lone surrogate in the str, and fails much later,
as a traceback, wherever the text is encoded. It is refused here once, before any command runs,
with the option it was given to.
"""

from __future__ import annotations

import click

# torch.manual_seed and numpy's generators take 64-bit seeds; the lab's seeds are never negative.
SEED = click.IntRange(0, 2**63 - 1)


def first_undecodable(text: str) -> tuple[int, int] | None:
    """(the byte that is not UTF-8, its byte offset in the argument as typed), or None when the
    text is valid UTF-8."""
    offset = 0
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for the raw byte code - 0xDC00
            return code - 0xDC00, offset
        if 0xD800 <= code <= 0xDFFF:  # any other lone surrogate has no bytes at all
            return code, offset
        offset += len(char.encode("utf-8"))
    return None


def check_args(group: click.Group, ctx: click.Context, args: list[str]) -> None:
    """Raise a UsageError naming the first argument that is not valid UTF-8, or the first number
    given to an integer or float option that is not plainly one (click's int() reads '１２' as 12
    and ' 12' as 12; a value past 2^63 overflows numpy, polars and torch with a traceback)."""
    for value, what, param in _walk(group, ctx, args):
        found = first_undecodable(value)
        if found is not None:
            byte, offset = found
            shown = f"byte 0x{byte:02x}" if byte < 0x100 else f"lone surrogate U+{byte:04X}"
            raise click.UsageError(f"{what} is not valid UTF-8 ({shown} at offset {offset}); give the text in "
                                   "UTF-8 (check the terminal's or the script's encoding), or rename a file to a "
                                   "UTF-8 name")
        if param is not None:
            _check_number(param.type, value, what)


def _check_number(kind: click.ParamType, value: str, what: str) -> None:
    from toklab.numeric import FLOAT_TEXT, INT64_MAX, INT_TEXT

    if isinstance(kind, click.types.IntParamType):
        if not INT_TEXT.fullmatch(value):
            raise click.UsageError(f"{what} {value!r}: not a whole number written in ASCII digits 0-9")
        if abs(int(value)) > INT64_MAX:
            raise click.UsageError(f"{what} {value}: too large (at most {INT64_MAX:,})")
    elif kind.name == "float" and not FLOAT_TEXT.fullmatch(value):
        raise click.UsageError(f"{what} {value!r}: not a finite number written in ASCII (digits, '.', 'e')")


def _walk(group: click.Group, ctx: click.Context, args: list[str]):
    """(text, what it is for, its parameter or None) for every argument: an option's value with the
    option's name ('--prompt'), a positional with its argument's ('argument TEXT'), anything else
    by position ('argument 3'). Follows the arguments into the (sub)command they select."""
    command: click.Command = group
    positionals, pending, only_positional = 0, None, False
    for index, arg in enumerate(args):
        if pending is not None:
            yield arg, pending[0], pending[1]
            pending = None
            continue
        if arg == "--" and not only_positional:
            only_positional = True
            continue
        if arg.startswith("-") and arg != "-" and not only_positional:
            name, assigned, value = arg.partition("=")
            option = _option(command, name)
            if assigned and arg.startswith("--") and first_undecodable(name) is None:
                yield value, name, option  # `--prompt=VALUE`: checked, and its offset counted, in VALUE
            else:
                yield arg, f"argument {index + 1}", None
                if option is not None and not option.is_flag and not option.count:
                    pending = (name, option)
            continue
        if isinstance(command, click.Group):
            found = command.get_command(ctx, arg)
            if found is not None:
                command, positionals = found, 0
                yield arg, f"argument {index + 1}", None
                continue
            command = getattr(command, "commands", {}).get("scan", command)  # `glitch SPEC` is `glitch scan SPEC`
        arguments = [p for p in getattr(command, "params", []) if isinstance(p, click.Argument)]
        if positionals < len(arguments) or (arguments and arguments[-1].nargs == -1):
            argument = arguments[min(positionals, len(arguments) - 1)]
            yield arg, f"argument {argument.human_readable_name}", argument
        else:
            yield arg, f"argument {index + 1}", None
        positionals += 1


def _option(command, name: str) -> click.Option | None:
    for param in getattr(command, "params", []):
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None
