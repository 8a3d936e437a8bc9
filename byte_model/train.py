"""The training loop: seeded batches, warm-up + hold + decay, clipping, a step budget (a time
budget is turned into one early in the run and recorded), atomic checkpoints (periodic, on
SIGINT/SIGTERM, at the end), exact resume, NaN guard, DDP.

Library code: progress goes to a callback; the CLI renders it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import signal
import time
import warnings
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from byte_model import config as C
from byte_model.architectures import build_model as build_architecture
from byte_model.architectures import describe
from byte_model.checkpoint import (
    RESUME_KEYS,
    configs_of,
    load_checkpoint,
    load_weights,
    require,
    save_checkpoint,
    vocabulary_of,
)
from byte_model.data import (
    Vocabulary,
    batch_at,
    check_same_tokenizer,
    encode_documents,
    split_validation,
    training_stream,
)
from byte_model.heldout import HeldOut
from byte_model.loading import BEST, CHECKPOINT
from byte_model.model import LanguageModel
from byte_model.optim import build_optimizers
from byte_model.runtime import autocast, distributed_env, init_distributed, pick_device, should_compile, use_threads
from byte_model.schedule import lr_factor, reaches_peak
from byte_model.validate import validate
from toklab.errors import CorruptFileError, MissingFileError, SpecError, ToklabError
from toklab.outputs import append_text, atomic_path
from toklab.signature import Signature, section

METRICS = "metrics.csv"
VALIDATION = "validation.csv"


class TrainingDiverged(ToklabError):
    exit_code = 5


class TrainingInterrupted(ToklabError):
    exit_code = 130


@dataclasses.dataclass
class StepReport:
    step: int
    steps: int
    elapsed: float
    budget_s: float
    loss: float
    bpb: float
    lr: float
    bytes_per_s: float


@dataclasses.dataclass
class TrainState:
    model_cfg: C.ModelConfig
    train_cfg: C.TrainConfig
    step: int = 0
    elapsed: float = 0.0  # training seconds so far, across resumes
    bytes_seen: int = 0
    first_step_s: float = 0.0  # the first step's time (compilation), left out of the speed estimate
    planned: str = ""  # how a time budget became the step budget, e.g. "10.0 min -> 2909 steps at step 20"
    best_val: float = math.inf  # lowest validation BPB so far, and its step
    best_step: int = 0
    evals_without_gain: int = 0
    stopped_early: str = ""


class StopFlag:
    """Set by SIGINT/SIGTERM; the loop saves a checkpoint and stops at the next step."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread
                pass
        return self

    def _handle(self, signum, _frame) -> None:
        self.signal = signum

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def build_model(model_cfg: C.ModelConfig, vocab: Vocabulary) -> LanguageModel:
    if model_cfg.vocab_size != vocab.size:
        model_cfg = dataclasses.replace(model_cfg, vocab_size=vocab.size)
    return build_architecture(model_cfg)


def signature_of(state: TrainState, vocab: Vocabulary, n_params: int, corpus_signature: str) -> Signature:
    t, m = state.train_cfg, state.model_cfg
    return Signature.of(
        ("model", "byte_transformer"), ("vocab", f"{vocab.spec}+{C.N_SPECIALS}"),
        ("tokenizer_sha256", vocab.artifact_hash[:16]) if vocab.artifact_hash else None, ("params", n_params),
        ("", f"d{m.d_model}xL{m.n_layer}xctx{m.ctx}"), describe(m), section("train", corpus_signature, prefix="train_"),
        ("steps", t.steps or "unplanned"), ("batch", t.batch_size), ("seed", t.seed), ("opt", t.optimizer),
        ("validation", f"{t.val_fraction:g}"), ("torch", torch.__version__))


