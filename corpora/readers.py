"""User corpora: `file:` (a text file or a directory of them), `jsonl:`, `parquet:`."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import stat
from pathlib import Path

import polars as pl

from corpora.decode import clean_text, decode_utf8, parse_keep, split_lines
from corpora.flores import check_alignment
from corpora.frame import SCHEMA, Corpus, make_frame
from toklab.errors import CorpusError, MissingFileError, lone_surrogate
from toklab.languages import is_language_code
from toklab.spec import Spec

MAX_DOC_MB = 16  # documented limit: one document (line) above it is refused unless max_doc_mb= raises it


def doc_limit_mb(spec: Spec) -> float:
    """The largest document a corpus spec allows, in MB (`?max_doc_mb=`, default MAX_DOC_MB)."""
    try:
        limit_mb = float(spec.get("max_doc_mb", str(MAX_DOC_MB)))
    except ValueError:
        limit_mb = -1.0
    if not (limit_mb > 0 and math.isfinite(limit_mb)):  # inf would lift the limit, and overflow the line cap
        raise CorpusError(f"{spec}: max_doc_mb={spec.get('max_doc_mb')!r} must be a finite number of megabytes "
                          f"above 0 (default {MAX_DOC_MB}), e.g. max_doc_mb=64")
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
    """Cast to the corpus schema, naming the first column and row that does not fit. Only text
    columns are text and only whole numbers (or integer strings) are ids: a cast would turn a
    number into the text "12345", True into "true" and an id of 1.5 into 1."""
    for column, dtype in SCHEMA.items():
        source = frame[column]
        wanted = "integers" if dtype == pl.Int64 else "text"
        if not (source.dtype == pl.Null or source.dtype in (pl.Utf8, pl.Categorical, pl.Enum)
                or (dtype == pl.Int64 and source.dtype.is_integer())):
            raise CorpusError(f"{path}: column {column!r} holds {source.dtype} values, not {wanted}; write it as "
                              f"{wanted}{' (or drop it to number documents by row)' if column == 'doc_id' else ''}")
        cast = source.cast(dtype, strict=False)
        bad = (cast.is_null() & source.is_not_null()) | source.is_null()
        if column == "lang":  # an empty or padded code would be a language of its own
            bad = bad | (cast.str.len_bytes() == 0) | (cast.str.strip_chars() != cast)
        if bad.any():
            row = int(bad.arg_max())
            value = "null" if source[row] is None else repr(str(source[row])[:40])
            raise CorpusError(f"{path}: column {column!r}, row {row}: {value} is not "
                              f"{'a 64-bit integer' if dtype == pl.Int64 else 'a language code' if column == 'lang' else 'text'};"
                              f" fix the column {'(or drop it to number documents by row)' if column == 'doc_id' else ''}"
                              .rstrip())
        frame = frame.with_columns(cast.alias(column))
    return frame


def _existing(spec: Spec) -> Path:
    """The corpus path: a regular file, or for `file:` a directory. A device, FIFO or socket is
    refused before it is opened: /dev/zero never ends, and a FIFO blocks until someone writes."""
    path = Path(spec.target).expanduser()
    if not path.exists():
        raise MissingFileError(f"{path} does not exist (corpus spec {spec})")
    kind = path_kind(path)
    if kind == "directory" and spec.scheme != "file":
        raise CorpusError(f"{path} is a directory; a {spec.scheme}: corpus is one file — name the file "
                          f"(a directory of one text file per language is read with file:{path})")
    if kind not in ("file", "directory"):
        raise CorpusError(f"{path} is a {kind}, not a regular file; a corpus is read from a file "
                          f"{'or a directory ' if spec.scheme == 'file' else ''}— copy the text into one and name it")
    return path


def path_kind(path: Path) -> str:
    """'file', 'directory', or what else the path is (after following links)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:  # a dangling link, a folder we may not enter
        raise CorpusError(f"{path}: cannot be read ({exc.strerror or exc}); check that it exists and that you may "
                          "read it") from None
    kinds = ((stat.S_ISREG, "file"), (stat.S_ISDIR, "directory"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"), (stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISSOCK, "socket"))
    return next((name for test, name in kinds if test(mode)), "special file")


def read_bytes(path: Path) -> bytes:
    """A corpus file's bytes; an unreadable file is one line naming it and the system's reason."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror or exc}); check that it exists and that you "
                          "may read it") from None


def no_documents(where: str, why: str) -> CorpusError:
    return CorpusError(f"{where}: the corpus holds no documents ({why}); a corpus needs at least one line or "
                       "record — check the path, or fill the file")


def load_text(spec: Spec) -> Corpus:
    """One document per line. A directory holds one file per language (`<lang>.txt` or any
    suffix), line-aligned: line i of every file is document i."""
    path = _existing(spec)
    frames, counts, replaced = [], {}, 0
    cleaned = {"bom_stripped": 0, "crlf_normalised": 0}
    for file in text_files(path):
        frame, n_bad, removed = parse_text(Block(file, read_bytes(file)), spec, text_file_lang(path, file, spec))
        frames.append(frame)
        replaced += n_bad
        cleaned = {k: cleaned[k] + removed[k] for k in cleaned}
        counts[file] = frame.height
    if len(counts) > 1:
        check_alignment(counts, None)
    frame = check_document_sizes(pl.concat(frames), spec, str(path))
    if not frame.height:
        raise no_documents(str(path), "every file is empty" if len(counts) > 1 else "the file is empty")
    return Corpus(Spec(spec.scheme, str(path.resolve()), spec.params), frame, replaced, str(path),
                  tuple(cleaned.items()))


def text_files(path: Path) -> list[Path]:
    """A file, or the files of a directory (hidden ones skipped), each named by its language: one
    that is not a plain file, not named by a language code, or a second file of one language is
    refused, naming it — measured, it would be a language called README, or two merged."""
    if not path.is_dir():
        return [path]
    try:
        files = sorted(p for p in path.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        raise CorpusError(f"{path}: cannot list the folder ({exc.strerror or exc}); check that you may read it") from None
    if not files:
        raise CorpusError(f"{path}: directory holds no text files; put one file per language in it "
                          "(fra_Latn.txt, eng_Latn.txt, …)")
    by_lang: dict[str, Path] = {}
    for file in files:
        kind = path_kind(file)
        if kind != "file":
            raise CorpusError(f"{file} is a {kind}; a corpus directory holds one text file per language — move it "
                              "out of the folder")
        lang = file_lang(file)
        if not is_language_code(lang):
            raise CorpusError(f"{file}: {lang!r} is not a language code, so this file would be measured as a language; "
                              "move it out of the folder, or name files by language code like fra_Latn.txt or fr.txt")
        same = by_lang.setdefault(lang.lower().replace("-", "_"), file)
        if same != file:
            raise CorpusError(f"{same.name} and {file.name} in {path} both name language {lang}; keep one file per "
                              "language (join them into one, or move one out of the folder)")
    return files


def file_lang(file: Path) -> str:
    """`fra_Latn.txt`, `fra_Latn.dev.txt` → fra_Latn: the name up to its first dot."""
    return file.name.split(".")[0]


def text_file_lang(path: Path, file: Path, spec: Spec) -> str:
    """A directory names each file's language (`fra_Latn.txt`); a single file takes ?lang=."""
    lang = spec.get("lang") if not path.is_dir() else file_lang(file)
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
    block = Block(path, read_bytes(path))
    frame, replaced, cleaned = parse_jsonl(block, spec)
    frame = check_document_sizes(frame, spec, str(path))
    if not frame.height:
        raise no_documents(str(path), "the file is empty" if not block.raw.strip() else "no records, only blank lines")
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


@dataclasses.dataclass(frozen=True)
class JsonFields:
    """The record fields a corpus reads: text (required), lang, split and the document id."""

    text: str
    lang: str
    id: str
    split: str = "split"

    @classmethod
    def of(cls, spec: Spec) -> "JsonFields":
        return cls(spec.get("text", "text"), spec.get("lang", "lang"), spec.get("id", "doc_id"))

    @property
    def strings(self) -> tuple[str, ...]:
        return self.text, self.lang, self.split


def _jsonl_fast(block: Block, spec: Spec) -> pl.DataFrame | None:
    """polars' reading of a plain block, or None when it could differ from the line reader's:
    polars turns a number, boolean or object into its JSON text where a string is expected (the
    line reader refuses them), keeps the first of two equal keys (json keeps the last), and reads
    a lone surrogate escape as NUL. The line reader is the reference; this only saves time."""
    raw = block.raw
    if not raw or b"\r" in raw or raw.startswith(b"\xef\xbb\xbf") or b"\n\n" in raw or raw.startswith(b"\n"):
        return None
    escapes = b"\\u" in raw  # a scan at memory speed; the regexes below take ten times as long
    if escapes and _lone_surrogate_escapes(raw):
        return None  # polars reads a lone \\ud800 as NUL; the line reader refuses it, naming the line
    if escapes and ASCII_ESCAPE.search(raw):
        return None  # a key may be spelled with escapes ("te\\u0078t"): only the line reader sees it is "text"
    fields = JsonFields.of(spec)
    try:
        frame = pl.read_ndjson(io.BytesIO(raw), infer_schema_length=None)
    except Exception:  # polars' parse errors: the line-by-line reader says which line
        return None
    lines = raw.count(b"\n") + (not raw.endswith(b"\n"))
    wanted = {fields.text: pl.Utf8, fields.lang: pl.Utf8, fields.split: pl.Utf8, fields.id: pl.Int64}
    if frame.height != lines or fields.text not in frame.columns or frame[fields.text].null_count():
        return None
    if any(frame.schema[key] != dtype for key, dtype in wanted.items() if key in frame.columns):
        return None
    if any(frame[key].null_count() for key in (fields.lang, fields.split, fields.id) if key in frame.columns):
        return None
    if not all(_literal_fields(raw, key, key in fields.strings) == lines for key in wanted if key in frame.columns):
        return None
    if fields.lang in frame.columns and not _plain_langs(frame[fields.lang]):
        return None
    ids = frame[fields.id] if fields.id in frame.columns else pl.int_range(block.first_line - 1, block.first_line - 1 + lines,
                                                                            eager=True)
    return pl.DataFrame({
        "doc_id": ids.cast(pl.Int64),
        "lang": frame[fields.lang] if fields.lang in frame.columns else pl.repeat("und", lines, eager=True),
        "split": frame[fields.split] if fields.split in frame.columns else pl.repeat("all", lines, eager=True),
        "text": frame[fields.text],
    }, schema=SCHEMA)


def _literal_fields(raw: bytes, key: str, string: bool) -> int:
    """How often `"key":` occurs, spelled plainly, when every occurrence has a string value (when
    `string`); -1 when some has another. Equal to the number of lines only when every record names
    the field once, plainly (an escaped key, a repeated key or a nested one changes the count),
    with the expected kind of value: then polars' column holds what the line reader would accept."""
    name = json.dumps(key, ensure_ascii=False).encode()
    # The usual spellings, counted at memory speed: the quoted name occurs only as such keys.
    total = raw.count(name)
    for spelling in ((name + b': "', name + b':"') if string else (name + b":",)):
        if raw.count(spelling) == total:
            return total
    # Anything else (a space before the colon, a value spelled like the key, a tab): by regex.
    keys = len(re.findall(re.escape(name) + rb"[ \t]*:", raw))
    if not string:
        return keys
    strings = len(re.findall(re.escape(name) + rb'[ \t]*:[ \t]*"', raw))
    return keys if strings == keys else -1


def _plain_langs(langs: pl.Series) -> bool:
    return not (langs.str.len_bytes() == 0).any() and langs.str.strip_chars().equals(langs)


SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
ASCII_ESCAPE = re.compile(rb"\\u00[0-7]")  # \u0000-\u007f: JSON writers escape only controls this way
SURROGATE_PAIR = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F]")


def _lone_surrogate_escapes(raw: bytes) -> bool:
    """Whether a `\\uD800`-`\\uDFFF` escape may stand outside a surrogate pair (rare: checked fully
    only when a surrogate escape occurs at all)."""
    if not SURROGATE.search(raw):
        return False
    return len(SURROGATE.findall(raw)) != 2 * len(SURROGATE_PAIR.findall(raw))


def _jsonl_lines(raw: str, block: Block, spec: Spec) -> pl.DataFrame:
    """Records line by line, each checked (`_record`); errors name the file and line."""
    fields = JsonFields.of(spec)
    rows: dict[str, list] = {"doc_id": [], "lang": [], "split": [], "text": []}
    for line_no, line in enumerate(split_lines(raw), block.first_line):
        if not line.strip():
            continue
        doc_id, lang, split, text = _record(line, fields, f"{block.path}, line {line_no}", line_no - 1)
        rows["doc_id"].append(doc_id)
        rows["lang"].append(lang)
        rows["split"].append(split)
        rows["text"].append(text)
    return make_frame(rows)


class _Object(dict):
    """A JSON object that remembers which keys it held more than once (json keeps the last)."""

    repeated: frozenset = frozenset()


def _object(pairs: list[tuple[str, object]]) -> _Object:
    record = _Object(pairs)
    if len(record) != len(pairs):
        keys = [key for key, _ in pairs]
        record.repeated = frozenset(key for key in keys if keys.count(key) > 1)
    return record


JSON_KINDS = ((bool, "a boolean"), (dict, "an object"), (list, "an array"), (str, "a string"),
              ((int, float), "a number"), (type(None), "null"))


def _json_kind(value) -> str:
    return next((name for types, name in JSON_KINDS if isinstance(value, types)), "a value")


def _kind(value) -> str:
    """`a number 12345`, `null`: what a JSON value is, shown (cut to 40 characters)."""
    kind = _json_kind(value)
    return kind if value is None else f"{kind} {json.dumps(value)[:40]}"


def _record(line: str, fields: JsonFields, where: str, position: int) -> tuple[int, str, str, str]:
    """(doc_id, lang, split, text) of one JSON line, or a one-line error naming the field."""
    try:
        record = json.loads(line, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise CorpusError(f"{where}: JSON nested too deeply to read; flatten the record") from None
    if not isinstance(record, dict):
        raise CorpusError(f"{where}: the line is {_json_kind(record)}, not a JSON object; "
                          f'write one object per line, like {{"text": "…", "lang": "fra_Latn"}}')
    repeated = sorted(record.repeated & {fields.text, fields.lang, fields.split, fields.id})
    if repeated:
        raise CorpusError(f"{where}: field {repeated[0]!r} appears twice in one record (readers disagree on which one "
                          "counts); keep one")
    if fields.text not in record:
        raise CorpusError(f"{where}: no field {fields.text!r}; name it with ?text=FIELD")
    text = _string(record, fields.text, where, "fix the record or name the text field with ?text=FIELD")
    lang = _string(record, fields.lang, where, 'write the language code as a string, e.g. "fra_Latn"', "und")
    if not lang or lang.strip() != lang:
        raise CorpusError(f"{where}: field {fields.lang!r} is {json.dumps(lang)}, which would be a language of its "
                          'own; write the code alone, e.g. "fra_Latn", or drop the field')
    split = _string(record, fields.split, where, 'write the split as a string, e.g. "dev"', "all")
    doc_id = _doc_id(record[fields.id], where, fields.id) if fields.id in record else position
    return doc_id, lang, split, text


def _string(record: dict, key: str, where: str, fix: str, default: str | None = None) -> str:
    """A string field: the same answer from both readers (polars would turn 12345 into "12345")."""
    if key not in record and default is not None:
        return default
    value = record[key]
    if not isinstance(value, str):
        raise CorpusError(f"{where}: field {key!r} is {_kind(value)}, not a string; {fix}")
    problem = lone_surrogate(value)
    if problem:
        raise CorpusError(f"{where}: field {key!r} {problem}")
    return value


INT64 = (-(1 << 63), (1 << 63) - 1)
INTEGER = re.compile(r"[+-]?[0-9]+")


def _doc_id(value, where: str, key: str) -> int:
    """Document ids align languages, so they must be integers (or integer strings) of 64 bits."""
    text = value.strip() if isinstance(value, str) else None
    if isinstance(value, bool) or not (isinstance(value, int) or (text is not None and INTEGER.fullmatch(text))):
        raise CorpusError(f"{where}: {key!r} is {json.dumps(value)[:40]}, not an integer; parallel documents are "
                          f"aligned by integer ids — fix it, or drop the field to number documents by line")
    number = int(value)
    if not INT64[0] <= number <= INT64[1]:
        raise CorpusError(f"{where}: {key!r} is {str(value)[:40]}, outside the 64-bit range of document ids; "
                          "renumber the documents")
    return number


def load_parquet(spec: Spec) -> Corpus:
    path = _existing(spec)
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises ComputeError/OSError subclasses on bad files
        raise unreadable_parquet(path, exc) from None
    frame = check_document_sizes(parquet_frame(frame, path, spec), spec, str(path))
    if not frame.height:
        raise no_documents(str(path), "the Parquet file has 0 rows")
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
