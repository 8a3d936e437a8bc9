"""A corpus: a polars frame with `doc_id`, `lang`, `split`, `text`, plus where it came from."""

from __future__ import annotations

import dataclasses
import functools
import hashlib

import numpy as np
import polars as pl

from toklab.signature import Signature
from toklab.spec import Spec

SCHEMA = {"doc_id": pl.Int64, "lang": pl.Utf8, "split": pl.Utf8, "text": pl.Utf8}


@dataclasses.dataclass(frozen=True)
class Corpus:
    spec: Spec
    frame: pl.DataFrame
    replacements: int = 0  # invalid UTF-8 sequences replaced at the user's request
    source: str = ""  # where the text was read from (a directory, a file)
    cleaned: tuple[tuple[str, int], ...] = ()  # e.g. (("bom_stripped", 1), ("crlf_normalised", 997))
    # ?align=shared: documents left out per language because some language lacks their id
    dropped: tuple[tuple[str, int], ...] | None = None

    @property
    def langs(self) -> list[str]:
        return sorted(self.frame["lang"].unique().to_list())

    @functools.cached_property  # the frame never changes: a Corpus is frozen and replaced, not edited
    def n_bytes(self) -> int:
        return int(self.frame["text"].str.len_bytes().sum() or 0)

    @functools.cached_property
    def signature(self) -> Signature:
        return Signature.of(
            ("corpus", self.spec.canonical), ("langs", self.frame["lang"].n_unique()), ("docs", self.frame.height),
            ("bytes", self.n_bytes), ("content", self.content_hash[:16]),
            ("utf8_replaced", self.replacements) if self.replacements else None,
            *((name, count) for name, count in self.cleaned if count), *aligned_part(self.dropped))

    @functools.cached_property
    def content_hashes(self) -> dict[str, str]:
        """sha256 of each language's measured content: doc ids, splits and texts, unambiguously
        framed (byte lengths), so editing a text under unchanged byte and line counts changes it.

        All texts are joined once, as bytes, and each language hashes its slice: per-language
        joins through Python strings cost four times as much (timed in `toklab bench audit`).
        """
        frame = self.frame
        if len(_runs(frame["lang"])) != frame["lang"].n_unique():  # make languages contiguous, order kept
            frame = frame.with_row_index("_row").sort("lang", "_row").drop("_row")
        data = frame["text"].str.join("").cast(pl.Binary).item() if frame.height else b""  # UTF-8, no copy via str
        lengths = frame["text"].str.len_bytes().to_numpy().astype("<i8")
        ends = np.cumsum(lengths)
        out = {}
        for lang, first, count in _runs(frame["lang"]):
            digest = hashlib.sha256()
            digest.update(frame["doc_id"][first:first + count].to_numpy().astype("<i8").tobytes())
            digest.update(lengths[first:first + count].tobytes())
            digest.update("\x00".join(frame["split"][first:first + count].to_list()).encode() + b"\x00")
            start = int(ends[first - 1]) if first else 0
            digest.update(memoryview(data)[start:int(ends[first + count - 1])])
            out[lang] = digest.hexdigest()
        return out

    @functools.cached_property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for lang, value in sorted(self.content_hashes.items()):
            digest.update(f"{lang}\t{value}\n".encode())
        return digest.hexdigest()

    def by_lang(self) -> dict[str, pl.DataFrame]:
        return {key[0]: part for key, part in self.frame.group_by("lang", maintain_order=True)}

    def joined_text(self, lang: str) -> str:
        """Petrov et al. (2023): per split, the lines plus the empty piece after the final
        newline, all joined with one space, so a file's trailing newline becomes a space."""
        part = self.frame.filter(pl.col("lang") == lang)
        pieces: list[str] = []
        for split in part["split"].unique(maintain_order=True).to_list():
            pieces.extend(part.filter(pl.col("split") == split)["text"].to_list())
            pieces.append("")
        return " ".join(pieces)


def aligned_part(dropped: tuple[tuple[str, int], ...] | None) -> list[tuple[str, str]]:
    """`align:shared|dropped:N|dropped_by_lang:a=n,…` for a corpus narrowed to its shared documents."""
    if dropped is None:
        return []
    parts = [("align", "shared"), ("dropped", str(sum(n for _, n in dropped)))]
    if dropped:
        parts.append(("dropped_by_lang", ",".join(f"{lang}={n}" for lang, n in dropped)))
    return parts


def _runs(column: pl.Series) -> list[tuple[str, int, int]]:
    """(value, first row, length) of each run of equal consecutive values."""
    runs = column.rle()
    lengths = runs.struct.field("len").to_list()
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int).tolist()
    return list(zip(runs.struct.field("value").to_list(), starts, lengths))


def make_frame(rows: dict[str, list]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)
