"""Checkpoints written atomically with an integrity header, so a truncated or corrupt file is
detected and named, never loaded.

Layout: `TOKLABCKPT1 <sha256 of payload> <payload length>\\n` followed by a torch.save payload
that holds only tensors and plain containers. Loading uses `torch.load(weights_only=True)`: a
checksum proves the file is intact, not that it is harmless, so nothing in it is unpickled
beyond tensors, numbers, strings and containers — a crafted file cannot run code.
"""

from __future__ import annotations

import io
from pathlib import Path

import torch

from toklab.errors import CorruptFileError
from toklab.integrity import seal, unseal
from toklab.paths import atomic_write_bytes, not_a_file

MAGIC = b"TOKLABCKPT1"


def save_checkpoint(path: Path, payload: dict) -> None:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write_bytes(path, seal(buffer.getvalue(), MAGIC))


def load_checkpoint(path: Path, map_location: str | torch.device = "cpu") -> dict:
    path = Path(path)
    if not path.is_file():
        raise not_a_file(path, "checkpoint", "give a run directory written by `toklab byte train`, or its "
                         "checkpoint.pt / best.pt")
    data, problem = unseal(path.read_bytes(), MAGIC)
    if problem == "bad header":
        raise CorruptFileError(f"{path}: not a toklab checkpoint (bad header); pass a run directory "
                               "written by `toklab byte train`")
    if problem:
        raise CorruptFileError(f"{path}: corrupt checkpoint ({problem}); resume from an earlier run directory "
                               "or retrain")
    try:
        return torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)
    except Exception as exc:  # pickle.UnpicklingError and friends: refused content, not a bug
        raise CorruptFileError(f"{path}: refused to load: it holds objects other than tensors and plain "
                               f"containers ({_refusal_reason(exc)}); only load checkpoints you trained") from None


def _refusal_reason(exc: Exception) -> str:
    """The line of torch's message that names what was refused (its advice to disable the check
    is exactly what must not be done here)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    named = [ln for ln in lines if "GLOBAL" in ln or "Unsupported" in ln]
    return (named or lines or [type(exc).__name__])[0][:160]


def require(payload, path: Path, keys: tuple[str, ...]) -> dict:
    """The checkpoint's payload, when it is a dict holding `keys`; else one line naming what is missing."""
    if not isinstance(payload, dict):
        raise CorruptFileError(f"{path}: holds a {type(payload).__name__}, not a toklab checkpoint's fields; pass a "
                               "run directory written by `toklab byte train`")
    missing = [key for key in keys if key not in payload]
    if missing:
        raise CorruptFileError(f"{path}: no {', '.join(repr(k) for k in missing)} in this checkpoint (it holds "
                               f"{', '.join(map(repr, sorted(map(str, payload))[:8])) or 'nothing'}); pass a run "
                               "directory written by `toklab byte train`")
    return payload


