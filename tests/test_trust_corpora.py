"""Corpora under hostile input (issue 25, slice B): alignment is checked, not assumed; the pivot
must have text; corpus folders hold only language files; both JSON-lines readers give one answer;
empty corpora, odd limits and paths that never end are one-line errors.

Premiums are checked against values computed by hand with `bytes:utf8` (tokens = UTF-8 bytes)."""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys

import polars as pl
import pytest

from corpora import load_corpus
from corpora.readers import Block, parse_jsonl
from corpora.stream import open_stream
from tests.conftest import CLI_SCRIPT, run_cli
from tests.test_errors_cli import assert_one_line_error
from tests.test_trust_inputs import untouched  # noqa: F401  (fixture)
from toklab.errors import CorpusError, SpecError, ToklabError
from toklab.memo import clear_memos
from toklab.premium.audit import AuditOptions, run_audit
from toklab.bootstrap import BootstrapOptions
from toklab.registry import load_tokenizer
from toklab.spec import Spec

OPTIONS = AuditOptions(bootstrap=BootstrapOptions(resamples=20))

# doc_id → text per language; bytes: eng 4+6+2 = 12, fra 6+9+3 = 18 (1.5×), deu 5+7+8 = 20 (1.667×)
PARALLEL = {"eng_Latn": ["aaaa", "bbbbbb", "cc"], "fra_Latn": ["aaaaaa", "bbbbbbbbb", "ccc"],
            "deu_Latn": ["aaaaa", "bbbbbbb", "cccccccc"]}


@pytest.fixture(autouse=True)
def fresh_memo():
    clear_memos("corpora")
    yield
    clear_memos("corpora")


def records(parallel=PARALLEL, extra=()) -> list[dict]:
    rows = [{"doc_id": i, "lang": lang, "text": text} for lang, texts in parallel.items() for i, text in enumerate(texts)]
    return rows + list(extra)


def write_corpus(folder, rows: list[dict], fmt: str) -> str:
    """The same records as JSON lines or as Parquet; returns the corpus spec."""
    if fmt == "jsonl":
        path = folder / "c.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        path = folder / "c.parquet"
        pl.DataFrame(rows, schema={"doc_id": pl.Int64, "lang": pl.Utf8, "text": pl.Utf8}).write_parquet(path)
    return f"{fmt}:{path}"


def premiums(spec: str, streamed: bool) -> dict[str, dict]:
    corpus = open_stream(spec) if streamed else load_corpus(spec)
    result = run_audit([load_tokenizer("bytes:utf8")], corpus, OPTIONS)
    return {row["lang"]: row | {"signature": result.signature} for row in result.rows.iter_rows(named=True)}


# --- 1. alignment ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_aligned_premium_is_the_ratio_of_totals(tmp_path, fmt, streamed):
    rows = premiums(write_corpus(tmp_path, records(), fmt), streamed)
    assert rows["fra_Latn"]["premium"] == 1.5 and rows["deu_Latn"]["premium"] == pytest.approx(20 / 12)
    assert rows["deu_Latn"]["docs"] == 3 and rows["deu_Latn"]["bytes"] == 20


MISALIGNED = {
    # a second document under one id: the pivot's partner would be counted twice
    "duplicate": ([{"doc_id": 1, "lang": "fra_Latn", "text": "zz"}], ("fra_Latn has 2 documents with doc_id 1",
                                                                        "renumber")),
    "duplicate in the pivot": ([{"doc_id": 0, "lang": "eng_Latn", "text": "zz"}], ("eng_Latn has 2 documents",)),
    # documents the pivot lacks: dropped from the ratio while the row still counted them
    "unpaired": ([{"doc_id": 12, "lang": "deu_Latn", "text": "x"}, {"doc_id": 13, "lang": "deu_Latn", "text": "y"}],
                 ("2 documents of deu_Latn (ids 12, 13) have no partner in the pivot eng_Latn", "?align=shared")),
    # a pivot document a language lacks
    "missing": ([{"doc_id": 5, "lang": "eng_Latn", "text": "x"}, {"doc_id": 5, "lang": "fra_Latn", "text": "y"}],
                ("1 document of the pivot eng_Latn (id 5) has no partner in deu_Latn", "?align=shared")),
}


