"""Ground truth for glitch signals: a tokenizer trained on corpus A, a token LM trained on
corpus B, where B leaves out some of A's languages and A holds planted repeated strings B lacks.
Every token's count in the LM's training data is then known exactly, so each signal can be
scored against the truth (untrained: count 0; under-trained: count ≤ k).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl

from toklab.cache import work_dir
from toklab.glitch.signals import auroc, average_ranks, corpus_counts
from toklab.paths import atomic_path, short_hash
from toklab.signature import build


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    langs: tuple[str, ...] = ("eng_Latn", "fra_Latn", "deu_Latn", "spa_Latn", "rus_Cyrl", "hin_Deva", "arb_Arab",
                              "zho_Hans", "jpn_Jpan", "swh_Latn", "tur_Latn", "vie_Latn")
    left_out: tuple[str, ...] = ("hin_Deva", "jpn_Jpan", "vie_Latn")  # in A, not in B
    planted: int = 8  # random strings repeated in A only
    repeats: int = 300
    vocab: int = 4096
    minutes: float = 4.0
    steps: int = 10**9  # a step budget too, for runs that must not depend on machine speed
    under_k: int = 10
    seed: int = 0


def planted_strings(config: ExperimentConfig) -> list[str]:
    rng = np.random.default_rng(config.seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    return ["".join(rng.choice(letters, size=int(rng.integers(10, 17)))) for _ in range(config.planted)]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def build_corpora(config: ExperimentConfig, folder: Path) -> tuple[Path, Path, list[str]]:
    from corpora import load_corpus

    dev = load_corpus(f"flores200?split=dev&langs={','.join(config.langs)}").frame
    rows_a = [{"text": t, "lang": l} for t, l in zip(dev["text"], dev["lang"])]
    strings = planted_strings(config)
    rows_a += [{"text": " ".join([s] * 3), "lang": "planted"} for s in strings for _ in range(config.repeats)]
    kept = dev.filter(~pl.col("lang").is_in(list(config.left_out)))
    rows_b = [{"text": t, "lang": l} for t, l in zip(kept["text"], kept["lang"])]
    return write_jsonl(folder / "corpus_a.jsonl", rows_a), write_jsonl(folder / "corpus_b.jsonl", rows_b), strings


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(-scores, kind="stable")
    hits = labels[order].astype(bool)
    if hits.sum() == 0:
        return float("nan")
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision[hits].mean())


def precision_at(scores: np.ndarray, labels: np.ndarray, fraction: float = 0.01) -> float:
    k = max(1, int(round(len(scores) * fraction)))
    return float(labels[np.argsort(-scores, kind="stable")[:k]].mean())


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")  # a constant signal has no rank correlation
    ra, rb = average_ranks(a.astype(np.float64)), average_ranks(b.astype(np.float64))
    return float(np.corrcoef(ra, rb)[0, 1])


def score_signals(frame: pl.DataFrame, counts: np.ndarray, under_k: int) -> pl.DataFrame:
    """AUROC, AP, precision at 1 % and rank correlation with log count, per signal and target.

    Every signal is oriented so that higher means "more likely untrained"."""
    signals = {
        "unreachable (category)": (frame["category"] == "unreachable").cast(pl.Float64).to_numpy(),
        "merge burst": frame["burst"].to_numpy().astype(float),
        "reference-corpus rarity": -np.log1p(frame["corpus_count"].to_numpy().astype(float)),
        "rank vs frequency": frame["rank_vs_frequency"].to_numpy(),
        "low survival": 1.0 - np.nan_to_num(frame["survival"].to_numpy(), nan=1.0),
        "low embedding norm": -frame["embedding_norm"].to_numpy(),
        "untrained similarity": frame["untrained_similarity"].to_numpy(),
        "fitted score": frame["score"].fill_null(0.0).to_numpy(),
    }
    log_count = np.log1p(counts)
    rows = []
    for target, labels in (("untrained (count 0)", counts == 0), (f"under-trained (count ≤ {under_k})", counts <= under_k)):
        for name, values in signals.items():
            rows.append({"target": target, "signal": name, "positives": int(labels.sum()),
                         "auroc": auroc(values, labels), "average_precision": average_precision(values, labels),
                         "precision_at_1pct": precision_at(values, labels),
                         "spearman_vs_log_count": -spearman(values, log_count)})
    return pl.DataFrame(rows)


@dataclasses.dataclass(frozen=True)
class ExperimentResult:
    table: pl.DataFrame  # every signal scored against the known training counts
    facts: dict
    signature: str


def run_experiment(config: ExperimentConfig, on_log: Callable[[str], None] = lambda _m: None) -> ExperimentResult:
    import torch
    from safetensors.numpy import save_file

    from byte_model import config as C
    from byte_model.train import Trainer
    from corpora import load_corpus
    from toklab import load_tokenizer
    from toklab.glitch.scan import scan

    folder = work_dir("experiments", f"glitch-{short_hash(json.dumps(dataclasses.asdict(config)))}")
    corpus_a, corpus_b, strings = build_corpora(config, folder)
    spec = f"train:bytebpe?vocab={config.vocab}&corpus=jsonl:{corpus_a}"
    on_log(f"tokenizer {spec}")
    adapter = load_tokenizer(spec)
    loaded_b = load_corpus(f"jsonl:{corpus_b}")
    texts_b = loaded_b.frame["text"].to_list()
    counts = corpus_counts(adapter, texts_b)  # exact: the LM trains on exactly this stream
    on_log(f"training a token LM on corpus B for {config.minutes} min")
    model_cfg = C.ModelConfig(d_model=96, n_layer=2, n_head=4, ctx=128)
    train_cfg = C.TrainConfig(corpus=f"jsonl:{corpus_b}", tokenizer=adapter.name, batch_size=16, minutes=config.minutes,
                              steps=config.steps, compile="off", checkpoint_every=10**9, seed=config.seed, warmup_steps=20)
    trainer = Trainer(folder / "lm", model_cfg, train_cfg)
    trainer.run()
    weights = folder / "lm" / "embeddings.safetensors"
    embedding = trainer.model.embed.weight.detach().to(torch.float32).cpu().numpy()[: adapter.vocab_size]
    save_file({"embed_tokens.weight": np.ascontiguousarray(embedding)}, str(weights))
    reference = load_corpus(f"flores200?split=devtest&langs={','.join(config.langs)}")
    on_log("scanning the vocabulary")
    result = scan(adapter, reference, weights)
    frame = result.frame.sort("id")
    table = score_signals(frame, counts, config.under_k)
    facts = {"tokenizer": adapter.name, "vocab": adapter.vocab_size, "lm_steps": trainer.state.step,
             "untrained": int((counts == 0).sum()), "under_trained": int((counts <= config.under_k).sum()),
             "planted": strings, "left_out": list(config.left_out)}
    signature = build("experiment:glitch", adapter.signature, f"lm_train_{loaded_b.signature}",
                      f"config:{json.dumps(dataclasses.asdict(config), sort_keys=True)}",
                      f"lm_steps:{trainer.state.step}", f"scan_reference_{reference.signature}")
    return ExperimentResult(table, facts, signature)
