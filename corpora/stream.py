"""User corpora read block by block, so an analyzer's memory does not grow with the corpus.

`open_stream("jsonl:big.jsonl")` checks the spec and hashes the files: the sha256 of their bytes
is a streamed corpus's content identity (its documents are never all in memory to hash as
`Corpus.content_hash` does). `stream.blocks()` then yields corpus frames (doc_id, lang, split,
text) of about BLOCK_BYTES of input each, parsed by the same readers that load a corpus whole
(corpora.readers), so a streamed analysis measures exactly the same documents.

>>> stream = open_stream("jsonl:corpus.jsonl")        # doctest: +SKIP
>>> for block in stream.blocks(): block.frame.height   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from pathlib import Path
from typing import Iterator

import polars as pl

from corpora.align import align_mode, shared_documents
from corpora.flores import check_alignment
from corpora.frame import aligned_part
from corpora.readers import (
    Block,
    _existing,
    check_document_sizes,
    doc_limit_mb,
    no_documents,
    parquet_frame,
    parse_jsonl,
    parse_text,
    text_file_lang,
    text_files,
    unreadable_parquet,
)
from toklab.errors import CorpusError, SpecError
from toklab.suggest import some_names
from toklab.paths import file_sha256
from toklab.signature import Signature
from toklab.spec import Spec

BLOCK_BYTES = 16 << 20  # input bytes per block: enough work for the encoders' threads, small against memory
STREAMABLE = ("file", "jsonl", "parquet")


@dataclasses.dataclass(frozen=True)
class ParsedBlock:
    frame: pl.DataFrame
    replaced: int = 0  # invalid UTF-8 sequences replaced (errors=replace)
    cleaned: tuple[tuple[str, int], ...] = ()  # byte-order marks stripped, CRLF normalised
    dropped: tuple[tuple[str, int], ...] | None = None  # align=shared, on the first block: documents left out


@dataclasses.dataclass
class StreamTally:
    """What the stream held, counted as it was read: the corpus part of a signature."""

    docs: int = 0
    bytes: int = 0
    langs: set = dataclasses.field(default_factory=set)
    replaced: int = 0
    cleaned: dict = dataclasses.field(default_factory=lambda: {"bom_stripped": 0, "crlf_normalised": 0})
    dropped: tuple | list | None = None  # align=shared: (language, documents left out) pairs

    def add(self, block: ParsedBlock) -> None:
        if block.dropped is not None:
            self.dropped = block.dropped
        self.docs += block.frame.height
        self.bytes += int(block.frame["text"].str.len_bytes().sum() or 0)
        self.langs.update(block.frame["lang"].unique().to_list())
        self.replaced += block.replaced
        for name, count in block.cleaned:
            self.cleaned[name] += count


@dataclasses.dataclass(frozen=True)
class CorpusStream:
    spec: Spec  # canonical: the resolved path
    files: tuple[Path, ...]
    content_hash: str  # sha256 over every file's name, size and sha256 (files_sha256)
    block_bytes: int = BLOCK_BYTES

    @property
    def expected_blocks(self) -> int:
        """About how many blocks `blocks()` yields (for a progress bar)."""
        size = sum(file.stat().st_size for file in self.files)
        return max(1, -(-size // self.block_bytes))

    def signature(self, tally: StreamTally) -> Signature:
        return Signature.of(
            ("corpus", self.spec.canonical), ("langs", len(tally.langs)), ("docs", tally.docs), ("bytes", tally.bytes),
            ("content", self.content_hash[:16]), ("content_of", "file_bytes"), ("read", "stream"),
            ("utf8_replaced", tally.replaced) if tally.replaced else None,
            *((name, count) for name, count in tally.cleaned.items() if count), *aligned_part(tally.dropped))

    def blocks(self) -> Iterator[ParsedBlock]:
        shared = self._shared_ids
        seen: set[str] = set()  # every language of the corpus, not only those langs= keeps
        wanted = _wanted_langs(self.spec)
        docs = 0
        for number, block in enumerate(self._parsed()):
            seen.update(block.frame["lang"].unique().to_list())
            frame = block.frame if wanted is None else block.frame.filter(pl.col("lang").is_in(sorted(wanted)))
            docs += frame.height
            if shared is not None:
                frame = frame.filter(pl.col("doc_id").is_in(shared[0].implode()))
            yield dataclasses.replace(block, frame=check_document_sizes(frame, self.spec, self.spec.target),
                                      dropped=shared[1] if shared is not None and number == 0 else None)
        missing = sorted(wanted - seen) if wanted else []
        if missing:
            raise SpecError(f"{self.spec}: no documents of language {', '.join(missing)} in the corpus "
                            f"(it holds {some_names(sorted(seen)) or 'none'})")
        if not docs:
            raise no_documents(self.spec.target, "every file is empty" if len(self.files) > 1 else
                               "no lines or records in the file")

    def _wanted(self) -> Iterator[ParsedBlock]:
        """The parsed blocks, holding only the languages asked for (`langs=`)."""
        wanted = _wanted_langs(self.spec)
        for block in self._parsed():
            yield block if wanted is None else dataclasses.replace(
                block, frame=block.frame.filter(pl.col("lang").is_in(sorted(wanted))))

    @functools.cached_property  # the files are hashed, so one pass serves every tokenizer of an audit
    def _shared_ids(self) -> tuple[pl.Series, tuple[tuple[str, int], ...]] | None:
        """align=shared: the ids every language holds and what each language drops, from a first
        pass over the files that keeps only (lang, doc_id) — 16 bytes or so per document."""
        if align_mode(self.spec) is None:
            return None
        ids = [block.frame.select(pl.col("lang").cast(pl.Categorical), "doc_id") for block in self._wanted()]
        frame = pl.concat(ids).with_columns(pl.col("lang").cast(pl.Utf8)) if ids else pl.DataFrame(
            {"lang": [], "doc_id": []}, schema={"lang": pl.Utf8, "doc_id": pl.Int64})
        kept, dropped = shared_documents(frame)
        if frame.height and not kept.height:
            raise CorpusError(f"{self.spec}: align=shared leaves no documents: no doc_id is held by all "
                              f"{frame['lang'].n_unique()} languages; check the ids, or narrow the languages with langs=")
        return kept["doc_id"].unique(), dropped

    def _parsed(self) -> Iterator[ParsedBlock]:
        if self.spec.scheme == "parquet":
            yield from self._parquet_blocks()
            return
        root = Path(self.spec.target)
        counts: dict[Path, int] = {}
        for file in self.files:
            counts[file] = 0
            for block in line_blocks(file, self.block_bytes, _line_limit(self.spec)):
                if self.spec.scheme == "jsonl":
                    frame, replaced, cleaned = parse_jsonl(block, self.spec)
                else:
                    frame, replaced, cleaned = parse_text(block, self.spec, text_file_lang(root, file, self.spec))
                    counts[file] += frame.height
                yield ParsedBlock(frame, replaced, tuple(cleaned.items()))
        if self.spec.scheme == "file" and len(counts) > 1:
            check_alignment(counts, None)

    def _parquet_blocks(self) -> Iterator[ParsedBlock]:
        path = self.files[0]
        first_row = 0
        try:
            batches = pl.scan_parquet(path).collect_batches(chunk_size=max(self.block_bytes // 256, 1024))
            for batch in batches:
                yield ParsedBlock(parquet_frame(batch, path, self.spec, first_row))
                first_row += batch.height
        except (pl.exceptions.ComputeError, OSError) as exc:
            raise unreadable_parquet(path, exc) from None


def open_stream(spec: Spec, block_bytes: int = BLOCK_BYTES) -> CorpusStream:
    """Check a `file:`, `jsonl:` or `parquet:` spec and hash its files (one sequential read)."""
    from corpora import parse_corpus_spec

    spec = parse_corpus_spec(spec)
    if spec.scheme not in STREAMABLE:
        raise SpecError(f"{spec}: only {', '.join(s + ':' for s in STREAMABLE)} corpora can be streamed")
    path = _existing(spec)
    files = tuple(text_files(path)) if spec.scheme == "file" else (path,)
    return CorpusStream(Spec(spec.scheme, str(path.resolve()), spec.params), files, files_sha256(files, path), block_bytes)


def files_sha256(files: tuple[Path, ...], root: Path) -> str:
    """One digest over every file's name (in a directory), size and sha256."""
    listing = "".join(f"{file.name if root.is_dir() else ''}\t{file.stat().st_size}\t{file_sha256(file)}\n"
                      for file in files)
    return hashlib.sha256(listing.encode()).hexdigest()


