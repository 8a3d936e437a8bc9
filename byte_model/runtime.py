"""Device, precision and process-group choices, kept apart so CPU tests reach every branch."""

from __future__ import annotations

import contextlib
import os

import torch


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
