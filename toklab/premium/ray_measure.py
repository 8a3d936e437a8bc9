"""The streamed measurement as Ray tasks, for corpora that outgrow one machine (`toklab[ray]`).

The driver reads the stream (corpora.stream) and sends each block to a Ray task that loads the
same tokenizer (its signature is checked, so a node with another file or library version fails
loudly instead of measuring something else) and returns only numbers: per language, the
documents' (doc_id, tokens, bytes), the sums and the token-type counts. The driver merges them in
block order, so the result — and the cache entry and signature — is exactly the local one.

Where it runs: `RAY_ADDRESS` (or `ray.init(address=…)` before calling) names an existing
cluster; without one, Ray starts a local instance on this machine. Every node needs toklab
installed and the tokenizer files at the same paths (named tiktoken encodings need the
`TIKTOKEN_CACHE_DIR` copy or network access). At most IN_FLIGHT_PER_CPU blocks per cluster CPU
are sent ahead, so the driver's memory stays bounded.
"""

from __future__ import annotations

import collections
import dataclasses
import os
from typing import Iterator

from corpora.stream import ParsedBlock
from toklab.adapters.base import Adapter
from toklab.errors import SpecError
from toklab.premium.measure import MeasureOptions

IN_FLIGHT_PER_CPU = 2
# What a worker needs to find the same data and tokenizer files as the driver.
FORWARDED = ("TOKLAB_HOME", "TOKLAB_DATA", "TOKLAB_SHARED", "TIKTOKEN_CACHE_DIR", "HF_HOME", "HF_HUB_OFFLINE")


def _ray():
    try:
        import ray
    except ImportError:
        raise SpecError("--executor ray needs Ray: pip install 'toklab[ray]' (or pip install ray)") from None
    if not ray.is_initialized():
        env = {name: os.environ[name] for name in FORWARDED if name in os.environ}
        address = os.environ.get("RAY_ADDRESS") or None
        if address:
            check_reachable(address)
        try:
            ray.init(address=address, runtime_env={"env_vars": env},
                     include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        except (ConnectionError, RuntimeError) as exc:  # something answers there, but not a Ray cluster
            first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            raise SpecError(f"RAY_ADDRESS={address}: could not join a Ray cluster there ({first}); fix the "
                            "address, or unset RAY_ADDRESS to run Ray on this machine") from None
    return ray


CONNECT_TIMEOUT_S = 10.0


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Refuse an unreachable cluster address at once: Ray itself waits for it indefinitely."""
    import socket

    host_port = address.split("://", 1)[-1]
    if host_port in ("auto", "local") or ":" not in host_port:
        return  # Ray's own lookup of a running local instance, which fails fast
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        raise SpecError(f"RAY_ADDRESS={address}: no Ray cluster answers there within {timeout:g} s ({reason}); "
                        "start it (ray start --head), fix the address, or unset RAY_ADDRESS to run Ray on this "
                        "machine") from None


def _measure_remote(spec: str, signature: str, frame, options: MeasureOptions):
    from toklab.premium.stream_measure import measure_block
    from toklab.registry import load_tokenizer

    adapter = load_tokenizer(spec)
    if adapter.signature != signature:
        raise SpecError(f"this Ray worker's tokenizer {spec} is not the driver's: {adapter.signature} != {signature}")
    return measure_block(adapter, frame, options)


def ray_blocks(adapter: Adapter, blocks: Iterator[ParsedBlock],
               options: MeasureOptions) -> Iterator[tuple[ParsedBlock, dict]]:
    ray = _ray()
    task = ray.remote(_measure_remote)
    window = max(1, int(ray.cluster_resources().get("CPU", 1)) * IN_FLIGHT_PER_CPU)
    one_thread = dataclasses.replace(options, jobs=1, executor="local")  # a task is one CPU
    pending: collections.deque = collections.deque()
    for block in blocks:
        pending.append((block, task.remote(adapter.spec.canonical, adapter.signature, block.frame, one_thread)))
        while len(pending) >= window:
            done, reference = pending.popleft()
            yield done, ray.get(reference)
    while pending:
        done, reference = pending.popleft()
        yield done, ray.get(reference)