@pytest.mark.parametrize("case", MISALIGNED)
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_misaligned_corpus_is_refused_by_the_audit(tmp_path, fmt, case):
    extra, needles = MISALIGNED[case]
    spec = write_corpus(tmp_path, records(extra=extra), fmt)
    assert_one_line_error(run_cli("audit", "-t", "bytes:utf8", "--corpus", spec, "--resamples", "20"), *needles)
    for streamed in (False, True):  # the corpus held in memory, and read block by block
        with pytest.raises(CorpusError, match="partner|documents with doc_id"):
            premiums(spec, streamed)
    joined = run_cli("audit", "-t", "bytes:utf8", "--method", "joined", "--corpus", spec)
    assert_one_line_error(joined, *needles)


@pytest.mark.parametrize("case", MISALIGNED)
def test_corpora_show_tells_the_truth_about_alignment(tmp_path, case):
    spec = write_corpus(tmp_path, records(extra=MISALIGNED[case][0]), "jsonl")
    shown = json.loads(run_cli("corpora", "show", spec, "--format", "json").output)
    assert shown["aligned"] is False
    assert sum(lang["duplicated"] + lang["unshared"] for lang in shown["langs"]) > 0
    table = run_cli("corpora", "show", spec, width=200).output
    assert "aligned across languages: no" in table and "align=shared" in table
    good = json.loads(run_cli("corpora", "show", write_corpus(tmp_path, records(), "jsonl"), "--format", "json").output)
    assert good["aligned"] is True and good["dropped"] is None


@pytest.mark.parametrize("streamed", [False, True])
def test_align_shared_measures_the_shared_documents_and_says_so(tmp_path, streamed):
    # deu lacks doc 2: on docs 0 and 1, eng 10 bytes, fra 15 (1.5×), deu 12 (1.2×)
    parallel = dict(PARALLEL, deu_Latn=PARALLEL["deu_Latn"][:2])
    extra = [{"doc_id": 9, "lang": "fra_Latn", "text": "only in French"}]
    spec = write_corpus(tmp_path, records(parallel, extra), "jsonl") + "?align=shared"
    rows = premiums(spec, streamed)
    assert rows["fra_Latn"]["premium"] == 1.5 and rows["deu_Latn"]["premium"] == 1.2
    assert {lang: (row["docs"], row["bytes"]) for lang, row in rows.items()} == {
        "eng_Latn": (2, 10), "fra_Latn": (2, 15), "deu_Latn": (2, 12)}
    signature = rows["eng_Latn"]["signature"]
    assert "align:shared|dropped:3|dropped_by_lang:eng_Latn=1,fra_Latn=2" in signature
    shown = run_cli("corpora", "show", spec, width=200).output
    assert "3 documents without a partner in every language left out" in shown


def test_align_shared_still_refuses_duplicates_and_bad_values(tmp_path):
    spec = write_corpus(tmp_path, records(extra=MISALIGNED["duplicate"][0]), "jsonl")
    assert_one_line_error(run_cli("audit", "-t", "bytes:utf8", "--corpus", spec + "?align=shared"), "doc_id 1")
    assert_one_line_error(run_cli("corpora", "show", spec + "?align=all"), "align='all'", "align=shared")
    disjoint = write_corpus(tmp_path, [{"doc_id": 0, "lang": "eng_Latn", "text": "a"},
                                       {"doc_id": 1, "lang": "fra_Latn", "text": "b"}], "jsonl")
    assert_one_line_error(run_cli("corpora", "show", disjoint + "?align=shared"), "leaves no documents")


