"""Signatures: where a number came from, as a value with named parts — the tokenizers (with their
artifact sha256), the corpus (with its content hash), the method and its options, the versions —
built by the library from what was actually computed. Analyzers attach one to every result.

A `Signature` is made only from parts (`Signature.of`, `build`) and rendered to its text
(`key:value|…`, tokenizers separated by `||`) in one place, `_render`; readers ask for a field
(`get`), a section (`section`) or the tokenizers, never split the text. It is a `str` so that every
writer (a CSV column, JSON, Parquet metadata, a checkpoint) stores exactly its text. Text read back
from a file is turned into fields once, by `Signature.parse`.

>>> tok = Signature.of(("tok", "bytes:utf8"), ("family", "bytes"))
>>> sig = Signature.of(tokenizers([tok]), section("corpus", Signature.of(("corpus", "x"), ("content", "ab12"))),
...                    ("pivot", "eng_Latn"))
>>> str(sig)
'tok:bytes:utf8|family:bytes|corpus:x|content:ab12|pivot:eng_Latn'
>>> sig.get("pivot"), sig.section("corpus").get("content"), sig.tokenizers[0].get("family")
('eng_Latn', 'ab12', 'bytes')
"""

from __future__ import annotations

import dataclasses
import platform
import typing
from collections.abc import Iterable

from toklab import __version__


@dataclasses.dataclass(frozen=True)
class Section:
    """A named signature inside another: rendered as `prefix` + its text (`eval_corpus:…`)."""

    label: str
    signature: Signature
    prefix: str = ""


@dataclasses.dataclass(frozen=True)
class Tokenizers:
    """The signatures of the tokenizers a result compares, rendered joined by `||`."""

    members: tuple[Signature, ...]


Item = typing.Union[tuple[str, str], Section, Tokenizers]
Part = typing.Union[Item, "Signature", None]


class Signature(str):
    """An immutable provenance value whose text is rendered from its parts."""

    items: tuple[Item, ...]

    def __new__(cls, items: tuple[Item, ...] = ()) -> Signature:
        self = super().__new__(cls, _render(items))
        self.items = items
        return self

    def __reduce__(self):  # pickled (Ray, multiprocessing) as its parts, not as text
        return Signature, (self.items,)

    @classmethod
    def of(cls, *parts: Part) -> Signature:
        """A signature of `parts`: (key, value) fields, sections, tokenizers, or whole signatures
        whose parts are taken in (their versions dropped: a signature names its versions once)."""
        items: list[Item] = []
        for part in parts:
            if part is None:
                continue
            if isinstance(part, Signature):
                items.extend(item for item in part.items if not _is_versions(item))
            elif isinstance(part, (Section, Tokenizers)):
                items.append(part if not isinstance(part, Section) else _without_versions(part))
            elif isinstance(part, str):  # a signature's text from a file or an older caller
                items.extend(item for item in Signature.parse(part).items if not _is_versions(item))
            else:
                key, value = part
                items.append((str(key), str(value)))
        return cls(tuple(items))

    @classmethod
    def parse(cls, text: str) -> Signature:
        """Fields of a signature's text read back from a file (a checkpoint, an export)."""
        if isinstance(text, Signature):
            return text
        items: list[Item] = []
        for piece in str(text).replace("||", "|").split("|"):
            key, colon, value = piece.partition(":")
            if piece:
                items.append((key, value) if colon else ("", piece))
        return cls(tuple(items))

    # -- reading by field ---------------------------------------------------------------------
    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of the first field named `key`, here or in any section (tokenizers excluded:
        ask `tokenizers` for theirs)."""
        for item_key, value in self.fields():
            if item_key == key:
                return value
        return default

    def fields(self) -> list[tuple[str, str]]:
        """Every (key, value) field in order, sections included (their prefix not applied)."""
        out: list[tuple[str, str]] = []
        for item in self.items:
            if isinstance(item, Section):
                out.extend(item.signature.fields())
            elif isinstance(item, tuple):
                out.append(item)
        return out

    def section(self, label: str) -> Signature | None:
        for item in self.items:
            if isinstance(item, Section):
                if item.label == label:
                    return item.signature
                found = item.signature.section(label)
                if found is not None:
                    return found
        return None

    @property
    def tokenizers(self) -> tuple[Signature, ...]:
        for item in self.items:
            if isinstance(item, Tokenizers):
                return item.members
        return ()


def section(label: str, signature: Signature | str, prefix: str = "") -> Section:
    return Section(label, signature if isinstance(signature, Signature) else Signature.parse(signature), prefix)


def tokenizers(signatures: Iterable[Signature | str]) -> Tokenizers:
    return Tokenizers(tuple(s if isinstance(s, Signature) else Signature.parse(s) for s in signatures))


def tokenizers_part(adapters: Iterable) -> Tokenizers:
    """The tokenizers of a result, from their adapters."""
    return tokenizers(a.signature for a in adapters)


def library_versions() -> Signature:
    import importlib.metadata as md

    parts: list[tuple[str, str]] = [("toklab", __version__), ("python", platform.python_version())]
    for package in ("tiktoken", "tokenizers", "sentencepiece", "polars", "numpy", "babel", "pycountry"):
        try:
            parts.append((package, md.version(package)))
        except md.PackageNotFoundError:
            pass
    return Signature.of(*parts)


def build(*parts: Part) -> Signature:
    """A result's signature: its parts, then the library versions (once)."""
    return Signature.of(*parts, section("versions", library_versions()))


def _is_versions(item: Item) -> bool:
    return isinstance(item, Section) and item.label == "versions"


def _without_versions(item: Section) -> Section:
    if item.label == "versions":
        return item
    inner = item.signature
    kept = tuple(i for i in inner.items if not _is_versions(i))
    return item if kept == inner.items else Section(item.label, Signature(kept), item.prefix)


def _render(items: tuple[Item, ...]) -> str:
    """The one place a signature becomes text."""
    pieces = []
    for item in items:
        if isinstance(item, Section):
            pieces.append(item.prefix + str(item.signature))
        elif isinstance(item, Tokenizers):
            pieces.append("||".join(str(member) for member in item.members))
        else:  # a field; one with no name is a bare token (a model's shape, `d128xL4xctx256`)
            pieces.append(f"{item[0]}:{item[1]}" if item[0] else item[1])
    return "|".join(piece for piece in pieces if piece)
