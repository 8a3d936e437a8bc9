"""Caches cannot serve a wrong number: content-addressed keys, checksums verified on read,
damaged entries recomputed with one warning, an unwritable cache reported once."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from toklab.memo import clear_memos


def audit_json(corpus: str, tokenizer: str = "tiktoken:cl100k_base"):
    result = run_cli("audit", "-t", tokenizer, "--corpus", corpus, "--resamples", "20", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{"):])
    return {r["lang"]: r["premium"] for r in payload["rows"]}, payload["signature"], result.output


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKLAB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_edit_with_same_byte_and_line_counts_is_measured_again(tiny_parallel, tiktoken_ready, home):
    before, signature_before, _ = audit_json(f"file:{tiny_parallel}")
    french = tiny_parallel / "fra_Latn.txt"
    text = french.read_text(encoding="utf-8")
    edited = "".join(c if c in "\n " or not c.isascii() else "x" for c in text)  # same bytes, same lines
    assert len(edited.encode()) == len(text.encode())
    french.write_text(edited, encoding="utf-8")
    after, signature_after, _ = audit_json(f"file:{tiny_parallel}")
    assert after["fra_Latn"] != before["fra_Latn"]
    assert signature_after != signature_before  # the content hash names what was measured
    fresh, _, _ = audit_json(f"file:{tiny_parallel}")
    assert fresh == after


@pytest.mark.parametrize("damage", ["flip", "truncate", "foreign"])
def test_damaged_entry_is_recomputed_with_one_warning(tiny_parallel, tiktoken_ready, home, damage):
    clean, _, _ = audit_json(f"file:{tiny_parallel}")
    entries = list((home / "measurements").iterdir())
    assert entries
    for entry in entries:
        data = bytearray(entry.read_bytes())
        if damage == "flip":
            data[len(data) // 2] ^= 0x01
        elif damage == "truncate":
            data = data[: len(data) // 3]
        else:
            data = bytearray(b"PAR1 not a toklab entry")
        entry.write_bytes(bytes(data))
    again, _, output = audit_json(f"file:{tiny_parallel}")
    assert again == clean
    warnings = [line for line in output.splitlines() if line.startswith("warning: cache entry")]
    assert len(warnings) == len(entries) and "discarded, recomputing" in warnings[0]
    third, _, output = audit_json(f"file:{tiny_parallel}")
    assert third == clean and "warning" not in output  # the recomputed entry was stored again


def test_every_single_byte_flip_is_caught(tiny_parallel, home):
    from toklab.cache import read_entry, write_entry

    entry = home / "probe.bin"
    payload = bytes(range(256)) * 4
    for position in range(0, len(payload) + 90, 7):
        write_entry(entry, payload)
        data = bytearray(entry.read_bytes())
        data[position % len(data)] ^= 0x20
        entry.write_bytes(bytes(data))
        with pytest.warns(UserWarning):
            assert read_entry(entry) is None


def test_unwritable_home_finishes_and_says_so_once(tiny_parallel, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("TOKLAB_HOME", str(blocker / "home"))
    result = run_cli("audit", "-t", "bytes:utf8", "-t", "chars:unicode", "--corpus", f"file:{tiny_parallel}",
                     "--resamples", "20")
    assert result.exit_code == 0, result.output
    assert result.output.count("is not writable") == 1 and "Traceback" not in result.output


def test_trained_tokenizer_cache_is_verified(tiny_parallel, home):
    from toklab import registry

    spec = f"train:bytebpe?vocab=300&corpus=file:{tiny_parallel}"
    first = registry.load_tokenizer(spec).encode("The cat sat")
    (cached,) = [p for p in (home / "tokenizers").iterdir() if p.suffix == ".json"]
    cached.write_text(cached.read_text().replace('"merges"', '"merges_damaged"'))
    clear_memos("tokenizers")
    with pytest.warns(UserWarning, match="does not match its recorded checksum"):
        again = registry.load_tokenizer(spec).encode("The cat sat")
    assert again == first


def test_trained_tokenizer_key_follows_corpus_content(tiny_parallel, home):
    from toklab import registry

    spec = f"train:bytebpe?vocab=300&corpus=file:{tiny_parallel}"
    registry.load_tokenizer(spec)
    english = tiny_parallel / "eng_Latn.txt"
    english.write_text(english.read_text().replace("cat", "dog"))
    clear_memos("tokenizers")

    clear_memos("corpora")
    registry.load_tokenizer(spec)
    assert len([p for p in (home / "tokenizers").iterdir() if p.suffix == ".json"]) == 2


def test_loss_rows_are_cached_by_content(tiny_parallel, home):
    """The information-loss rows are kept (a report reads them again) and follow the text, not its name."""
    from corpora import load_corpus
    from tests.conftest import shared_path
    from toklab.loss import run_loss
    from toklab.registry import load_tokenizer

    minilm = load_tokenizer(f"hf:{shared_path('models/all-MiniLM-L6-v2')}")  # lower-cases: lossy
    first = run_loss([minilm], load_corpus(f"file:{tiny_parallel}")).rows
    assert len(list((home / "loss").iterdir())) == 1
    assert run_loss([minilm], load_corpus(f"file:{tiny_parallel}")).rows.equals(first)
    english = tiny_parallel / "eng_Latn.txt"
    english.write_text(english.read_text(encoding="utf-8").lower(), encoding="utf-8")  # now nothing to lower-case
    clear_memos()
    after = run_loss([minilm], load_corpus(f"file:{tiny_parallel}")).rows
    lost = dict(zip(after["lang"], after["chars_lost"]))
    assert dict(zip(first["lang"], first["chars_lost"]))["eng_Latn"] > 0 and lost["eng_Latn"] == 0
    assert len(list((home / "loss").iterdir())) == 2


def test_byte_evaluation_is_cached_by_checkpoint_and_text_content(flores_ready, tiny_parallel, home, tmp_path):
    """A report with --byte-run reads the evaluation back; retrained weights or an edited text miss."""
    import shutil

    import toklab
    from byte_model.train import BEST

    def run(name: str, seed: int):
        return toklab.train_byte_model(tmp_path / name, preset="tiny", steps=2, seed=str(seed),
                                       corpus="flores200?split=dev&langs=eng_Latn")

    first, other = run("a", 0), run("b", 1)
    corpus = f"file:{tiny_parallel}"
    scored = toklab.evaluate_byte_model(first, corpus)
    assert len(list((home / "evaluations").iterdir())) == 1
    again = toklab.evaluate_byte_model(first, corpus)
    assert again.per_lang.equals(scored.per_lang) and again.signature == scored.signature
    assert len(list((home / "evaluations").iterdir())) == 1
    shutil.copyfile(other / BEST, first / BEST)  # other weights under the same run directory
    retrained = toklab.evaluate_byte_model(first, corpus)
    assert retrained.overall != scored.overall and len(list((home / "evaluations").iterdir())) == 2
    english = tiny_parallel / "eng_Latn.txt"
    english.write_text(english.read_text(encoding="utf-8").upper(), encoding="utf-8")
    clear_memos()
    edited = toklab.evaluate_byte_model(first, corpus)
    assert edited.overall != retrained.overall and len(list((home / "evaluations").iterdir())) == 3


def _new_entries(home, before: set) -> set:
    return {p for p in home.rglob("*") if p.is_file()} - before


def test_a_valid_entry_moved_under_another_key_is_refused(tiny_parallel, tiktoken_ready, home):
    """Both entries are intact and sealed; the seal binds the key, so r50k never reports cl100k's numbers."""
    r50k, _, _ = audit_json(f"file:{tiny_parallel}", "tiktoken:r50k_base")
    r50k_files = _new_entries(home, set())
    cl100k, _, _ = audit_json(f"file:{tiny_parallel}", "tiktoken:cl100k_base")
    cl100k_files = _new_entries(home, r50k_files)
    assert r50k != cl100k
    assert r50k_files and len(r50k_files) == len(cl100k_files)
    for mine, theirs in zip(sorted(r50k_files), sorted(cl100k_files, key=lambda p: (p.parent.name, p.suffix))):
        assert (mine.parent.name, mine.suffix) == (theirs.parent.name, theirs.suffix)
        mine.write_bytes(theirs.read_bytes())
    clear_memos()
    again, _, output = audit_json(f"file:{tiny_parallel}", "tiktoken:r50k_base")
    assert again == r50k
    assert "written for another key" in output


