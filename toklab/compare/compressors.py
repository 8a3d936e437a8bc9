"""Classic compressors as language models, under the evaluation protocols of the models:
- context: conditional bits of a language's test text given the same language's dev text,
  bpb = 8 · (|C(dev + test)| − |C(dev)|) / bytes(test) (compressors adapt as they go);
- isolated: every sentence compressed on its own, container headers included — what a
  compressor costs on one sentence, as the isolated model scores one sentence from nothing.

Never concatenate several languages' test text: FLORES is parallel, so names and numbers would
leak between them.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from typing import Callable


def _ppmd(data: bytes) -> bytes:
    import pyppmd

    return pyppmd.compress(data, max_order=16, mem_size=256 << 20)


def _xz(data: bytes) -> bytes:
    """xz -9e with the dictionary sized to the input: the same bytes out but the 64 MiB window,
    which costs 50 ms to set up per call (17 minutes over FLORES's sentences one by one), is not
    allocated. The size is written in the header in one byte whatever it is."""
    size = max(1 << 12, min(1 << 26, 1 << max(len(data) - 1, 1).bit_length()))
    return lzma.compress(data, filters=[{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": size}])


def available() -> dict[str, Callable[[bytes], bytes]]:
    found: dict[str, Callable[[bytes], bytes]] = {
        "gzip": lambda d: gzip.compress(d, compresslevel=9, mtime=0),
        "bz2": lambda d: bz2.compress(d, compresslevel=9),
        "xz": _xz,
    }
    try:
        import pyppmd  # noqa: F401

        found["ppmd16"] = _ppmd
    except ImportError:
        pass
    try:
        import zstandard

        found["zstd"] = lambda d: zstandard.ZstdCompressor(level=19).compress(d)
    except ImportError:
        pass
    return found


def conditional_bits(compress: Callable[[bytes], bytes], context: bytes, text: bytes) -> int:
    return 8 * (len(compress(context + text)) - len(compress(context)))


def isolated_bits(compress: Callable[[bytes], bytes], sentences: list[bytes]) -> int:
    return 8 * sum(len(compress(sentence)) for sentence in sentences)
