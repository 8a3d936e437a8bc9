"""User corpora: `file:` (a text file or a directory of them), `jsonl:`, `parquet:`."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from corpora.decode import decode_utf8, split_lines
from corpora.flores import check_alignment
from corpora.frame import SCHEMA, Corpus, make_frame
from toklab.errors import CorpusError, MissingFileError
from toklab.spec import Spec


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
    for file in files:
        text, n_bad = decode_utf8(file.read_bytes(), file, replace=replace)
        replaced += n_bad
        lines = split_lines(text)
        counts[file] = len(lines)
        lang = spec.get("lang") if not path.is_dir() else file.name.split(".")[0]
        rows["doc_id"].extend(range(len(lines)))
        rows["lang"].extend([lang or "und"] * len(lines))
        rows["split"].extend([spec.get("split", "all")] * len(lines))
        rows["text"].extend(lines)
    if len(files) > 1:
        check_alignment(counts, None)
    return Corpus(Spec(spec.scheme, str(path.resolve()), spec.params), make_frame(rows), replaced, str(path))


def load_jsonl(spec: Spec) -> Corpus:
    path = _existing(spec)
    text_key, lang_key = spec.get("text", "text"), spec.get("lang", "lang")
    id_key = spec.get("id", "doc_id")
    raw, replaced = decode_utf8(path.read_bytes(), path, replace=spec.get("errors") == "replace")
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
    return Corpus(Spec(spec.scheme, str(path.resolve()), spec.params), make_frame(rows), replaced, str(path))


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
    frame = _typed(frame.select(list(SCHEMA)), path)
    return Corpus(Spec(spec.scheme, str(path.resolve()), spec.params), frame, 0, str(path))
