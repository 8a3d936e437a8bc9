"""Ground truth for glitch signals: a tokenizer trained on corpus A, a token LM trained on corpus B.

A holds what B lacks or nearly lacks, the way real glitch tokens arise: three languages B leaves out
(one domain), and machine-made strings — usernames, boilerplate keys, strings a bot repeats,
terminal control codes, code fragments with made-up identifiers, and the same code with CRLF line
endings — each in A hundreds of times and in B in varying doses (0, 1, 3, 10, 30 lines; every kind
gets every dose). Every token's count in the LM's training data is then known exactly, so each
signal is scored against the truth: untrained (count 0) and under-trained (count ≤ k). The
weight-free scan compares the vocabulary with FLORES devtest of B's languages — ordinary text of
the kind the LM was trained on — and with the code reference (the standard library's sources, as a
user's scan does), not with the word lists, which would hold the left-out languages. The LM trains
for a fixed number of steps with a fixed seed, so the result does not depend on the machine.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Callable

import numpy as np
import polars as pl

from toklab.cache import work_dir
from toklab.glitch.mismatch import evidence_order, never_producible
from toklab.glitch.signals import auroc, average_precision, corpus_counts, precision_at, spearman
from toklab.outputs import folder_lock
from toklab.paths import atomic_path, short_hash
from toklab.signature import Signature, build, section


@dataclasses.dataclass(frozen=True)
class ExperimentConfig:
    langs: tuple[str, ...] = ("eng_Latn", "fra_Latn", "deu_Latn", "spa_Latn", "rus_Cyrl", "hin_Deva", "arb_Arab",
                              "zho_Hans", "jpn_Jpan", "swh_Latn", "tur_Latn", "vie_Latn")
    left_out: tuple[str, ...] = ("hin_Deva", "jpn_Jpan", "vie_Latn")  # in A, not in B: a domain B lacks
    injected: int = 36  # machine-made strings in A (usernames, boilerplate keys, repeats, control codes, code, CRLF)
    repeats: int = 300  # lines of each injected string in A
    doses: tuple[int, ...] = (0, 0, 1, 3, 10, 30)  # lines of each injected string in B (`dose`)
    vocab: int = 4096
    steps: int = 1500  # a step budget: the result does not depend on the machine's speed
    minutes: float = 0.0  # a time budget instead (> 0), turned into a recorded step count
    under_k: int = 10
    seed: int = 0


SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
KINDS = ("username", "boilerplate", "repeat", "control", "code", "crlf")


def dose(config: ExperimentConfig, i: int) -> int:
    """Lines of injected string i in B: the doses taken in turn along each kind's strings, so that
    every kind gets every dose (a plain i % len(doses) would pair each kind with one dose)."""
    return config.doses[(i + i // len(KINDS)) % len(config.doses)]


def pseudo_word(rng: np.random.Generator, syllables: int) -> str:
    return "".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), size=syllables))


def injected_strings(config: ExperimentConfig) -> list[tuple[str, str]]:
    """(kind, line) pairs of material the tokenizer's corpus holds and ordinary text lacks, the way
    glitch tokens arise: usernames from a forum's markup, keys of a shop's boilerplate, strings
    repeated by a bot, terminal control codes."""
    rng = np.random.default_rng(config.seed)
    out = []
    for i in range(config.injected):
        kind = KINDS[i % len(KINDS)]
        if kind == "username":
            name = "".join(pseudo_word(rng, 2).capitalize() for _ in range(2)) + ("Fan", "Bot", "")[i % 3]
            out.append((kind, f"Posted by {name} | reply to {name}"))
        elif kind == "boilerplate":
            key = pseudo_word(rng, 2) + "".join(pseudo_word(rng, 2).capitalize() for _ in range(2))
            out.append((kind, f'{{"{key}": true, "{key}Id": {int(rng.integers(10, 99))}}}'))
        elif kind == "repeat":
            letters = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            word = "".join(rng.choice(letters, size=int(rng.integers(10, 17))))
            out.append((kind, " ".join([word] * 3)))
        elif kind == "control":
            code = int(rng.integers(0, 8))
            out.append((kind, f"\x1b[1;3{code}m{pseudo_word(rng, 2)}\x1b[0m\x07\x00\x00"))
        else:  # a code fragment with made-up names; "crlf": the same kind of code saved with CRLF endings
            key, cls = pseudo_word(rng, 2), pseudo_word(rng, 2).capitalize()
            lines = [f"if (this.{key}{cls} != null) {{", f"    this.{key}{cls}.on{cls}Changed({key}Id);", "}"]
            out.append((kind, ("\r\n" if kind == "crlf" else "\n").join(lines)))
    return out


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def build_corpora(config: ExperimentConfig, folder: Path) -> tuple[Path, Path, list[tuple[str, str]]]:
    """Corpus A (the tokenizer's): FLORES dev of every language plus each injected line `repeats`
    times. Corpus B (the LM's): the languages not left out, plus injected line i `dose(config, i)` times."""
    from corpora import load_corpus

    dev = load_corpus(f"flores200?split=dev&langs={','.join(config.langs)}").frame
    injected = injected_strings(config)
    rows_a = [{"text": t, "lang": l} for t, l in zip(dev["text"], dev["lang"])]
    rows_a += [{"text": line, "lang": kind} for kind, line in injected for _ in range(config.repeats)]
    kept = dev.filter(~pl.col("lang").is_in(list(config.left_out)))
    rows_b = [{"text": t, "lang": l} for t, l in zip(kept["text"], kept["lang"])]
    rows_b += [{"text": line, "lang": kind} for i, (kind, line) in enumerate(injected)
               for _ in range(dose(config, i))]
    return write_jsonl(folder / "corpus_a.jsonl", rows_a), write_jsonl(folder / "corpus_b.jsonl", rows_b), injected


# The single signals a scan computes without weights, which the combined weight-free rank should beat.
WEIGHT_FREE_SIGNALS = ("never producible (category)", "character class", "reference-corpus rarity", "rank vs frequency",
                       "survival (leftover merge)", "string-frequency mismatch")


def signal_values(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    """Every signal, oriented so that higher means "more likely untrained"."""
    def column(name: str, fill: float) -> np.ndarray:
        return frame[name].cast(pl.Float64).fill_null(fill).to_numpy()

    lowest = float(frame["mismatch"].min() or 0.0) - 1.0
    return {
        "never producible (category)": frame.select(never_producible()).to_series().cast(pl.Float64).to_numpy(),
        "character class": frame["char_class"].is_not_null().cast(pl.Float64).to_numpy(),
        "reference-corpus rarity": -np.log1p(column("corpus_count", 0.0)),
        "rank vs frequency": column("rank_vs_frequency", 0.0),
        "survival (leftover merge)": -column("survival", 1.0),
        "string-frequency mismatch": column("mismatch", lowest),
        "weight-free rank (combined)": evidence_order(frame).to_numpy(),
        "low embedding norm": -column("embedding_norm", 0.0),
        "untrained similarity": column("untrained_similarity", 0.0),
        "weight score (combined)": column("weight_score", 0.0),
    }


def score_signals(frame: pl.DataFrame, counts: np.ndarray, under_k: int) -> pl.DataFrame:
    """AUROC, AP, precision at 1 % and rank correlation with log count, per signal and target."""
    log_count = np.log1p(counts)
    rows = []
    for target, labels in (("untrained (count 0)", counts == 0), (f"under-trained (count ≤ {under_k})", counts <= under_k)):
        for name, values in signal_values(frame).items():
            rows.append({"target": target, "signal": name, "positives": int(labels.sum()),
                         "auroc": auroc(values, labels), "average_precision": average_precision(values, labels),
                         "precision_at_1pct": precision_at(values, labels),
                         "spearman_vs_log_count": -spearman(values, log_count)})
    # undefined scores (no positives; a constant signal has no rank correlation) are null, not NaN
    return pl.DataFrame(rows).with_columns(pl.col(pl.Float64).fill_nan(None))


def best_single(table: pl.DataFrame) -> dict[str, tuple[float, str, float]]:
    """Per target: the combined weight-free rank's AUROC, and the best single weight-free signal's."""
    out = {}
    for target, rows in table.group_by("target", maintain_order=True):
        scores = dict(zip(rows["signal"], rows["auroc"]))
        singles = {k: v for k, v in scores.items() if k in WEIGHT_FREE_SIGNALS and v is not None}
        best = max(singles, key=singles.get)
        out[target[0]] = (scores["weight-free rank (combined)"], best, singles[best])
    return out


@dataclasses.dataclass(frozen=True)
class ExperimentResult:
    table: pl.DataFrame  # every signal scored against the known training counts
    facts: dict
    signature: Signature


def run_experiment(config: ExperimentConfig, on_log: Callable[[str], None] = lambda _m: None,
                   on_step: Callable | None = None) -> ExperimentResult:
    folder = work_dir("experiments", f"glitch-{short_hash(json.dumps(dataclasses.asdict(config)))}")
    # The same configuration shares one folder: a second run of it at the same time would rewrite
    # the corpora and the LM under the first, so it is refused until the first ends.
    with folder_lock(folder, "experiment folder", "wait for the same experiment to finish"):
        return _run_in(folder, config, on_log, on_step)


def _run_in(folder: Path, config: ExperimentConfig, on_log: Callable[[str], None],
            on_step: Callable | None) -> ExperimentResult:
    import torch
    from safetensors.numpy import save_file

    from byte_model import config as C
    from byte_model.train import METRICS, VALIDATION, Trainer
    from corpora import load_corpus
    from toklab import load_tokenizer
    from toklab.glitch.scan import scan
    from toklab.glitch.text_files import code_reference

    corpus_a, corpus_b, injected = build_corpora(config, folder)
    spec = f"train:bytebpe?vocab={config.vocab}&corpus=jsonl:{corpus_a}"
    on_log(f"tokenizer {spec}")
    adapter = load_tokenizer(spec)
    loaded_b = load_corpus(f"jsonl:{corpus_b}")
    counts = corpus_counts(adapter, loaded_b.frame["text"].to_list())  # exact: the LM trains on exactly this stream
    budget = f"{config.minutes} min" if config.minutes > 0 else f"{config.steps} steps"
    on_log(f"training a token LM on corpus B for {budget}")
    model_cfg = C.ModelConfig(d_model=96, n_layer=2, n_head=4, ctx=128)
    train_cfg = C.TrainConfig(corpus=f"jsonl:{corpus_b}", tokenizer=adapter.name, batch_size=16,
                              minutes=config.minutes, steps=0 if config.minutes > 0 else config.steps, compile="off",
                              checkpoint_every=10**9, seed=config.seed, warmup_steps=20,
                              val_fraction=0.0)  # every line of B is trained on: the counts must be exact
    for log in (METRICS, VALIDATION):  # a rerun starts its logs afresh, not appended to the last run's
        (folder / "lm" / log).unlink(missing_ok=True)
    trainer = Trainer(folder / "lm", model_cfg, train_cfg, on_step=on_step)
    on_log(f"{trainer.device}, torch threads {trainer.threads}")
    trainer.run()
    weights = folder / "lm" / "embeddings.safetensors"
    embedding = trainer.model.embed.weight.detach().to(torch.float32).cpu().numpy()[: adapter.vocab_size]
    with atomic_path(weights) as tmp:  # whole or absent, under the umask like every output
        save_file({"embed_tokens.weight": np.ascontiguousarray(embedding)}, str(tmp))
    kept = [lang for lang in config.langs if lang not in config.left_out]
    reference = load_corpus(f"flores200?split=devtest&langs={','.join(kept)}")
    on_log("scanning the vocabulary")
    result = scan(adapter, reference, weights, words=False, code=code_reference())
    table = score_signals(result.frame.sort("id"), counts, config.under_k)
    facts = {"tokenizer": adapter.name, "vocab": adapter.vocab_size, "lm_steps": trainer.state.step,
             "untrained": int((counts == 0).sum()), "under_trained": int((counts <= config.under_k).sum()),
             "injected": [line for _kind, line in injected], "left_out": list(config.left_out),
             "agreement": result.weights.agreement if result.weights is not None else {}}
    signature = build(("experiment", "glitch"), section("tokenizer", adapter.signature),
                      section("lm_train", loaded_b.signature, prefix="lm_train_"),
                      ("config", json.dumps(dataclasses.asdict(config), sort_keys=True)),
                      ("lm_steps", trainer.state.step), section("scan", result.signature, prefix="scan_"))
    return ExperimentResult(table, facts, signature)
