"""Named corpus sources, declared as data (where, how to check, license, citation)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Source:
    name: str
    url: str
    url_env: str  # environment variable that overrides the URL (mirrors, tests)
    archive_root: str  # top-level folder inside the archive
    splits: dict[str, int]  # split -> lines every language file must have
    file_pattern: str  # relative path of one language's file, by split
    license: str
    citation: str
    description: str
    manifest: str = ""  # per-file sha256 sums of the release, checked after download (corpora/data/)


FLORES200 = Source(
    name="flores200",
    url="https://dl.fbaipublicfiles.com/nllb/flores200_dataset.tar.gz",
    url_env="TOKLAB_FLORES200_URL",
    archive_root="flores200_dataset",
    splits={"dev": 997, "devtest": 1012},
    file_pattern="{split}/{lang}.{split}",
    license="CC-BY-SA 4.0",
    citation="NLLB Team et al. (2022), No Language Left Behind; Goyal et al. (2022), The FLORES-101 benchmark",
    description="FLORES-200: 204 language-script codes, line-aligned translations of the same sentences",
    manifest="flores200.sha256",
)

SOURCES = {FLORES200.name: FLORES200}
