"""User corpora: `file:` (a text file or a directory of them), `jsonl:`, `parquet:`."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from corpora.decode import clean_text, decode_utf8, parse_keep, split_lines
from corpora.flores import check_alignment
from corpora.frame import SCHEMA, Corpus, make_frame
from toklab.errors import CorpusError, MissingFileError
from toklab.spec import Spec

MAX_DOC_MB = 16  # documented limit: one document (line) above it is refused unless max_doc_mb= raises it


def check_document_sizes(frame: pl.DataFrame, spec: Spec, where: str) -> pl.DataFrame:
    """Refuse documents above the limit before any work: measuring one 200 MB line costs ~20× its
    size in token lists, so a runaway line (a minified dump, a file without newlines) is an error."""
    try:
        limit_mb = float(spec.get("max_doc_mb", str(MAX_DOC_MB)))
    except ValueError:
        limit_mb = -1.0
    if not limit_mb > 0:
        raise CorpusError(f"{spec}: max_doc_mb={spec.get('max_doc_mb')!r} must be a number of megabytes above 0")
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
    replace = spec.get("errors") == "replace"
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")) if path.is_dir() else [path]
    if not files:
        raise CorpusError(f"{path}: directory holds no text files")
    rows: dict[str, list] = {"doc_id": [], "lang": [], "split": [], "text": []}
    counts: dict[Path, int] = {}
    replaced = 0
    keep = parse_keep(spec.get("keep"), str(spec))
    cleaned = {"bom_stripped": 0, "crlf_normalised": 0}
    for file in files:
        text, n_bad = decode_utf8(file.read_bytes(), file, replace=replace)
        replaced += n_bad
        text, removed = clean_text(text, keep)
        cleaned = {k: cleaned[k] + removed[k] for k in cleaned}
        lines = split_lines(text)
        counts[file] = len(lines)
        lang = spec.get("lang") if not path.is_dir() else file.name.split(".")[0]
        rows["doc_id"].extend(range(len(lines)))
        rows["lang"].extend([lang or "und"] * len(lines))
        rows["split"].extend([spec.get("split", "all")] * len(lines))
        rows["text"].extend(lines)
    if len(files) > 1:
        check_alignment(counts, None)
    frame = check_document_sizes(make_frame(rows), spec, str(path))
    return Corpus(Spec(spec.scheme, str(path.resolve()), spec.params), frame, replaced, str(path),
                  tuple(cleaned.items()))


def load_jsonl(spec: Spec) -> Corpus:
    path = _existing(spec)
    text_key, lang_key = spec.get("text", "text"), spec.get("lang", "lang")
    id_key = spec.get("id", "doc_id")
    raw, replaced = decode_utf8(path.read_bytes(), path, replace=spec.get("errors") == "replace")
    raw, cleaned = clean_text(raw, parse_keep(spec.get("keep"), str(spec)))
    rows: dict[str, list] = {"doc_id": [], "lang": [], "split": [], "text": []}
    for line_no, line in enumerate(split_lines(raw), 1):
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
    frame = check_document_sizes(make_frame(rows), spec, str(path))
    return Corpus(Spec(spec.scheme, str(path.resolve()), spec.params), frame, replaced, str(path),
                  tuple(cleaned.items()))


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
        raise CorpusError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0][:160]})") from None
    text_key = spec.get("text", "text")
    if text_key not in frame.columns:
        raise CorpusError(f"{path}: no column {text_key!r} (columns: {', '.join(frame.columns)}); name it with ?text=COL")
    frame = frame.rename({text_key: "text"}) if text_key != "text" else frame
    if "doc_id" not in frame.columns:
        frame = frame.with_row_index("doc_id")
    for column, default in (("lang", "und"), ("split", "all")):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(default).alias(column))
    frame = check_document_sizes(_typed(frame.select(list(SCHEMA)), path), spec, str(path))
    return Corpus(Spec(spec.scheme, str(path.resolve()), spec.params), frame, 0, str(path))
