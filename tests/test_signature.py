"""Provenance as a type: a signature is made from named parts, rendered in one place, read by field."""

from __future__ import annotations

import pickle

from toklab.signature import Signature, build, library_versions, section, tokenizers


def test_result_signature_names_its_parts(tiny_parallel):
    from corpora import load_corpus
    from toklab import load_tokenizer
    from toklab.premium.audit import AuditOptions, run_audit
    from toklab.bootstrap import BootstrapOptions

    corpus = load_corpus(f"file:{tiny_parallel}")
    adapters = [load_tokenizer("bytes:utf8"), load_tokenizer("chars:unicode")]
    options = AuditOptions(bootstrap=BootstrapOptions(resamples=20))
    signature = run_audit(adapters, corpus, options).signature
    assert isinstance(signature, Signature)
    assert [t.get("tok") for t in signature.tokenizers] == ["bytes:utf8", "chars:unicode"]
    assert signature.section("corpus").get("corpus") == f"file:{tiny_parallel.resolve()}"
    assert signature.section("method").get("pivot") == "eng_Latn"
    assert signature.get("bootstrap") == "20x@0.95/seed0"
    assert signature.section("versions").get("toklab") == library_versions().get("toklab")
    assert str(signature).count("|toklab:") == 1  # versions once, at the end
    assert str(signature).endswith(str(library_versions()))


def test_text_is_rendered_from_the_parts_and_read_back_by_field():
    tok = Signature.of(("tok", "tiktoken:r50k_base"), ("sha256", "575286e919ed2641"))
    corpus = Signature.of(("corpus", "flores200?split=dev"), ("content", "abcd"))
    inner = build(tokenizers([tok]), section("corpus", corpus))
    outer = build(("experiment", "x"), section("scan", inner, prefix="scan_"), ("", "d64xL2xctx256"))
    text = str(outer)
    assert text.startswith("experiment:x|scan_tok:tiktoken:r50k_base|sha256:575286e919ed2641|corpus:flores200")
    assert "|d64xL2xctx256|" in text  # a bare token stays bare
    assert text.count("|python:") == 1  # the nested build's versions are not repeated
    parsed = Signature.parse(text)
    assert str(parsed) == text
    assert parsed.get("content") == "abcd" and outer.section("scan").section("corpus").get("content") == "abcd"


def test_signature_pickles_as_its_parts():
    signature = build(tokenizers([Signature.of(("tok", "a"))]), ("pivot", "eng_Latn"))
    again = pickle.loads(pickle.dumps(signature))
    assert isinstance(again, Signature) and again == signature and again.items == signature.items
    assert again.tokenizers[0].get("tok") == "a"


def test_parts_are_values_not_text():
    signature = Signature.of(("steps", 12), ("note", None), None)
    assert signature.get("steps") == "12" and str(signature) == "steps:12|note:None"
    assert Signature.of(signature, ("x", 1)).get("steps") == "12"