def test_single_language_and_flores_are_unchanged(tmp_path, tiny_parallel):
    single = tmp_path / "one.txt"
    single.write_text("first\nsecond\n", encoding="utf-8")
    shown = json.loads(run_cli("corpora", "show", f"file:{single}?lang=fra_Latn", "--format", "json").output)
    assert shown["aligned"] is True and shown["langs"][0]["docs"] == 2
    rows = premiums(f"file:{tiny_parallel}", streamed=False)
    assert rows["eng_Latn"]["premium"] == 1.0 and rows["fra_Latn"]["docs"] == 4


# --- 2. a pivot (or any language) without text ---------------------------------------------------------------


@pytest.mark.parametrize("empty_lang, needles", [
    ("eng_Latn", ("pivot eng_Latn has no text (0 bytes in 3 documents)", "--pivot")),
    ("fra_Latn", ("language fra_Latn has no text", "--langs")),
])
@pytest.mark.parametrize("method", ["totals", "joined"])
def test_language_without_text_is_refused(tmp_path, empty_lang, needles, method):
    spec = write_corpus(tmp_path, records(dict(PARALLEL, **{empty_lang: ["", "", ""]})), "jsonl")
    result = run_cli("audit", "-t", "bytes:utf8", "--method", method, "--corpus", spec)
    assert_one_line_error(result, *needles)
    folder = tmp_path / "dir"
    folder.mkdir()
    for lang, texts in PARALLEL.items():
        (folder / f"{lang}.txt").write_text("\n" * 3 if lang == empty_lang else "\n".join(texts) + "\n")
    assert_one_line_error(run_cli("audit", "-t", "bytes:utf8", "--corpus", f"file:{folder}"), *needles)


@pytest.mark.parametrize("streamed", [False, True])
def test_pivot_documents_without_text_leave_no_nan_in_the_interval(tmp_path, streamed):
    # resamples that draw only eng's empty documents have no premium: they are left out, not NaN or inf
    spec = write_corpus(tmp_path, records({"eng_Latn": ["", "", "abc"], "fra_Latn": ["a", "b", "cd"]}), "jsonl")
    rows = premiums(spec, streamed)
    assert rows["fra_Latn"]["premium"] == pytest.approx(4 / 3)
    for row in rows.values():
        assert all(math.isfinite(row[key]) for key in ("premium_lo", "premium_hi", "ratio_p10", "ratio_p90")), row
    assert rows["eng_Latn"]["premium_lo"] == rows["eng_Latn"]["premium_hi"] == 1.0


# --- 3. what a corpus folder may hold -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["README", "LICENSE", "notes.txt", "readme.md", "corpus_info.txt"])
def test_a_file_not_named_by_language_is_refused(tmp_path, untouched, name):
    folder = untouched / "c"
    folder.mkdir()
    for lang in ("eng_Latn", "fra_Latn"):
        (folder / f"{lang}.txt").write_text("one\ntwo\n")
    (folder / name).write_text("about\nthis\n")
    for args in (("corpora", "show", f"file:{folder}"), ("audit", "-t", "bytes:utf8", "--corpus", f"file:{folder}")):
        assert_one_line_error(run_cli(*args), name, "not a language code", "move it out")


@pytest.mark.parametrize("first, second", [("fra_Latn.txt", "fra_Latn.md"), ("fr.txt", "fr.dev.txt"),
                                           ("zh-Hant.txt", "zh_Hant.txt")])
def test_two_files_of_one_language_are_refused(tmp_path, first, second):
    for name in ("eng_Latn.txt", first, second):
        (tmp_path / name).write_text("one\ntwo\n")
    assert_one_line_error(run_cli("corpora", "show", f"file:{tmp_path}"), first, second, "one file per language")


def test_language_codes_of_every_shape_are_read(tmp_path):
    for name in ("eng_Latn.txt", "fr.txt", "deu.txt", "zh-Hant.txt", "pt_BR.txt", "es-419.txt", ".hidden"):
        (tmp_path / name).write_text("one\ntwo\n")
    assert load_corpus(f"file:{tmp_path}").langs == ["deu", "eng_Latn", "es-419", "fr", "pt_BR", "zh-Hant"]