def test_cache_key_binds_inputs_and_code():
    from toklab.cache import cache_key, load, store

    key = cache_key("probe", "tok:a", "content:1", code=["toklab.cache"])
    assert store(key, b"answer for a")
    assert load(key) == b"answer for a"
    other = cache_key("probe", "tok:b", "content:1", code=["toklab.cache"])
    assert other.digest != key.digest and load(other) is None
    assert cache_key("probe", "tok:a", "content:1", code=["toklab.memo"]).digest != key.digest  # other code
    other.path().write_bytes(key.path().read_bytes())  # a valid entry, moved
    with pytest.warns(UserWarning, match="another key"):
        assert load(other) is None


def test_python_api_sees_a_file_edited_in_place_under_the_same_size_mtime_and_inode(tmp_path):
    import os

    from corpora import load_corpus

    path = tmp_path / "c.txt"
    path.write_text("aaaa\nbbbb\n", encoding="utf-8")
    first = load_corpus(f"file:{path}?lang=eng_Latn")
    info = os.stat(path)
    with open(path, "r+b") as fh:  # same inode, same size
        fh.write(b"cccc")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # the old mtime
    assert (os.stat(path).st_size, os.stat(path).st_mtime_ns, os.stat(path).st_ino) == (
        info.st_size, info.st_mtime_ns, info.st_ino)
    second = load_corpus(f"file:{path}?lang=eng_Latn")
    assert second.frame["text"].to_list() == ["cccc", "bbbb"]
    assert second.content_hash != first.content_hash