class Trainer:
    # The clock a time budget is measured with; tests replace it with one that ticks per call, so
    # a time-budget run plans the same step count on any machine.
    clock: Callable[[], float] = staticmethod(time.perf_counter)

    def __init__(self, run_dir: Path, model_cfg: C.ModelConfig, train_cfg: C.TrainConfig,
                 on_step: Callable[[StepReport], None] | None = None, on_log: Callable[[str], None] | None = None):
        from corpora import Corpus, load_corpus

        validate(model_cfg, train_cfg)
        self.run_dir = Path(run_dir)
        self.rank, self.local_rank, self.world = distributed_env()
        self.device = pick_device(train_cfg.device)
        if self.world > 1:
            if self.device.type == "cuda":
                self.device = torch.device("cuda", self.local_rank)
                torch.cuda.set_device(self.device)
            init_distributed(self.device)
        self.threads = use_threads(train_cfg.threads)  # 0: the default; printed and recorded in config.json
        self.on_step, self.on_log = on_step, on_log or (lambda _m: None)
        corpus = load_corpus(train_cfg.corpus)
        self.corpus_signature, self.corpus_hash = corpus.signature, corpus.content_hash
        train_frame, val_frame = split_validation(corpus.frame, train_cfg.val_fraction)
        docs, self.vocab = encode_documents(Corpus(corpus.spec, train_frame), train_cfg.tokenizer)
        if len(docs.ids) == 0 or sum(len(d) + 1 for d in docs.ids) <= model_cfg.ctx + 1:
            from toklab.errors import CorpusError

            raise CorpusError(f"training corpus {train_cfg.corpus} holds fewer than ctx={model_cfg.ctx} + 2 ids; "
                              "give a larger corpus or a smaller --set ctx=…")
        self.stream = training_stream(docs, self.vocab)
        self.bytes_per_id = float(docs.n_bytes.sum()) / len(self.stream)
        self.heldout = self._heldout(Corpus(corpus.spec, val_frame), model_cfg, train_cfg)
        self.validated_at = -1  # the step of the last validation
        torch.manual_seed(train_cfg.seed)
        self.model = build_model(model_cfg, self.vocab).to(self.device)
        self.state = TrainState(self.model.cfg, train_cfg)
        self.optimizers = build_optimizers(self.model, train_cfg.optimizer, train_cfg.lr, train_cfg.muon_lr,
                                           train_cfg.weight_decay)
        for opt in self.optimizers:
            for group in opt.param_groups:
                group["base_lr"] = group["lr"]
        self.forward = self._wrap(self.model, train_cfg)
        self.n_params = self.model.parameter_counts()
        self.saved_step: int | None = None  # the step of the checkpoint in the run folder, once there is one

    def _heldout(self, validation, model_cfg: C.ModelConfig, train_cfg: C.TrainConfig) -> HeldOut | None:
        if validation.frame.is_empty() or not train_cfg.eval_every:
            return None
        docs, _vocab = encode_documents(validation, train_cfg.tokenizer)
        stream = training_stream(docs, self.vocab)
        if len(stream) < 2:
            return None
        heldout = HeldOut(stream, model_cfg.ctx, train_cfg.val_windows, train_cfg.seed,
                          float(docs.n_bytes.sum()) / len(stream))
        return None if heldout.empty else heldout

    def _wrap(self, model: LanguageModel, cfg: C.TrainConfig):
        wrapped = model
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel

            wrapped = DistributedDataParallel(model, device_ids=[self.local_rank] if self.device.type == "cuda" else None)
        if should_compile(cfg.compile, self.device):
            wrapped = torch.compile(wrapped)
        return wrapped

    # -- checkpoints -----------------------------------------------------------------------
    def checkpoint_payload(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "optimizers": [opt.state_dict() for opt in self.optimizers],
            "model_cfg": C.to_dict(self.state.model_cfg),
            "train_cfg": C.to_dict(self.state.train_cfg),
            "step": self.state.step,
            "elapsed": self.state.elapsed,
            "bytes_seen": self.state.bytes_seen,
            "first_step_s": self.state.first_step_s,
            "planned": self.state.planned,
            "best_val": self.state.best_val,
            "best_step": self.state.best_step,
            "evals_without_gain": self.state.evals_without_gain,
            "torch_rng": torch.get_rng_state(),
            "vocab": dataclasses.asdict(self.vocab),
            "corpus_hash": self.corpus_hash,
            "signature": str(self.signature),  # plain text: checkpoints are read with weights_only
        }

    @property
    def signature(self) -> Signature:
        return signature_of(self.state, self.vocab, self.n_params["total"], self.corpus_signature)

    def save(self) -> None:
        self.check_weights()  # a NaN model is never written over the last good checkpoint
        if self.rank == 0:
            save_checkpoint(self.run_dir / CHECKPOINT, self.checkpoint_payload())
            self.saved_step = self.state.step

    def check_weights(self) -> None:
        for name, tensor in self.model.state_dict().items():
            if tensor.is_floating_point() and not torch.isfinite(tensor).all():
                raise self.diverged(f"weights of {name} became {_first_non_finite(tensor)}")

    def diverged(self, what: str) -> TrainingDiverged:
        """Divergence, said as such: where, what is kept, and which rate to lower."""
        cfg = self.state.train_cfg
        kept = (f"the last good checkpoint (step {self.saved_step}) is kept in {self.run_dir / CHECKPOINT}"
                if self.saved_step is not None else "no checkpoint had been written yet")
        muon = cfg.optimizer == "muon"  # adamw runs have no muon_lr to lower
        rates = f"--set lr={cfg.lr / 10:g}" + (f" --set muon_lr={cfg.muon_lr / 10:g}" if muon else "")
        now = f"lr={cfg.lr:g}" + (f", muon_lr={cfg.muon_lr:g}" if muon else "")
        return TrainingDiverged(f"training diverged at step {self.state.step} ({what}); {kept}; train a new run "
                                f"with lower learning rates, e.g. {rates} (now {now})")

    def save_best(self) -> None:
        """The current weights as best.pt: loadable like a checkpoint, without optimizer state."""
        if self.rank == 0:
            payload = {k: v for k, v in self.checkpoint_payload().items() if k not in ("optimizers", "torch_rng")}
            save_checkpoint(self.run_dir / BEST, payload)

    def load_best(self) -> None:
        """Put the best weights by validation (best.pt) back into the model, when the run kept them."""
        path = self.run_dir / BEST
        if self.state.best_step and self.state.best_step != self.state.step and path.is_file():
            load_weights(self.model, require(load_checkpoint(path), path, ("model",))["model"], path)

    def restore(self, payload: dict) -> None:
        where = str(self.run_dir / CHECKPOINT)
        check_same_tokenizer(vocabulary_of(payload, self.run_dir / CHECKPOINT), self.vocab, where)
        if payload.get("corpus_hash") not in (None, self.corpus_hash):
            raise CorruptFileError(f"{where}: the training corpus {self.state.train_cfg.corpus} changed since this "
                                   "run started (content hash differs), so resuming would not continue the same "
                                   "run; restore the corpus or start a new run")
        load_weights(self.model, payload["model"], self.run_dir / CHECKPOINT)
        self._restore_optimizers(payload["optimizers"], payload["torch_rng"])
        self.state.step, self.state.elapsed = payload["step"], payload["elapsed"]
        self.saved_step = self.state.step
        self.state.bytes_seen = payload["bytes_seen"]
        self.state.first_step_s = payload.get("first_step_s", 0.0)
        self.state.planned = payload.get("planned", "")
        self.state.best_val = payload.get("best_val", math.inf)
        self.state.best_step = payload.get("best_step", 0)
        self.state.evals_without_gain = payload.get("evals_without_gain", 0)

    def _restore_optimizers(self, saved, rng) -> None:
        """Optimiser state and the RNG, or one line saying they are not this run's (torch raises
        ValueError, KeyError or RuntimeError, each with a message about its own internals)."""
        where = self.run_dir / CHECKPOINT
        if not isinstance(saved, list) or len(saved) != len(self.optimizers) or not isinstance(rng, torch.Tensor):
            raise CorruptFileError(f"{where}: its optimiser state or RNG state is not this run's "
                                   f"({len(self.optimizers)} optimisers); resume from the run's own checkpoint, "
                                   "or start a new run")
        try:
            for opt, state in zip(self.optimizers, saved):
                opt.load_state_dict(state)
            torch.set_rng_state(rng)
        except (ValueError, KeyError, TypeError, IndexError, RuntimeError) as exc:
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"
            raise CorruptFileError(f"{where}: its optimiser or RNG state does not fit this run ({reason}); resume "
                                   "from the run's own checkpoint, or start a new run") from None

    # -- the loop ----------------------------------------------------------------------------
    def set_lr(self) -> float:
        cfg = self.state.train_cfg
        total = cfg.steps if not self.awaiting_plan else 0
        factor = lr_factor(self.state.step, total, cfg.warmup_steps, cfg.plan_steps, cfg.schedule, cfg.min_lr_ratio)
        for opt in self.optimizers:
            for group in opt.param_groups:
                group["lr"] = group["base_lr"] * factor
        return factor

    def train_step(self) -> float:
        cfg, mcfg = self.state.train_cfg, self.state.model_cfg
        x, y = batch_at(self.stream, self.state.step, cfg.batch_size, mcfg.ctx, cfg.seed, self.rank)
        x, y = x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)
        with autocast(self.device):
            logits = self.forward(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
        if not torch.isfinite(loss):
            self.state.step += 1  # the step whose loss it is
            raise self.diverged(f"loss {loss.item()}")
        (loss + self.model.auxiliary_loss()).backward()  # hnet's ratio loss; the reported loss is the bytes' alone
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        for opt in self.optimizers:
            opt.step()
            opt.zero_grad(set_to_none=True)
        return loss.item()

    # -- the budget --------------------------------------------------------------------------
    @property
    def awaiting_plan(self) -> bool:
        """A time budget not yet turned into a step count."""
        return self.state.train_cfg.minutes > 0 and not self.state.planned

    def budget_line(self) -> str:
        cfg = self.state.train_cfg
        if self.state.planned:
            return f"budget: {cfg.steps:,} steps ({self.state.planned})"
        if cfg.minutes > 0:
            cap = f", at most {cfg.steps:,} steps" if cfg.steps else ""
            return (f"budget: {cfg.minutes:g} minutes{cap}, fixed as a step count after {cfg.plan_steps} steps "
                    "from their measured speed")
        return f"budget: {cfg.steps:,} steps"

    def _plan_due(self) -> bool:
        cfg = self.state.train_cfg
        if not self.awaiting_plan:
            return False
        if self.state.step >= cfg.plan_steps:
            return True
        # Under DDP every rank must plan at the same step (the plan is a collective), and the
        # clocks differ: only a single process may stop early on an exhausted budget.
        return self.world == 1 and self.state.elapsed >= cfg.minutes * 60

    def plan(self) -> None:
        """Turn the time budget into a step count from the speed of the steps after the first."""
        cfg, state = self.state.train_cfg, self.state
        budget = cfg.minutes * 60
        per_step = (state.elapsed - state.first_step_s) / max(state.step - 1, 1)
        steps = state.step + max(int((budget - state.elapsed) / max(per_step, 1e-9)), 0)
        if cfg.steps:
            steps = min(steps, cfg.steps)
        steps = self._agree(steps)
        state.planned = f"{cfg.minutes:g} min -> {steps:,} steps, fixed at step {state.step}"
        state.train_cfg = dataclasses.replace(cfg, steps=steps, minutes=0.0)  # the recorded recipe: steps alone
        self.write_config()
        self.warn_if_no_peak()

    def warn_if_no_peak(self) -> None:
        """A budget of at most `plan_steps` steps ends inside a longer warm-up (a shorter budget
        shortens the warm-up instead, see schedule.py): it never trains at the learning rate asked for."""
        cfg = self.state.train_cfg
        if self.rank == 0 and cfg.steps and not reaches_peak(cfg.steps, cfg.warmup_steps, cfg.plan_steps):
            warnings.warn(f"the budget of {cfg.steps:,} steps ends inside the {cfg.warmup_steps}-step warm-up: the "
                          f"learning rate peaks at {min(cfg.steps / cfg.warmup_steps, 1):.0%} of lr; give a larger "
                          f"budget or --set warmup_steps={max(cfg.steps // 4, 1)}", stacklevel=2)

    def _agree(self, steps: int) -> int:
        """Every DDP rank takes rank 0's step count."""
        if self.world == 1:
            return steps
        import torch.distributed as dist

        value = torch.tensor([steps], dtype=torch.long, device=self.device)
        dist.broadcast(value, src=0)
        return int(value.item())

    def _more_steps(self) -> bool:
        cfg = self.state.train_cfg
        return not self.state.stopped_early and (self.awaiting_plan or self.state.step < cfg.steps)

    # -- validation ----------------------------------------------------------------------------
    def validate_now(self) -> float | None:
        """Validation BPB of the current weights; keeps best.pt and counts evaluations without gain."""
        if self.heldout is None:
            return None
        value = self.heldout.bpb(self.model, self.device)
        if not math.isfinite(value):
            raise self.diverged(f"validation BPB {value}")
        state, cfg = self.state, self.state.train_cfg
        self.validated_at = state.step
        if value < state.best_val:
            state.best_val, state.best_step, state.evals_without_gain = value, state.step, 0
            self.save_best()
        else:
            state.evals_without_gain += 1
        if self.rank == 0:
            append_text(self.run_dir / VALIDATION, f"{state.step},{state.elapsed:.3f},{value:.5f},{state.best_val:.5f}\n",
                        header="step,elapsed_s,val_bpb,best_val_bpb\n")
        if cfg.early_stop and state.evals_without_gain >= cfg.early_stop:
            state.stopped_early = (f"stopped early at step {state.step}: validation BPB did not improve in "
                                   f"{cfg.early_stop} evaluations (best {state.best_val:.4f} at step {state.best_step})")
        return value

    def run(self, folder_locked: bool = False) -> TrainState:
        """Train to the end of the budget. The run folder is locked for the whole run (a second
        process writing into it is refused), unless the caller already holds its lock."""
        from toklab.errors import OutputError

        try:
            with contextlib.nullcontext() if folder_locked or self.rank != 0 else run_folder_lock(self.run_dir):
                return self._run()
        except OutputError as exc:  # a full disk mid-run: the last checkpoint stays whole
            if not (self.run_dir / CHECKPOINT).is_file():
                raise
            raise OutputError(f"{exc}; then continue with: toklab byte train --resume {self.run_dir}",
                              exc.errno, exc.strerror) from None

    def _run(self) -> TrainState:
        cfg = self.state.train_cfg
        batch_bytes = cfg.batch_size * self.state.model_cfg.ctx * self.bytes_per_id * self.world
        self.write_config()
        if self.state.step == 0 and not self.awaiting_plan:
            self.warn_if_no_peak()
        with StopFlag() as stop:
            while self._more_steps():
                start = self.clock()
                lr = self.set_lr()
                loss = self.train_step()
                self.state.step += 1
                self.state.elapsed += self.clock() - start
                if self.state.step == 1:
                    self.state.first_step_s = self.state.elapsed
                self.state.bytes_seen += int(batch_bytes)
                if self._plan_due():
                    self.plan()
                self.report(loss, lr, batch_bytes)
                if cfg.eval_every and self.state.step % cfg.eval_every == 0:
                    self.validate_now()
                if self.state.step % cfg.checkpoint_every == 0:
                    self.save()
                if stop.signal is not None:
                    self.save()
                    raise TrainingInterrupted(
                        f"stopped by signal {stop.signal} at step {self.state.step}; checkpoint saved in "
                        f"{self.run_dir / CHECKPOINT}; continue with: toklab byte train --resume {self.run_dir}"
                    )
        if self.validated_at != self.state.step:
            self.validate_now()  # the final weights are a candidate too
        self.save()
        return self.state

    def report(self, loss: float, lr: float, batch_bytes: float) -> None:
        cfg = self.state.train_cfg
        bpb = loss / math.log(2) / self.bytes_per_id  # nats per id → bits per byte
        speed = self.state.bytes_seen / max(self.state.elapsed, 1e-9)
        total = 0 if self.awaiting_plan else cfg.steps
        row = StepReport(self.state.step, total, self.state.elapsed, cfg.minutes * 60, loss, bpb, lr, speed)
        if self.rank != 0:
            return
        if self.state.step % cfg.log_every == 0 or self.state.step == 1:
            append_text(self.run_dir / METRICS,
                        f"{row.step},{row.elapsed:.3f},{row.loss:.5f},{row.bpb:.5f},{row.lr:.5f},{row.bytes_per_s:.1f}\n",
                        header="step,elapsed_s,loss,bpb,lr_factor,bytes_per_s\n")
        if self.on_step:
            self.on_step(row)

    def write_config(self) -> None:
        if self.rank != 0:
            return
        import json

        from toklab.paths import atomic_path

        self.run_dir.mkdir(parents=True, exist_ok=True)  # 0777 minus the umask, like every output folder
        payload = {"model": C.to_dict(self.state.model_cfg), "train": C.to_dict(self.state.train_cfg),
                   "budget": self.budget_line(), "params": self.n_params, "signature": self.signature,
                   "corpus_hash": self.corpus_hash, "tokenizer_sha256": self.vocab.artifact_hash,
                   "threads": self.threads}
        with atomic_path(self.run_dir / "config.json") as tmp:
            tmp.write_text(json.dumps(payload, indent=1), encoding="utf-8")


def run_folder_lock(run_dir: Path):
    """The run folder held by this process alone (see toklab.outputs.folder_lock)."""
    from toklab.outputs import folder_lock

    return folder_lock(Path(run_dir), "run folder", "wait for it to finish, or choose another --out")


def _first_non_finite(tensor: torch.Tensor) -> float:
    return tensor[~torch.isfinite(tensor)].flatten()[0].item()


def truncate_metrics(path: Path, step: int) -> None:
    """On resume, drop metric rows logged after the checkpoint's step."""
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").splitlines()
    # A row cut short by a full disk or a kill has no whole step number: dropped with the rest.
    kept = [lines[0]] + [ln for ln in lines[1:] if ln.split(",")[0].isdigit() and ln.count(",") == lines[0].count(",")
                         and int(ln.split(",")[0]) <= step]
    with atomic_path(path) as tmp:  # replaced whole: a failure leaves the old log, not half of it
        tmp.write_text("\n".join(kept) + "\n", encoding="utf-8")


def resume_config(payload: dict, steps: int | None,
                  run_dir: Path = Path(".")) -> tuple[C.ModelConfig, C.TrainConfig]:
    """The configs a checkpoint was saved with; only the step budget may change on resume."""
    model_cfg, train_cfg = configs_of(payload, Path(run_dir) / CHECKPOINT)
    if steps is not None:
        if steps <= payload["step"]:
            raise SpecError(f"--steps {steps}: the run is already at step {payload['step']}; give a larger total")
        train_cfg = dataclasses.replace(train_cfg, steps=steps, minutes=0.0)
    return model_cfg, train_cfg


def refuse_resume_without_checkpoint(run_dir: Path) -> None:
    """A run folder whose run never saved (it diverged, or was killed, before its first checkpoint)
    has nothing to resume: say so, and how to start over."""
    if run_dir.is_dir() and (run_dir / "config.json").is_file() and not (run_dir / CHECKPOINT).exists():
        raise MissingFileError(f"--resume {run_dir}: no checkpoint was written (the run stopped — diverged or was "
                               f"killed — before its first save), so there is nothing to resume; start a new run "
                               f"with --out {run_dir} --force, or another --out")


def start_or_resume(run_dir: Path, model_cfg: C.ModelConfig | None, train_cfg: C.TrainConfig | None,
                    resume: bool, steps: int | None = None, folder_locked: bool = False, **callbacks) -> Trainer:
    if resume:
        refuse_resume_without_checkpoint(Path(run_dir))
        payload = require(load_checkpoint(Path(run_dir) / CHECKPOINT), Path(run_dir) / CHECKPOINT, RESUME_KEYS)
        model_cfg, train_cfg = resume_config(payload, steps, run_dir)
        trainer = Trainer(run_dir, model_cfg, train_cfg, **callbacks)
        trainer.restore(payload)
        if steps is not None:
            trainer.state.planned = f"extended to {steps:,} steps at step {trainer.state.step}"
        if trainer.rank == 0:  # never cut the logs of a run another process is still writing
            with contextlib.nullcontext() if folder_locked else run_folder_lock(run_dir):
                truncate_metrics(Path(run_dir) / METRICS, trainer.state.step)
                truncate_metrics(Path(run_dir) / VALIDATION, trainer.state.step)
        return trainer
    assert model_cfg is not None and train_cfg is not None
    return Trainer(run_dir, model_cfg, train_cfg, **callbacks)


__all__ = ["Trainer", "start_or_resume", "TrainingDiverged", "TrainingInterrupted", "BEST", "CHECKPOINT"]