def test_a_folder_or_device_inside_a_corpus_folder_is_refused(tmp_path):
    (tmp_path / "eng_Latn.txt").write_text("one\n")
    (tmp_path / "dev").mkdir()
    assert_one_line_error(run_cli("corpora", "show", f"file:{tmp_path}"), "dev is a directory", "move it out")
    (tmp_path / "dev").rmdir()
    (tmp_path / "fra_Latn.txt").symlink_to("/dev/zero")
    assert_one_line_error(run_cli("corpora", "show", f"file:{tmp_path}"), "fra_Latn.txt is a character device")
    (tmp_path / "fra_Latn.txt").unlink()
    (tmp_path / "fra_Latn.txt").symlink_to(tmp_path / "gone.txt")  # a dangling link: not a language left out
    assert_one_line_error(run_cli("corpora", "show", f"file:{tmp_path}"), "fra_Latn.txt: cannot be read")


# --- 4. one answer from both JSON-lines readers ---------------------------------------------------------------

HOSTILE = [
    '{"text": 12345}', '{"text": true}', '{"text": null}', '{"text": {"a": 1}}', '{"text": [1]}', '{"text": 1.5}',
    '{"text": "a", "lang": 5}', '{"text": "a", "lang": null}', '{"text": "a", "lang": true}', '{"text": "a", "lang": {}}',
    '{"text": "a", "lang": ""}', '{"text": "a", "lang": " fra"}', '{"text": "a", "split": 5}',
    '{"text": "a", "split": null}', '{"text": "a", "split": ["x"]}', '{"text": "a", "doc_id": 1.5}',
    '{"text": "a", "doc_id": "1.0"}', '{"text": "a", "doc_id": "7"}', '{"text": "a", "doc_id": true}',
    '{"text": "a", "doc_id": 1.0}', '{"text": "a", "doc_id": 99999999999999999999999}', '{"text": "a", "doc_id": -3}',
    '{"text": "a", "doc_id": null}', '{"text": "a", "doc_id": {"x": 1}}', '{"text": "a", "doc_id": "٣"}',
    '{"text": "a", "doc_id": 9223372036854775808}', '{"text": "a", "doc_id": NaN}', '[1, 2]', '"abc"', '5', 'null',
    '{"text": "a", "text": "b"}', '{"text": "a", "text": 5}', '{"te\\u0078t": "a"}', '{"text": "a", "te\\u0078t": "b"}',
    '{"text": "a", "lang": "fra", "lang": "eng"}', '{"text": "a"} x', '{"text": "a",}', '{"text": "\\ud800"}',
    '{"text": "a", "lang": "\\udc00"}', '{"text": "\\ud83d\\ude00"}', '{"text": "a", "m": {"text": 5}}', '{"text" : "a"}',
    '{"text":"a","split":"text"}', '{"text":"x\\"text\\": 5"}', '{"text": "a\\u0001b"}', '{}', '{"text": ""}',
]


def read_answer(raw: bytes, block_size: int | None = None):
    """The frame a block gives, or the error it raises (a traceback fails the test)."""
    spec = Spec.parse("jsonl:c.jsonl")
    try:
        return parse_jsonl(Block(spec.target, raw), spec)[0].rows()
    except ToklabError as exc:
        return str(exc)


def contexts(line: str) -> list[list[str]]:
    """The hostile line among good lines of the same fields, alone, and repeated (polars infers a
    column's type from all its values: a number among strings is read as a string)."""
    try:
        record = json.loads(line)
    except ValueError:
        record = None
    good = {"text": "hello", "lang": "eng_Latn", "split": "dev", "doc_id": 0}
    fields = {key: good.get(key, "x") for key in record} if isinstance(record, dict) else {}
    same = json.dumps(fields | {"text": "hello"})
    return [[same, line, same], [line], [line, line], ['{"text": "hello"}', line]]