def load_weights(model: torch.nn.Module, weights, path: Path) -> None:
    """Put a checkpoint's weights into `model` (built from the checkpoint's own config), or say in one
    line why they do not fit: another architecture's weights, missing or unexpected tensors, or
    tensors of another shape. (torch's own RuntimeError lists every key over many lines.)"""
    if not isinstance(weights, dict) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
        raise CorruptFileError(f"{path}: its 'model' entry is not a set of named tensors; pass a run directory "
                               "written by `toklab byte train`")
    expected = model.state_dict()
    missing, unexpected = sorted(set(expected) - set(weights)), sorted(set(weights) - set(expected))
    if missing or unexpected:
        other = _architecture_of(weights, model.cfg)
        if other:
            raise CorruptFileError(f"checkpoint {path} holds weights for arch={other} but its config says "
                                   f"arch={model.cfg.arch}; the file was edited or mixed from two runs: use the "
                                   "run's own checkpoint, or retrain")
        raise CorruptFileError(f"checkpoint {path}: its weights do not fit its config (arch={model.cfg.arch}, "
                               f"d_model={model.cfg.d_model}, n_layer={model.cfg.n_layer}): "
                               + "; ".join(part for part in (_keys("missing", missing), _keys("unexpected", unexpected))
                                           if part) + "; use the run's own checkpoint, or retrain")
    wrong = [(k, tuple(weights[k].shape), tuple(v.shape)) for k, v in expected.items() if weights[k].shape != v.shape]
    if wrong:
        name, found, built = wrong[0]
        raise CorruptFileError(f"checkpoint {path}: tensor {name} has shape {list(found)} but its config builds "
                               f"{list(built)}" + (f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else "")
                               + "; use the run's own checkpoint, or retrain")
    broken = [k for k, v in weights.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if broken:
        raise CorruptFileError(f"checkpoint {path}: tensor {broken[0]} holds NaN or infinite weights (the run "
                               "diverged before it was saved); use an earlier run's checkpoint, or retrain with a "
                               "lower --set lr=…")
    model.load_state_dict(weights)


def _keys(what: str, keys: list[str]) -> str:
    if not keys:
        return ""
    return f"{what} key{'s' if len(keys) > 1 else ''} {', '.join(keys[:4])}" + (
        f" and {len(keys) - 4} more" if len(keys) > 4 else "")


def _architecture_of(weights: dict, cfg) -> str | None:
    """The other architecture whose tensors have exactly these names, if one has."""
    import dataclasses

    from byte_model.architectures import build_model
    from byte_model.config import ARCHITECTURES

    for arch in ARCHITECTURES:
        if arch == cfg.arch:
            continue
        try:
            with torch.device("meta"):  # names only: nothing allocated
                names = set(build_model(dataclasses.replace(cfg, arch=arch)).state_dict())
        except Exception:  # a config that cannot build that architecture: not the one
            continue
        if names == set(weights):
            return arch
    return None


LOAD_KEYS = ("model", "model_cfg", "train_cfg", "vocab", "signature", "step")  # what evaluation and sampling read
RESUME_KEYS = (*LOAD_KEYS, "optimizers", "elapsed", "bytes_seen", "torch_rng")  # and what resuming reads
TRAIN_KEYS_READ = ("corpus", "eval_corpus", "tokenizer")  # train_cfg fields read as they are stored


def configs_of(payload: dict, path: Path):
    """The checkpoint's (ModelConfig, TrainConfig), each field of the type the lab writes and the
    model config one that builds; else one line naming the field."""
    from byte_model import config as C
    from byte_model.validate import validate_model
    from toklab.errors import SpecError

    model_cfg = _typed_config(C.ModelConfig, payload["model_cfg"], path, "model_cfg")
    train_cfg = _typed_config(C.TrainConfig, payload["train_cfg"], path, "train_cfg")
    missing = [key for key in TRAIN_KEYS_READ if key not in payload["train_cfg"]]
    if missing:
        raise CorruptFileError(f"{path}: train_cfg has no {', '.join(missing)}; pass a run directory written by "
                               "`toklab byte train`")
    try:
        validate_model(model_cfg)
    except SpecError as exc:
        raise CorruptFileError(f"{path}: its model config cannot build a model ({exc}); pass a run directory "
                               "written by `toklab byte train`") from None
    step, signature = payload["step"], payload["signature"]
    if not (type(step) is int and isinstance(signature, str)):
        raise CorruptFileError(f"{path}: its step or signature is not what `toklab byte train` writes")
    return model_cfg, train_cfg


def vocabulary_of(payload: dict, path: Path):
    from byte_model.data import Vocabulary

    vocab = payload["vocab"]
    if not (isinstance(vocab, dict) and isinstance(vocab.get("spec"), str) and type(vocab.get("base")) is int
            and set(vocab) <= {"spec", "base", "artifact_hash"}):
        raise CorruptFileError(f"{path}: its vocabulary entry is not what `toklab byte train` writes "
                               "(spec, base, artifact_hash); pass a run directory written by it")
    return Vocabulary(**vocab)


def _typed_config(cls, data, path: Path, what: str):
    """`from_dict(cls, data)` once every stored field has the type of its default (a float field
    takes an int; a tuple field a list of ints)."""
    import dataclasses

    from byte_model.config import from_dict

    if not isinstance(data, dict):
        raise CorruptFileError(f"{path}: {what} is a {type(data).__name__}, not a config; pass a run directory "
                               "written by `toklab byte train`")
    defaults = cls()
    for field in dataclasses.fields(cls):
        if field.name in data and not _same_kind(data[field.name], getattr(defaults, field.name)):
            kind = type(getattr(defaults, field.name)).__name__
            raise CorruptFileError(f"{path}: {what}.{field.name} is {data[field.name]!r}, not of type {kind} as "
                                   "toklab writes it; pass a run directory written by `toklab byte train`")
    return from_dict(cls, data)


def _same_kind(value, default) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, tuple):
        return isinstance(value, (list, tuple)) and all(_same_kind(v, 0) for v in value)
    return isinstance(value, type(default))
