"""FLORES-200 from a local copy (option, `$TOKLAB_DATA/flores200`, the cache) or the official
release, downloaded once. Documents are line-aligned across languages: `doc_id` is the line's
position over the requested splits (dev lines first), shared by every language.
"""

from __future__ import annotations

from pathlib import Path

from corpora.decode import decode_utf8, split_lines
from corpora.download import Progress, fetch_source
from corpora.frame import Corpus, make_frame
from corpora.sources import FLORES200, Source
from toklab.cache import cache_dir_or_none
from toklab.errors import CorpusError, MissingFileError, SpecError
from toklab.paths import data_root
from toklab.spec import Spec
from toklab.suggest import nearest

DEFAULTS = {"split": "dev+devtest"}


def locate(source: Source, explicit: str | None, progress: Progress | None = None, download: bool = True) -> Path:
    """The directory holding the source's split folders, downloading it when absent."""
    if explicit:
        path = Path(explicit).expanduser()
        if not (path / next(iter(source.splits))).is_dir():
            raise CorpusError(f"{path}: no {next(iter(source.splits))}/ folder; point path= at the {source.name} directory")
        return path
    candidates = []
    if data_root() is not None:
        candidates.append(data_root() / source.name)
    cache = cache_dir_or_none("corpora")
    if cache is not None:
        candidates.append(cache / source.name)
    for path in candidates:
        if all((path / split).is_dir() for split in source.splits):
            return path
    looked = "looked in " + (", ".join(map(str, candidates)) or "no location: TOKLAB_DATA unset")
    if not download or cache is None:
        raise MissingFileError(f"{source.name} not found ({looked}) and the cache cannot hold a download; set "
                               f"TOKLAB_DATA to a directory holding {source.name}/, or name the copy with "
                               f"--corpus \"{source.name}?path=DIR\"")
    return fetch_source(source, cache, progress, looked)


def available_langs(root: Path, source: Source) -> list[str]:
    split = next(iter(source.splits))
    suffix = f".{split}"
    return sorted(p.name[: -len(suffix)] for p in (root / split).glob(f"*{suffix}"))


def parse_splits(spec: Spec, source: Source) -> list[str]:
    splits = (spec.get("split") or DEFAULTS["split"]).split("+")
    for split in splits:
        if split not in source.splits:
            raise SpecError(f"{spec}: unknown split {split!r}; {source.name} has {', '.join(source.splits)}")
    return splits


def parse_langs(spec: Spec, known: list[str]) -> list[str]:
    wanted = spec.get("langs")
    if not wanted:
        return known
    langs = [code.strip() for code in wanted.split(",") if code.strip()]
    for code in langs:
        if code not in known:
            raise SpecError(f"{spec}: unknown language {code!r}" + nearest(code, known))
    return langs


def read_lines(path: Path, replace: bool) -> tuple[list[str], int]:
    if not path.is_file():
        raise CorpusError(f"{path} is missing; the FLORES-200 copy is incomplete")
    text, replaced = decode_utf8(path.read_bytes(), path, replace=replace)
    return split_lines(text), replaced


def check_alignment(counts: dict[Path, int], expected: int | None, fix: str = "make every file hold one line per document") -> None:
    """Parallel files must hold the same number of lines (and the expected number, if known)."""
    distinct = set(counts.values())
    if len(distinct) <= 1 and (expected is None or distinct <= {expected}):
        return
    shown = [f"{p} has {n} lines" for p, n in counts.items() if expected is None or n != expected][:6]
    wanted = f"expected {expected} lines each" if expected else "line counts differ"
    raise CorpusError(f"parallel files are misaligned ({wanted}): {'; '.join(shown)}; {fix}")


def load_flores(spec: Spec, progress: Progress | None = None) -> Corpus:
    source = FLORES200
    root = locate(source, spec.get("path"), progress)
    splits = parse_splits(spec, source)
    langs = parse_langs(spec, available_langs(root, source))
    replace = spec.get("errors") == "replace"
    rows: dict[str, list] = {"doc_id": [], "lang": [], "split": [], "text": []}
    replaced_total = 0
    for split in splits:
        counts: dict[Path, int] = {}
        offset = sum(source.splits[s] for s in splits[: splits.index(split)])
        for lang in langs:
            path = root / source.file_pattern.format(split=split, lang=lang)
            lines, replaced = read_lines(path, replace)
            replaced_total += replaced
            counts[path] = len(lines)
            rows["doc_id"].extend(range(offset, offset + len(lines)))
            rows["lang"].extend([lang] * len(lines))
            rows["split"].extend([split] * len(lines))
            rows["text"].extend(lines)
        check_alignment(counts, source.splits[split], "restore the files from the official release")
    canonical = spec.without_defaults(DEFAULTS)
    if canonical.get("langs") and set(langs) == set(available_langs(root, source)):
        canonical = canonical.without_defaults({"langs": canonical.get("langs")})
    canonical = canonical.without_defaults({"path": spec.get("path") or ""})
    return Corpus(Spec("flores200", "", canonical.params), make_frame(rows), replaced_total, str(root))
