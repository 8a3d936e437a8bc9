"""Frozen configs for the byte transformer, its training run, and named presets.

Every field can be overridden from the CLI (`--set field=value`); the configs are stored in
every checkpoint and run directory, so a run can always be reproduced and resumed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from toklab.errors import SpecError

PROTOCOLS = ("isolated", "context", "dynamic")  # evaluation protocols (protocols.py)
ARCHITECTURES = ("plain", "canine", "gbst", "hnet", "spacebyte")  # model.Transformer, shortened.*, chunked.Chunked
BYTE_VOCAB = 256
BOS, EOS, PAD = 256, 257, 258  # specials after the 256 byte values
N_SPECIALS = 3


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = BYTE_VOCAB + N_SPECIALS  # a token model sets tokenizer vocab + specials
    d_model: int = 128
    n_layer: int = 4
    n_head: int = 4
    ctx: int = 256
    mlp_mult: int = 4
    ngram_buckets: int = 0  # hashed bigram/trigram input embeddings (0 = off)
    ngram_orders: tuple[int, ...] = (2, 3)
    qk_norm: bool = True
    tie_embeddings: bool = False
    dropout: float = 0.0  # residual dropout (training only): FLORES dev is small enough to memorise
    # Sequence shortening (byte_model.shortened, byte_model.chunked). For canine, gbst, hnet and
    # spacebyte, n_layer counts the deep stack, which runs on ctx / rate positions (on the chunks,
    # for hnet and spacebyte); the local blocks run at byte rate.
    arch: str = "plain"
    rate: int = 4  # downsampling rate R
    local_window: int = 64  # attention window of the local (byte-rate) blocks
    local_mlp_mult: int = 1  # MLP width of the local blocks, in d_model
    conv_kernel: int = 0  # canine: downsampling kernel in bytes, at least rate (0 = rate)
    gbst_blocks: tuple[int, ...] = (1, 2, 3, 4)  # GBST candidate block sizes
    # Learned and ruled boundaries (byte_model.chunked): for hnet, `rate` is the target bytes per
    # chunk and this the weight of the ratio loss that holds the mean chunk length near it.
    ratio_loss: float = 0.03
    local_out_mlp_mult: int = 0  # hnet, spacebyte: the output block's MLP width (0 = local_mlp_mult)

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_head


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    corpus: str = "flores200?split=dev"
    eval_corpus: str = "flores200?split=devtest"
    tokenizer: str = "bytes:utf8"  # or any tokenizer spec: the same transformer trains a token LM
    batch_size: int = 32
    # Budget: `steps` > 0 is a step budget; `minutes` > 0 a time budget that is turned into a step
    # count after `plan_steps` steps (from their measured speed) and recorded, so the learning-
    # rate schedule never follows the clock and a run is reproducible bit for bit.
    steps: int = 0
    minutes: float = 0.0
    plan_steps: int = 20  # steps at peak learning rate (after warm-up) before the decay starts
    lr: float = 3e-3
    muon_lr: float = 0.02
    optimizer: str = "muon"  # muon (matrices) + adamw (the rest), or adamw everywhere
    weight_decay: float = 0.0
    warmup_steps: int = 50
    schedule: str = "cosine"  # cosine | linear, over the fixed step budget
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0
    seed: int = 0
    compile: str = "auto"  # auto | on | off
    threads: int = 0  # torch intra-op threads on CPU (0 = runtime.default_threads(): half the CPUs, 1-8)
    device: str = "auto"
    checkpoint_every: int = 200
    log_every: int = 10
    # Held-out validation (data.split_validation): the best checkpoint by validation BPB is kept
    # as best.pt; `early_stop` > 0 stops after that many evaluations without improvement.
    val_fraction: float = 0.05
    eval_every: int = 100
    val_windows: int = 64
    early_stop: int = 0


PRESETS: dict[str, tuple[ModelConfig, TrainConfig]] = {
    # About 0.8M non-embedding parameters: sized for a 2-core CPU and a 10-minute budget.
    "cpu": (ModelConfig(d_model=128, n_layer=4, n_head=4, ctx=256, ngram_buckets=8192),
            TrainConfig(batch_size=16, minutes=10.0, compile="on")),  # compile: +25% bytes/s after ~35 s (byte bench)
    # About 25M non-embedding parameters for one modern GPU.
    "gpu": (ModelConfig(d_model=512, n_layer=8, n_head=8, ctx=512, ngram_buckets=32768),
            TrainConfig(batch_size=64, minutes=5.0, lr=2e-3, muon_lr=0.02, warmup_steps=100, compile="on")),
    # For tests and smoke runs.
    "tiny": (ModelConfig(d_model=32, n_layer=1, n_head=2, ctx=64),
             TrainConfig(batch_size=4, steps=20, warmup_steps=2, plan_steps=5, compile="off", checkpoint_every=5)),
}


def _coerce(value: str, current: Any) -> Any:
    """Numbers in ASCII only (int() would read '１２' as 12, float() 'nan'); anything else is a ValueError."""
    if isinstance(current, bool):
        if value.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError(value)
        return value.lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return _ascii(int, value)
    if isinstance(current, float):
        return _ascii(float, value)
    if isinstance(current, tuple):
        return tuple(_ascii(int, v) for v in value.split(",") if v)
    return value


def _ascii(kind, value: str):
    from toklab.numeric import FLOAT_TEXT, INT_TEXT

    if not (INT_TEXT if kind is int else FLOAT_TEXT).fullmatch(value):
        raise ValueError(value)
    return kind(value)


def override(config, assignments: dict[str, str]):
    """A copy of `config` with string assignments coerced to each field's type."""
    names = {f.name for f in dataclasses.fields(config)}
    updates = {}
    for key, value in assignments.items():
        if key not in names:
            continue
        try:
            updates[key] = _coerce(value, getattr(config, key))
        except ValueError:
            kind = type(getattr(config, key)).__name__
            expected = {"tuple": "comma-separated whole numbers", "int": "a whole number", "float": "a finite number",
                        "bool": "true or false"}.get(kind, kind)
            raise SpecError(f"--set {key}={value}: expected {expected}, written in ASCII (e.g. --set "
                            f"{key}={_example(getattr(config, key))})") from None
    return dataclasses.replace(config, **updates)


