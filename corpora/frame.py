"""A corpus: a polars frame with `doc_id`, `lang`, `split`, `text`, plus where it came from."""

from __future__ import annotations

import dataclasses

import polars as pl

from toklab.spec import Spec

SCHEMA = {"doc_id": pl.Int64, "lang": pl.Utf8, "split": pl.Utf8, "text": pl.Utf8}


@dataclasses.dataclass(frozen=True)
class Corpus:
    spec: Spec
    frame: pl.DataFrame
    replacements: int = 0  # invalid UTF-8 sequences replaced at the user's request
    source: str = ""  # where the text was read from (a directory, a file)

    @property
    def langs(self) -> list[str]:
        return sorted(self.frame["lang"].unique().to_list())

    @property
    def n_bytes(self) -> int:
        return int(self.frame["text"].str.len_bytes().sum() or 0)

    @property
    def signature(self) -> str:
        parts = [
            f"corpus:{self.spec.canonical}",
            f"langs:{self.frame['lang'].n_unique()}",
            f"docs:{self.frame.height}",
            f"bytes:{self.n_bytes}",
        ]
        if self.replacements:
            parts.append(f"utf8_replaced:{self.replacements}")
        return "|".join(parts)

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


def make_frame(rows: dict[str, list]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)
