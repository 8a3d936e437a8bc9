"""A corpus: a polars frame with `doc_id`, `lang`, `split`, `text`, plus where it came from."""

from __future__ import annotations

import dataclasses
import functools
import hashlib

import polars as pl

from toklab.spec import Spec

SCHEMA = {"doc_id": pl.Int64, "lang": pl.Utf8, "split": pl.Utf8, "text": pl.Utf8}


@dataclasses.dataclass(frozen=True)
class Corpus:
    spec: Spec
    frame: pl.DataFrame
    replacements: int = 0  # invalid UTF-8 sequences replaced at the user's request
    source: str = ""  # where the text was read from (a directory, a file)
    cleaned: tuple[tuple[str, int], ...] = ()  # e.g. (("bom_stripped", 1), ("crlf_normalised", 997))

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
        parts.append(f"content:{self.content_hash[:16]}")
        if self.replacements:
            parts.append(f"utf8_replaced:{self.replacements}")
        parts.extend(f"{name}:{count}" for name, count in self.cleaned if count)
        return "|".join(parts)

    @functools.cached_property
    def content_hashes(self) -> dict[str, str]:
        """blake2b of each language's measured content: doc ids, splits and texts, unambiguously
        framed, so editing a text under unchanged byte and line counts changes the hash."""
        return {lang: _hash_part(part) for lang, part in self.by_lang().items()}

    @functools.cached_property
    def content_hash(self) -> str:
        digest = hashlib.blake2b(digest_size=32)
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


def _hash_part(part: pl.DataFrame) -> str:
    digest = hashlib.blake2b(digest_size=32)
    digest.update(part["doc_id"].to_numpy().astype("<i8").tobytes())
    digest.update(part["text"].str.len_bytes().to_numpy().astype("<i8").tobytes())  # frames the texts
    digest.update("\x00".join(part["split"].to_list()).encode())
    digest.update(b"\x00")
    digest.update("".join(part["text"].to_list()).encode("utf-8"))
    return digest.hexdigest()


def make_frame(rows: dict[str, list]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA)
