"""One typed family of user-facing errors.

Library code raises these with a message that says what was wrong, where, and how to fix it.
Only the CLI turns them into one-line messages and exit codes; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations


def lone_surrogate(value: str) -> str | None:
    """What is wrong with text holding a lone surrogate (a `\\udc00` escape, which no UTF-8 output can
    carry), for an error naming where it is; None when the text is fine."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (f"holds a lone surrogate escape \\u{ord(value[exc.start]):04x} (character {exc.start + 1}), which "
                "cannot be encoded as UTF-8; write the character itself, or a full surrogate pair")
    return None


class ToklabError(Exception):
    """Base class: a problem with the user's input or environment, not a bug."""

    exit_code = 2


class SpecError(ToklabError):
    """A tokenizer or corpus spec string that cannot be parsed or resolved."""


class MissingFileError(ToklabError):
    """A file the lab needs is absent (and could not be downloaded)."""

    exit_code = 3


class CorruptFileError(ToklabError):
    """A file exists but its content is not what it claims to be."""

    exit_code = 4


class CorpusError(ToklabError):
    """A corpus that cannot be read as asked: misaligned, invalid UTF-8, wrong columns."""


class ClosedModelError(SpecError):
    """A model name whose tokenizer is not public: never silently substituted."""


class OutputError(ToklabError, OSError):
    """A file or folder the lab was asked to write cannot be written (disk full, read-only, a
    folder or a device where a file was named). Also an OSError, so code that carries on when a
    cache cannot be written (`except OSError`) keeps doing so; `errno` holds the system's code."""

    def __init__(self, message: str, code: int | None = None, reason: str | None = None) -> None:
        super().__init__(message)  # one argument: str(exc) is the message, never "[Errno N] …"
        self.errno, self.strerror = code, reason  # what an OSError handler reads

    def __str__(self) -> str:  # OSError's own would print "[Errno N] reason" instead of the line
        return str(self.args[0])


class FolderInUseError(ToklabError):
    """A run or experiment folder another toklab process is writing right now."""