@pytest.mark.parametrize("line", HOSTILE)
def test_both_json_readers_give_one_answer(line):
    for lines in contexts(line):
        lf = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
        crlf = lf.replace(b"\n", b"\r\n")  # a CR sends the block to the line-by-line reader
        assert read_answer(lf) == read_answer(crlf), lines


@pytest.mark.parametrize("record, needles", [
    ({"text": 12345}, ("line 2", "'text' is a number 12345", "not a string")),
    ({"text": "a", "lang": 7}, ("line 2", "'lang' is a number 7")),
    ({"text": "a", "split": False}, ("line 2", "'split' is a boolean")),
    ({"text": "a", "doc_id": 1.5}, ("line 2", "'doc_id' is 1.5", "not an integer")),
    ({"text": "a", "doc_id": "1.0"}, ("line 2", '"1.0"', "not an integer")),
    ({"text": "a", "doc_id": 2 ** 64}, ("line 2", "outside the 64-bit range")),
    (["text", "a"], ("line 2", "an array, not a JSON object")),
    ("just text", ("line 2", "a string, not a JSON object")),
])
def test_a_bad_record_is_named_in_either_reader(tmp_path, record, needles):
    for ending in ("\n", "\r\n"):
        path = tmp_path / "c.jsonl"
        path.write_bytes((json.dumps({"text": "fine"}) + ending + json.dumps(record) + ending).encode())
        clear_memos("corpora")
        assert_one_line_error(run_cli("corpora", "show", f"jsonl:{path}"), str(path), *needles)
        assert_one_line_error(run_cli("audit", "-t", "bytes:utf8", "--corpus", f"jsonl:{path}"), *needles)


@pytest.mark.parametrize("columns, needles", [
    ({"doc_id": [1.0, 1.5]}, ("column 'doc_id' holds Float64", "not integers")),  # a cast would read 1.5 as 1
    ({"text": [12345, 2]}, ("column 'text' holds Int64", "not text")),  # a cast would read "12345"
    ({"text": [True, False]}, ("column 'text' holds Boolean",)),
    ({"lang": [5, 6]}, ("column 'lang' holds Int64",)),
    ({"lang": ["fra", None]}, ("column 'lang', row 1: null",)),
    ({"lang": ["fra", ""]}, ("column 'lang', row 1: ''", "language code")),
    ({"split": ["dev", None]}, ("column 'split', row 1: null",)),
    ({"doc_id": pl.Series([1, 2 ** 63], dtype=pl.UInt64)}, ("column 'doc_id', row 1", "64-bit integer")),
])
def test_parquet_columns_of_the_wrong_kind_are_refused(tmp_path, columns, needles):
    path = tmp_path / "c.parquet"
    pl.DataFrame({"text": ["a", "b"]} | columns).write_parquet(path)
    for args in (("corpora", "show", f"parquet:{path}"), ("audit", "-t", "bytes:utf8", "--corpus", f"parquet:{path}")):
        assert_one_line_error(run_cli(*args), str(path), *needles)


