"""Classic compressors as language models: conditional bits per byte of a language's test text
given the same language's dev text, bpb = 8 · (|C(dev + test)| − |C(dev)|) / bytes(test).

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


def available() -> dict[str, Callable[[bytes], bytes]]:
    found: dict[str, Callable[[bytes], bytes]] = {
        "gzip": lambda d: gzip.compress(d, compresslevel=9, mtime=0),
        "bz2": lambda d: bz2.compress(d, compresslevel=9),
        "xz": lambda d: lzma.compress(d, preset=9 | lzma.PRESET_EXTREME),
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
