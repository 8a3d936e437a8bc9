"""Language and script names come from CLDR (babel) and ISO 639-3 (pycountry), not from a hand-made
table: every FLORES-200 language has a name, the names of a corpus tell its languages apart, and a
script is named only where it is not the language's usual one."""

from __future__ import annotations

import pytest

from toklab.languages import language_name, language_names, script_label


@pytest.fixture(scope="module")
def flores_codes():
    from tests.conftest import shared_path

    return sorted(p.name.split(".")[0] for p in (shared_path("corpora/flores200") / "devtest").iterdir())


def test_every_flores_language_has_a_name_and_the_names_tell_them_apart(flores_codes):
    names = language_names(flores_codes)
    assert len(flores_codes) == 204 and all(names[code] != code for code in flores_codes)
    assert len(set(names.values())) == len(names)
    assert names["zho_Hans"] == "Chinese (Simplified)" and names["zho_Hant"] == "Chinese (Traditional)"
    assert names["arb_Arab"] == "Standard Arabic (Arabic script)" and names["arb_Latn"].endswith("(Latin script)")
    assert names["prs_Arab"] == "Dari" and names["pes_Arab"] == "Iranian Persian"  # not both "Persian"


def test_a_script_is_named_only_where_it_is_not_the_usual_one(flores_codes):
    for code in flores_codes:
        name = language_name(code)
        lang_part = name.split(" (")[0]
        assert f"({lang_part}" not in name, name  # never "Tamil (Tamil)"
    assert [language_name(c) for c in ("tam_Taml", "shn_Mymr", "kor_Hang", "kas_Deva")] == [
        "Tamil", "Shan", "Korean", "Kashmiri (Devanagari script)"]


def test_script_labels_cannot_be_read_as_countries():
    assert script_label("Mymr") == "Myanmar script" and script_label("Hans") == "Simplified Han script"
    assert script_label("Qzzz") == "Qzzz"  # a code CLDR does not name comes back as it is


def test_an_unknown_code_comes_back_as_it_is():
    assert language_name("xx_Latn") == "xx_Latn" and language_name("") == ""