def _example(current: Any) -> str:
    if isinstance(current, tuple):
        return ",".join(map(str, current))
    return str(current).lower() if isinstance(current, bool) else str(current)


def apply_overrides(model: ModelConfig, train: TrainConfig, assignments: dict[str, str]):
    known = {f.name for f in dataclasses.fields(model)} | {f.name for f in dataclasses.fields(train)}
    unknown = sorted(set(assignments) - known)
    if unknown:
        from toklab.suggest import nearest

        raise SpecError(f"unknown config field {unknown[0]!r}" + nearest(unknown[0], known))
    return override(model, assignments), override(train, assignments)


def configs_for(preset_name: str, assignments: dict[str, str], minutes: float | None = None,
                steps: int | None = None) -> tuple[ModelConfig, TrainConfig]:
    """A preset with `--set` overrides; an explicit budget (minutes or steps) replaces the preset's."""
    model, train = apply_overrides(*preset(preset_name), assignments)
    if minutes is not None or steps is not None:
        train = dataclasses.replace(train, minutes=minutes or 0.0, steps=steps or 0)
    return model, train


def preset(name: str) -> tuple[ModelConfig, TrainConfig]:
    if name not in PRESETS:
        from toklab.suggest import nearest

        raise SpecError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}" + nearest(name, PRESETS))
    return PRESETS[name]


def to_dict(config) -> dict:
    return dataclasses.asdict(config)


# Fields added after runs were saved without them, with the value those runs really had.
LEGACY = {"val_fraction": 0.0}


def from_dict(cls, data: dict):
    fields = {f.name: f for f in dataclasses.fields(cls)}
    data = {**{k: v for k, v in LEGACY.items() if k in fields}, **data}
    clean = {k: (tuple(v) if isinstance(getattr(cls(), k), tuple) else v) for k, v in data.items() if k in fields}
    return cls(**clean)
