"""User corpora: `file:` (a text file or a directory of them), `jsonl:`, `parquet:`."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import polars as pl

from corpora.decode import clean_text, decode_utf8, parse_keep, split_lines
from corpora.flores import check_alignment
from corpora.frame import SCHEMA, Corpus, make_frame
from toklab.errors import CorpusError, MissingFileError
from toklab.spec import Spec

MAX_DOC_MB = 16  # documented limit: one document (line) above it is refused unless max_doc_mb= raises it


def doc_limit_mb(spec: Spec) -> float:
    """The largest document a corpus spec allows, in MB (`?max_doc_mb=`, default MAX_DOC_MB)."""
    try:
        limit_mb = float(spec.get("max_doc_mb", str(MAX_DOC_MB)))
    except ValueError:
        limit_mb = -1.0
    if not limit_mb > 0:
        raise CorpusError(f"{spec}: max_doc_mb={spec.get('max_doc_mb')!r} must be a number of megabytes above 0")
    return limit_mb


def unreadable_parquet(path: Path, exc: Exception) -> CorpusError:
    return CorpusError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0][:160]})")


def check_document_sizes(frame: pl.DataFrame, spec: Spec, where: str) -> pl.DataFrame:
    """Refuse documents above the limit before any work: measuring one 200 MB line costs ~20× its
    size in token lists, so a runaway line (a minified dump, a file without newlines) is an error."""
    limit_mb = doc_limit_mb(spec)
    sizes = frame["text"].str.len_bytes()
    if frame.height and sizes.max() > limit_mb * 1e6:
        row = int(sizes.arg_max())
        raise CorpusError(f"{where}: document {frame['doc_id'][row]} of language {frame['lang'][row]} (line or "
                          f"record {frame['doc_id'][row] + 1} when numbered by position) is {sizes[row] / 1e6:,.1f} MB, "
                          f"above the {limit_mb:g} MB limit per document; split it into lines, or raise the limit "
                          "with ?max_doc_mb=N (measuring a document takes ~20× its size in memory)")
    return frame


def _typed(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    """Cast to the corpus schema, naming the first column and row that does not fit."""
    for column, dtype in SCHEMA.items():
        cast = frame[column].cast(dtype, strict=False)
        bad = (cast.is_null() & frame[column].is_not_null()) | (frame[column].is_null() if column in ("doc_id", "text") else False)
        if bad.any():
            row = int(bad.arg_max())
            raise CorpusError(f"{path}: column {column!r}, row {row}: {str(frame[column][row])[:40]!r} is not "
                              f"{'an integer' if dtype == pl.Int64 else 'text'}; fix the column "
                              f"{'(or drop it to number documents by row)' if column == 'doc_id' else ''}".rstrip())
        frame = frame.with_columns(cast.alias(column))
    return frame


def _existing(spec: Spec) -> Path:
    path = Path(spec.target).expanduser()
    if not path.exists():
        raise MissingFileError(f"{path} does not exist (corpus spec {spec})")
    return path


def load_text(spec: Spec) -> Corpus:
    """One document per line. A directory holds one file per language (`<lang>.txt` or any
    suffix), line-aligned: line i of every file is document i."""
    path = _existing(spec)
    frames, counts, replaced = [], {}, 0
    cleaned = {"bom_stripped": 0, "crlf_normalised": 0}
    for file in text_files(path):
        frame, n_bad, removed = parse_text(Block(file, file.read_bytes()), spec, text_file_lang(path, file, spec))
        frames.append(frame)
        replaced += n_bad
        cleaned = {k: cleaned[k] + removed[k] for k in cleaned}
        counts[file] = frame.height
    if len(counts) > 1:
        check_alignment(counts, None)
    frame = check_document_sizes(pl.concat(frames), spec, str(path))
    return Corpus(Spec(spec.scheme, str(path.resolve()), spec.params), frame, replaced, str(path),
                  tuple(cleaned.items()))


def text_files(path: Path) -> list[Path]:
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")) if path.is_dir() else [path]
    if not files:
        raise CorpusError(f"{path}: directory holds no text files")
    return files


def text_file_lang(path: Path, file: Path, spec: Spec) -> str:
    """A directory names each file's language (`fra_Latn.txt`); a single file takes ?lang=."""
    lang = spec.get("lang") if not path.is_dir() else file.name.split(".")[0]
    return lang or "und"


