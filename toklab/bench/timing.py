"""What every benchmark needs: wall time of one call, and a run against an empty cache."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from typing import Callable, Iterator


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


@contextlib.contextmanager
def empty_home() -> Iterator[None]:
    """`TOKLAB_HOME` set to a fresh temporary folder for the block, then restored."""
    previous = os.environ.get("TOKLAB_HOME")
    with tempfile.TemporaryDirectory() as home:
        os.environ["TOKLAB_HOME"] = home
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("TOKLAB_HOME", None)
            else:
                os.environ["TOKLAB_HOME"] = previous
