"""Start-up time of the `toklab` command against a bare Python interpreter, timed in the same run."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

# The installed `toklab` script is what users type (it adds the entry-point lookup); without one,
# `python -m toklab`.
TOKLAB = [shutil.which("toklab")] if shutil.which("toklab") else [sys.executable, "-m", "toklab"]
COMMANDS = {
    "python -c pass (reference)": [sys.executable, "-c", "pass"],
    "toklab --help": [*TOKLAB, "--help"],
    "toklab audit --help": [*TOKLAB, "audit", "--help"],
    "toklab byte --help": [*TOKLAB, "byte", "--help"],
}


def median_seconds(argv: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_startup(repeats: int = 5) -> list[tuple[str, float]]:
    """(what, median wall seconds) for each command, the reference first."""
    return [(name, median_seconds(argv, repeats)) for name, argv in COMMANDS.items()]
