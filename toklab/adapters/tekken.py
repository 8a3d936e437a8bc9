"""`tekken:PATH` — Mistral's tiktoken-style JSON tokenizer.

The file lists byte-level ranks; ids 0..num_special-1 are reserved special tokens and rank r
has id r + num_special. Only the first `default_vocab_size - num_special` ranks are in use.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

from toklab.adapters.base import Adapter
from toklab.adapters.rust_errors import PROBE, library_failures
from toklab.adapters.tiktoken_adapter import TiktokenAdapter, _tiktoken_version, check_complete_ranks
from toklab.errors import CorruptFileError
from toklab.paths import not_a_file
from toklab.spec import Spec

# The only special names the Tekken file format fixes; the rest are reserved slots.
KNOWN_SPECIALS = {0: "<unk>", 1: "<s>", 2: "</s>"}


def _read_tekken(path: Path) -> dict:
    if not path.is_file():
        raise not_a_file(path, "Tekken file", "give the path of a tekken.json file after 'tekken:'")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorruptFileError(f"{path}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); a "
                               "Tekken file is UTF-8 JSON — use the tekken.json shipped with the model") from None
    try:
        data = json.loads(text)
        config, vocab = data["config"], data["vocab"]
        if not isinstance(config, dict) or not isinstance(vocab, list):
            raise TypeError("'config' must be an object and 'vocab' a list")
        return {"config": config, "vocab": vocab}
    except json.JSONDecodeError as exc:
        raise CorruptFileError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from exc
    except (KeyError, TypeError) as exc:
        raise CorruptFileError(f"{path}: not a Tekken file (missing {exc}); expected keys 'config' and 'vocab'") from exc


def _ranks(path: Path, config: dict, vocab: list) -> tuple[int, int, dict[bytes, int]]:
    """(reserved special ids, ranks in use, bytes → rank), naming the entry that is malformed."""
    num_special = config.get("default_num_special_tokens", 1000)
    total = config.get("default_vocab_size", len(vocab) + num_special if _whole(num_special) else 0)
    if not (_whole(num_special) and _whole(total)):  # int("12") or int(3.7) would read a damaged file as another
        raise CorruptFileError(f"{path}: Tekken config sizes are not whole numbers (default_num_special_tokens "
                               f"{num_special!r}, default_vocab_size {total!r}); use the tekken.json shipped with "
                               "the model")
    used = total - num_special
    if not 256 <= used <= len(vocab):
        raise CorruptFileError(f"{path}: default_vocab_size {total} − {num_special} special ids = {used} ranks in "
                               f"use, but the vocab lists {len(vocab)} (at least 256 needed); use the tekken.json "
                               "shipped with the model")
    ranks: dict[bytes, int] = {}
    entry_of_rank: dict[int, int] = {}
    for index, entry in enumerate(vocab[:used]):
        try:
            token, rank = base64.b64decode(entry["token_bytes"], validate=True), entry["rank"]
            if not _whole(rank):
                raise ValueError(f"rank {rank!r} is not a whole number")
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptFileError(f"{path}: vocab entry {index} needs base64 'token_bytes' and an integer 'rank' "
                                   f"({type(exc).__name__}: {exc}); the file is damaged — use the tekken.json "
                                   "shipped with the model") from None
        if token in ranks or rank in entry_of_rank:
            what = f"token {token!r}" if token in ranks else f"rank {rank}"
            first = entry_of_rank[ranks[token]] if token in ranks else entry_of_rank[rank]
            raise CorruptFileError(f"{path}: vocab entry {index} repeats the {what} of entry {first}; the file is "
                                   "damaged — use the tekken.json shipped with the model")
        ranks[token], entry_of_rank[rank] = rank, index
    check_complete_ranks(ranks, path)
    return num_special, used, ranks


def _whole(value) -> bool:
    return type(value) is int and 0 <= value < 2**32


class TekkenAdapter(TiktokenAdapter):
    def __init__(self, spec: Spec):
        import tiktoken

        path = Path(spec.target).expanduser()
        data = _read_tekken(path)
        config = data["config"]
        self.num_special, used, ranks = _ranks(path, config, data["vocab"])
        pattern = config.get("pattern") if isinstance(config, dict) else None
        if not isinstance(pattern, str):
            raise CorruptFileError(f"{path}: Tekken config has no 'pattern' (the pre-tokenizer regex); "
                                   "the file is incomplete — use the tekken.json shipped with the model")
        try:
            with library_failures(path, "tiktoken"):  # checked above; a panic left is still one line
                encoding = tiktoken.Encoding(name=path.stem, pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
                encoding.encode_ordinary(PROBE)
        except ValueError as exc:  # the regex does not compile
            raise CorruptFileError(f"{path}: Tekken 'pattern' is not a valid regex ({exc})") from None
        super().__init__(Spec(spec.scheme, str(path.resolve()), spec.params), encoding, artifact=path)
        self.vocab_size = used + self.num_special
        self.library_version = _tiktoken_version()

    def encode(self, text: str) -> list[int]:
        return [i + self.num_special for i in self.encoding.encode_ordinary(text)]

    def encode_batch(self, texts, num_threads: int = 1):
        shift = self.num_special
        return [[i + shift for i in ids] for ids in super().encode_batch(texts, num_threads)]

    def analyse_flat(self, texts):
        flat = super().analyse_flat(texts)
        flat.ids = flat.ids.astype(np.int64) + self.num_special  # tiktoken counts from the first non-special id
        return flat

    def decode(self, ids) -> str:
        return Adapter.decode(self, ids)  # ids are shifted: spell them through token_bytes

    def token_bytes(self, token_id: int) -> bytes:
        if token_id < self.num_special:
            return b""  # special ids carry no text
        return self.encoding.decode_single_token_bytes(token_id - self.num_special)

    def special_tokens(self) -> dict[str, int]:
        return {KNOWN_SPECIALS.get(i, f"<SPECIAL_{i}>"): i for i in range(self.num_special)}

    def describe(self) -> dict:
        info = super().describe()
        info["special_tokens"] = f"{self.num_special} reserved ids (0..{self.num_special - 1}): " + ", ".join(
            f"{n}={i}" for i, n in KNOWN_SPECIALS.items()
        )
        return info