def line_blocks(path: Path, block_bytes: int, line_limit: int) -> Iterator[Block]:
    """Blocks of whole lines, about `block_bytes` each; a line longer than `line_limit` is refused
    before it is read whole (a file without newlines must not take all memory)."""
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror or exc}); check that it exists and that you may "
                          "read it") from None
    with handle:
        carry, offset, line = b"", 0, 1
        while chunk := handle.read(block_bytes):
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) > line_limit:
                    raise CorpusError(f"{path}, line {line} (byte offset {offset}): longer than {line_limit / 1e6:,.0f} MB "
                                      "without a line break; split it into lines, or raise ?max_doc_mb=N")
                carry = data
                continue
            yield Block(path, data[:cut], line, offset)
            line += data.count(b"\n", 0, cut)
            offset += cut
            carry = data[cut:]
        if carry:
            yield Block(path, carry, line, offset)


def _line_limit(spec: Spec) -> int:
    """Bytes one line may take: the document limit (at least 1 MB), times 6 for JSON's \\uXXXX escapes."""
    return int(max(doc_limit_mb(spec), 1) * 1e6 * 6)


def _wanted_langs(spec: Spec) -> set[str] | None:
    wanted = spec.get("langs")
    return {code.strip() for code in wanted.split(",") if code.strip()} if wanted else None