def parse_text(block: Block, spec: Spec, lang: str) -> tuple[pl.DataFrame, int, dict[str, int]]:
    """One document per line; document ids are line numbers from 0."""
    text, replaced, cleaned = block_text(block, spec)
    lines = split_lines(text)
    first = block.first_line - 1
    frame = pl.DataFrame({"doc_id": pl.int_range(first, first + len(lines), eager=True),
                          "lang": pl.repeat(lang, len(lines), eager=True, dtype=pl.Utf8),
                          "split": pl.repeat(spec.get("split", "all"), len(lines), eager=True, dtype=pl.Utf8),
                          "text": pl.Series(lines, dtype=pl.Utf8)}, schema=SCHEMA)
    return frame, replaced, cleaned


def load_jsonl(spec: Spec) -> Corpus:
    path = _existing(spec)
    block = Block(path, path.read_bytes())
    frame, replaced, cleaned = parse_jsonl(block, spec)
    frame = check_document_sizes(frame, spec, str(path))
    return Corpus(Spec(spec.scheme, str(path.resolve()), spec.params), frame, replaced, str(path),
                  tuple(cleaned.items()))


@dataclasses.dataclass(frozen=True)
class Block:
    """Whole lines of a file: all of it, or one block of a stream (corpora.stream)."""

    path: Path
    raw: bytes
    first_line: int = 1  # line number of the block's first line in the file
    offset: int = 0  # byte offset of the block in the file

    @property
    def at_start(self) -> bool:
        return self.offset == 0


def block_text(block: Block, spec: Spec) -> tuple[str, int, dict[str, int]]:
    """Decoded and cleaned text of a block (a byte-order mark can only open the file)."""
    text, replaced = decode_utf8(block.raw, block.path, replace=spec.get("errors") == "replace",
                                 offset=block.offset, first_line=block.first_line)
    keep = parse_keep(spec.get("keep"), str(spec))
    text, cleaned = clean_text(text, keep if block.at_start else keep | {"bom"})
    return text, replaced, cleaned


def parse_jsonl(block: Block, spec: Spec) -> tuple[pl.DataFrame, int, dict[str, int]]:
    """Records of a block of JSON lines: polars parses plain blocks in Rust; anything it cannot
    take exactly as the line-by-line reader would (blank lines, CR, a byte-order mark, odd types,
    a syntax error) goes through the line-by-line reader, which names the line at fault."""
    fast = _jsonl_fast(block, spec)
    if fast is not None:
        return fast, 0, {"bom_stripped": 0, "crlf_normalised": 0}
    text, replaced, cleaned = block_text(block, spec)
    return _jsonl_lines(text, block, spec), replaced, cleaned


def _jsonl_fast(block: Block, spec: Spec) -> pl.DataFrame | None:
    raw = block.raw
    if not raw or b"\r" in raw or raw.startswith(b"\xef\xbb\xbf") or b"\n\n" in raw or raw.startswith(b"\n"):
        return None
    if _lone_surrogate_escapes(raw):
        return None  # polars reads a lone \\ud800 as NUL; the line reader keeps what json.loads gives
    text_key, lang_key, id_key = spec.get("text", "text"), spec.get("lang", "lang"), spec.get("id", "doc_id")
    try:
        frame = pl.read_ndjson(io.BytesIO(raw), infer_schema_length=None)
    except Exception:  # polars' parse errors: the line-by-line reader says which line
        return None
    lines = raw.count(b"\n") + (not raw.endswith(b"\n"))
    wanted = {text_key: pl.Utf8, lang_key: pl.Utf8, "split": pl.Utf8, id_key: pl.Int64}
    if frame.height != lines or text_key not in frame.columns or frame[text_key].null_count():
        return None
    if any(frame.schema[key] != dtype for key, dtype in wanted.items() if key in frame.columns):
        return None
    if any(frame[key].null_count() for key in (lang_key, "split", id_key) if key in frame.columns):
        return None
    ids = frame[id_key] if id_key in frame.columns else pl.int_range(block.first_line - 1, block.first_line - 1 + lines,
                                                                      eager=True)
    return pl.DataFrame({
        "doc_id": ids.cast(pl.Int64),
        "lang": frame[lang_key] if lang_key in frame.columns else pl.repeat("und", lines, eager=True),
        "split": frame["split"] if "split" in frame.columns else pl.repeat("all", lines, eager=True),
        "text": frame[text_key],
    }, schema=SCHEMA)


SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
SURROGATE_PAIR = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F]")


def _lone_surrogate_escapes(raw: bytes) -> bool:
    """Whether a `\\uD800`-`\\uDFFF` escape may stand outside a surrogate pair (rare: checked fully
    only when a surrogate escape occurs at all)."""
    if not SURROGATE.search(raw):
        return False
    return len(SURROGATE.findall(raw)) != 2 * len(SURROGATE_PAIR.findall(raw))


def _jsonl_lines(raw: str, block: Block, spec: Spec) -> pl.DataFrame:
    path = block.path
    text_key, lang_key = spec.get("text", "text"), spec.get("lang", "lang")
    id_key = spec.get("id", "doc_id")
    rows: dict[str, list] = {"doc_id": [], "lang": [], "split": [], "text": []}
    for line_no, line in enumerate(split_lines(raw), block.first_line):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text = record[text_key]
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{path}, line {line_no}: not valid JSON ({exc.msg}, column {exc.colno})") from None
        except (KeyError, TypeError):
            raise CorpusError(f"{path}, line {line_no}: no field {text_key!r}; name it with ?text=FIELD") from None
        if not isinstance(text, str):
            raise CorpusError(f"{path}, line {line_no}: field {text_key!r} is {type(text).__name__} "
                              f"{json.dumps(text)[:40]}, not a string; fix the record or name the text field with ?text=FIELD")
        rows["doc_id"].append(_doc_id(record.get(id_key, line_no - 1), f"{path}, line {line_no}", id_key))
        rows["lang"].append(str(record.get(lang_key, "und")))
        rows["split"].append(str(record.get("split", "all")))
        rows["text"].append(text)
    return make_frame(rows)


def _doc_id(value, where: str, key: str) -> int:
    """Document ids align languages, so they must be integers (or integer strings)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (isinstance(value, str) and not _is_int(value)):
        raise CorpusError(f"{where}: {key!r} is {json.dumps(value)[:40]}, not an integer; parallel documents are "
                          f"aligned by integer ids — fix it, or drop the field to number documents by line")
    return int(value)


def _is_int(text: str) -> bool:
    return text.strip().lstrip("+-").isdigit()


def load_parquet(spec: Spec) -> Corpus:
    path = _existing(spec)
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises ComputeError/OSError subclasses on bad files
        raise unreadable_parquet(path, exc) from None
    frame = check_document_sizes(parquet_frame(frame, path, spec), spec, str(path))
    return Corpus(Spec(spec.scheme, str(path.resolve()), spec.params), frame, 0, str(path))


def parquet_frame(frame: pl.DataFrame, path: Path, spec: Spec, first_row: int = 0) -> pl.DataFrame:
    """Rows of a Parquet file (or a batch of them, starting at `first_row`) in the corpus schema."""
    text_key = spec.get("text", "text")
    if text_key not in frame.columns:
        raise CorpusError(f"{path}: no column {text_key!r} (columns: {', '.join(frame.columns)}); name it with ?text=COL")
    frame = frame.rename({text_key: "text"}) if text_key != "text" else frame
    if "doc_id" not in frame.columns:
        frame = frame.with_row_index("doc_id", offset=first_row)
    for column, default in (("lang", "und"), ("split", "all")):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(default).alias(column))
    return _typed(frame.select(list(SCHEMA)), path)