def test_streamed_blocks_read_what_the_whole_file_reads(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [json.dumps({"text": f"doc {i} é", "lang": "fra" if i % 2 else "eng", "doc_id": i // 2}) for i in range(200)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = load_corpus(f"jsonl:{path}").frame
    streamed = pl.concat([b.frame for b in open_stream(f"jsonl:{path}", block_bytes=300).blocks()])
    assert streamed.equals(whole)


# --- 5. empty corpora, limits and surrogates: one line, never a traceback ---------------------------------------


def _empty_dir(tmp_path):
    (tmp_path / "e").mkdir()
    return f"file:{tmp_path / 'e'}"


def _dir_of_empty_file(tmp_path):
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / "eng_Latn.txt").write_text("")
    return f"file:{tmp_path / 'e'}"


def _only_hidden(tmp_path):
    (tmp_path / "e").mkdir()
    (tmp_path / "e" / ".DS_Store").write_text("x")
    return f"file:{tmp_path / 'e'}"


def _empty_jsonl(tmp_path):
    (tmp_path / "e.jsonl").write_text("")
    return f"jsonl:{tmp_path / 'e.jsonl'}"


def _blank_jsonl(tmp_path):
    (tmp_path / "e.jsonl").write_text("\n  \n\n")
    return f"jsonl:{tmp_path / 'e.jsonl'}"


def _empty_parquet(tmp_path):
    pl.DataFrame({"text": []}, schema={"text": pl.Utf8}).write_parquet(tmp_path / "e.parquet")
    return f"parquet:{tmp_path / 'e.parquet'}"


def _empty_text_file(tmp_path):
    (tmp_path / "e.txt").write_text("")
    return f"file:{tmp_path / 'e.txt'}"


@pytest.mark.parametrize("make", [_empty_dir, _dir_of_empty_file, _only_hidden, _empty_jsonl, _blank_jsonl,
                                  _empty_parquet, _empty_text_file])
def test_an_empty_corpus_is_one_line(tmp_path, make):
    spec = make(tmp_path)
    for args in (("corpora", "show", spec), ("audit", "-t", "bytes:utf8", "--corpus", spec),
                 ("audit", "-t", "bytes:utf8", "--method", "joined", "--corpus", spec)):
        assert_one_line_error(run_cli(*args), "no")  # "no documents" / "no text files"


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "0", "-1", "abc", ""])
def test_document_limit_must_be_a_finite_positive_number(tmp_path, value):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "a"}\n')
    for args in (("corpora", "show", f"jsonl:{path}?max_doc_mb={value}"),
                 ("audit", "-t", "bytes:utf8", "--corpus", f"jsonl:{path}?max_doc_mb={value}")):
        assert_one_line_error(run_cli(*args), "max_doc_mb", "finite number")


@pytest.mark.parametrize("field", ["text", "lang", "split"])
def test_lone_surrogate_is_refused_by_both_readers(tmp_path, field):
    record = {"text": "ok", "lang": "fra", "split": "dev"}
    line = json.dumps(record).replace('"fra"' if field == "lang" else '"dev"' if field == "split" else '"ok"',
                                      '"a\\ud800"')
    for ending in (b"\n", b"\r\n"):
        path = tmp_path / "c.jsonl"
        path.write_bytes(line.encode() + ending)
        clear_memos("corpora")
        assert_one_line_error(run_cli("corpora", "show", f"jsonl:{path}"), "line 1", f"'{field}'", "\\ud800",
                              "cannot be encoded as UTF-8")


# --- 6. paths that are not files: refused at once -------------------------------------------------------------


def run_with_timeout(*args: str) -> subprocess.CompletedProcess:
    """The real entry point in a child, so a hang fails the test instead of stopping the suite."""
    return subprocess.run([sys.executable, str(CLI_SCRIPT), *args], capture_output=True, text=True, timeout=60)


def _fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    return tmp_path / "pipe"


def _socket(tmp_path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock"))
    return tmp_path / "sock"


@pytest.mark.parametrize("make, kind", [(lambda _: "/dev/zero", "character device"), (_fifo, "FIFO"),
                                        (_socket, "socket")])
@pytest.mark.parametrize("scheme", ["file", "jsonl", "parquet"])
def test_a_device_fifo_or_socket_is_refused_at_once(tmp_path, make, kind, scheme):
    target = make(tmp_path)
    for args in (("corpora", "show", f"{scheme}:{target}"), ("audit", "-t", "bytes:utf8", "--corpus", f"{scheme}:{target}")):
        out = run_with_timeout(*args)
        assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
        assert out.stderr.startswith("error: ") and kind in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_a_directory_is_not_a_jsonl_or_parquet_file(tmp_path):
    for scheme in ("jsonl", "parquet"):
        assert_one_line_error(run_cli("corpora", "show", f"{scheme}:{tmp_path}"), "is a directory", "file:")
    with pytest.raises(SpecError):  # and an unknown align value is refused before anything is read
        load_corpus(f"jsonl:{tmp_path}/x.jsonl?align=maybe")
