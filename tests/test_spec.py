import pytest

from toklab.errors import SpecError
from toklab.spec import Spec


def test_canonical_sorts_params():
    assert Spec.parse("train:bpe?vocab=8000&corpus=flores200").canonical == "train:bpe?corpus=flores200&vocab=8000"


def test_defaults_dropped():
    spec = Spec.parse("flores200?split=dev+devtest&langs=eng_Latn")
    assert spec.without_defaults({"split": "dev+devtest"}).canonical == "flores200?langs=eng_Latn"


def test_nested_corpus_spec_survives_round_trip():
    inner = "flores200?split=dev"
    spec = Spec.parse("train:bpe?vocab=500&corpus=" + inner.replace("?", "%3F").replace("&", "%26"))
    assert spec.get("corpus") == inner
    assert Spec.parse(spec.canonical) == spec


@pytest.mark.parametrize("bad", ["", "train:bpe?vocab=1&vocab=2", "x:y?=3"])
def test_bad_specs(bad):
    with pytest.raises(SpecError):
        Spec.parse(bad)
