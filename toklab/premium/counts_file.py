"""Counts files: a table of counted tokens (doc_id, lang, model, tokens) as CSV, JSON lines or
Parquet, so a person with a vendor key can share the counts with one without.

Every line is checked on reading: a missing column, a doc_id or count that is not a whole number
≥ 0, or a (doc_id, lang, model) given twice is an error naming the file and the line.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl

from toklab.errors import CorruptFileError, SpecError
from toklab.paths import atomic_path
from toklab.premium.user_files import BOM, check_text, require_regular_file


class CountsFileError(CorruptFileError):
    """A counts file whose content is not a valid table of counts."""


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


COUNT_COLUMNS = ("doc_id", "lang", "model", "tokens")
COUNTS_SCHEMA = {"doc_id": pl.Int64, "lang": pl.Utf8, "model": pl.Utf8, "tokens": pl.Int64}
FORMATS = (".csv", ".jsonl", ".parquet")


def write_counts_file(frame: pl.DataFrame, path) -> None:
    """Write counts (doc_id, lang, model, tokens) as CSV, JSON lines or Parquet (by suffix), atomically."""
    path = Path(path)
    rows = _validated_rows(f"counts for {path}", enumerate(frame.iter_rows(named=True), 1), frame.columns,
                           where="row")
    table = pl.DataFrame(rows, schema=COUNTS_SCHEMA, orient="row").sort("model", "lang", "doc_id")
    suffix = _suffix(path)
    with atomic_path(path) as tmp:
        if suffix == ".parquet":  # through Python's file: a full disk is ENOSPC, not polars' "invalid thrift"
            buffer = io.BytesIO()
            table.write_parquet(buffer)
            tmp.write_bytes(buffer.getvalue())
        elif suffix == ".jsonl":
            table.write_ndjson(tmp)
        else:
            table.write_csv(tmp)


def read_counts_file(path) -> pl.DataFrame:
    """Counts from a file `write_counts_file` wrote (or a person typed): every line checked.

    A missing column, a doc_id or token count that is not a whole number ≥ 0, or a (doc_id, lang,
    model) given twice is an error naming the file and the line.
    """
    path = Path(path)
    suffix = _suffix(path)
    require_regular_file(path, "counts file")
    if suffix == ".parquet":
        try:
            frame = pl.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 — polars raises several kinds for a damaged file
            raise CountsFileError(f"{path}: not a readable Parquet file ({_one_line(str(exc), 120)})") from None
        rows = _validated_rows(path, enumerate(frame.iter_rows(named=True), 1), frame.columns, where="row")
    else:
        try:
            text = path.read_text(encoding="utf-8").removeprefix(BOM)  # a spreadsheet's BOM is not the header
        except UnicodeDecodeError as exc:
            raise CountsFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        rows = _jsonl_rows(path, text) if suffix == ".jsonl" else _csv_rows(path, text)
    return pl.DataFrame(rows, schema=COUNTS_SCHEMA, orient="row")


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise SpecError(f"counts file {path}: name it with one of {', '.join(FORMATS)} to say its format")
    return suffix


def _csv_rows(path: Path, text: str) -> list[tuple]:
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    return _validated_rows(path, ((reader.line_num, row) for row in reader), columns, where="line", header=1)


def _jsonl_rows(path: Path, text: str) -> list[tuple]:
    def records():
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            except RecursionError:
                raise CountsFileError(f"{path}, line {number}: not valid JSON (nested too deeply)") from None
            if not isinstance(record, dict):
                raise CountsFileError(f"{path}, line {number}: not a JSON object")
            missing = [c for c in COUNT_COLUMNS if c not in record]
            if missing:
                need = ", ".join(COUNT_COLUMNS)
                raise CountsFileError(f"{path}, line {number}: no {', '.join(missing)} (need {need})")
            yield number, record

    return _validated_rows(path, records(), COUNT_COLUMNS, where="line")


def _validated_rows(source, numbered_records, columns, *, where: str, header: int | None = None) -> list[tuple]:
    """(doc_id, lang, model, tokens) of every record; errors name `source` and the line (or row)."""
    missing = [c for c in COUNT_COLUMNS if c not in columns]
    if missing:
        place = f", line {header}" if header else ""
        raise CountsFileError(f"{source}{place}: no column {', '.join(missing)} (need {', '.join(COUNT_COLUMNS)})")
    rows, seen = [], {}
    for number, record in numbered_records:
        at = f"{source}, {where} {number}"
        doc_id, tokens = _whole(record["doc_id"], at, "doc_id"), _whole(record["tokens"], at, "tokens")
        lang, model = _name(record["lang"], at, "lang"), _name(record["model"], at, "model")
        key = (doc_id, lang, model)
        if key in seen:
            raise CountsFileError(f"{at}: doc_id {doc_id}, {lang}, {model} is counted twice (also {where} {seen[key]})")
        seen[key] = number
        rows.append((doc_id, lang, model, tokens))
    return rows


def _whole(value, at: str, column: str) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if type(value) is int and 0 <= value < 2**63:  # the table holds 64-bit integers
        return value
    if value is None or value == "":
        raise CountsFileError(f"{at}: no {column}")
    raise CountsFileError(f"{at}: {column} {value!r} is not a whole number from 0 to {2**63 - 1:,}")


def _name(value, at: str, column: str) -> str:
    if isinstance(value, str) and value.strip():
        return check_text(value.strip(), at, column)
    raise CountsFileError(f"{at}: no {column}")
