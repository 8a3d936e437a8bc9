"""The README's real-output blocks equal what the commands print today (see tests/readme_tour.py)."""

from __future__ import annotations

import pytest

from tests import readme_tour


@pytest.mark.slow
def test_readme_tour_blocks_are_what_the_commands_print(flores_ready, tiktoken_ready, capsys):
    assert readme_tour.main(["--check"]) == 0, capsys.readouterr().err[-6000:]


def test_every_tour_entry_has_its_block():
    blocks = {m.group(1) for m in readme_tour.MARKER.finditer(readme_tour.README.read_text(encoding="utf-8"))}
    assert blocks == set(readme_tour.TOUR)
