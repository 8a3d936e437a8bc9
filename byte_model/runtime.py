"""Device, precision and process-group choices, kept apart so CPU tests reach every branch."""

from __future__ import annotations

import contextlib
import os

import torch


MAX_DEFAULT_THREADS = 8  # d_model ≤ 512 matmuls gain little from more


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity: taskset, cgroup cpusets, a batch scheduler)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def default_threads() -> int:
    """torch's CPU threads when none are asked for: OMP_NUM_THREADS if set, else half the CPUs
    this process may use (the physical cores of a hyper-threaded machine), 1 to 8.

    Not every core, torch's own default: intra-op threads meet at every operation, so one thread
    descheduled for another process stalls the rest. On this lab's shared 2-core machine `byte eval`
    ran 2.2× slower (once 9×) with 2 threads than with 1 while other jobs ran."""
    told = os.environ.get("OMP_NUM_THREADS", "").strip()
    if told.isdigit() and int(told) > 0:
        return int(told)
    return max(1, min(available_cpus() // 2, MAX_DEFAULT_THREADS))


def use_threads(requested: int = 0) -> int:
    """Set torch's intra-op CPU threads to `requested` (0: `default_threads()`); returns the count,
    for the command to print and the run to record."""
    count = requested or default_threads()
    torch.set_num_threads(count)
    return count


def threads_text(count: int) -> str:
    return f"{count} torch thread{'s' if count != 1 else ''}"


def pick_device(requested: str = "auto") -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """bf16 autocast on GPU; none on CPU, where bf16 matmuls run at under 1 GFLOP/s here."""
    return torch.bfloat16 if device.type == "cuda" else None


def autocast(device: torch.device):
    dtype = autocast_dtype(device)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def should_compile(setting: str, device: torch.device) -> bool:
    """`auto` compiles on GPU only: on this 2-core CPU the 30-60 s compile rarely pays back
    within short runs and tests (measured in `toklab byte bench`)."""
    return setting == "on" or (setting == "auto" and device.type == "cuda")


def distributed_env() -> tuple[int, int, int]:
    """(rank, local_rank, world_size) from torchrun's environment; (0, 0, 1) otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0")), world


def init_distributed(device: torch.device) -> None:
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
