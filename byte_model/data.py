"""Documents as id sequences, seeded training batches, and evaluation windows.

Bytes are ids 0..255 with BOS/EOS/PAD after them; a token vocabulary (any tokenizer spec)
puts its ids first and the same three specials after. Training batches are a pure function of
(seed, step, rank), so the data position in a checkpoint is just the step.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import torch

from byte_model.config import N_SPECIALS
from corpora import Corpus
from toklab.errors import CorruptFileError


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    spec: str
    base: int  # ids below this are the tokenizer's (256 for bytes)
    artifact_hash: str | None = None  # sha256 of the tokenizer file the ids came from

    @property
    def bos(self) -> int:
        return self.base

    @property
    def eos(self) -> int:
        return self.base + 1

    @property
    def pad(self) -> int:
        return self.base + 2

    @property
    def size(self) -> int:
        return self.base + N_SPECIALS


def vocabulary_for(spec: str) -> tuple[Vocabulary, object | None]:
    if spec in ("bytes:utf8", "bytes"):
        return Vocabulary("bytes:utf8", 256), None
    from toklab import load_tokenizer

    adapter = load_tokenizer(spec)
    return Vocabulary(adapter.name, adapter.vocab_size, adapter.artifact_hash), adapter


def check_same_tokenizer(saved: Vocabulary, current: Vocabulary, where: str) -> None:
    """A checkpoint's ids mean something only under the tokenizer file it was trained with."""
    if saved.artifact_hash is not None and saved.artifact_hash != current.artifact_hash:
        raise CorruptFileError(
            f"{where}: the tokenizer {saved.spec} changed since this model was trained (artifact sha256 "
            f"{saved.artifact_hash[:16]}… recorded, {str(current.artifact_hash)[:16]}… now); restore that "
            "file or train a new model")
    if saved.base != current.base:
        raise CorruptFileError(f"{where}: the tokenizer {saved.spec} now has {current.base} ids, the model "
                               f"was trained with {saved.base}; restore that file or train a new model")


@dataclasses.dataclass
class Documents:
    ids: list[np.ndarray]  # one id array per document (no specials)
    langs: list[str]
    n_bytes: np.ndarray  # UTF-8 bytes of each document (the BPB denominator)


def encode_documents(corpus: Corpus, spec: str) -> tuple[Documents, Vocabulary]:
    vocab, adapter = vocabulary_for(spec)
    texts = corpus.frame["text"].to_list()
    if adapter is None:
        ids = [np.frombuffer(t.encode("utf-8"), dtype=np.uint8).astype(np.int64) for t in texts]
    else:
        ids = [np.asarray(d, dtype=np.int64) for d in adapter.encode_batch(texts)]
    n_bytes = corpus.frame["text"].str.len_bytes().to_numpy().astype(np.int64)
    return Documents(ids, corpus.frame["lang"].to_list(), n_bytes), vocab


VALIDATION_BLOCK = 10  # consecutive documents held out together: FLORES sentences come in articles


def split_validation(frame: pl.DataFrame, fraction: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(train, validation): every `1/fraction`-th block of `VALIDATION_BLOCK` consecutive doc_ids
    is held out. doc_id is the line shared by every language of a parallel corpus, so the same
    sentences are held out in all languages and no translation of a validation sentence is
    trained on. Deterministic; only the training corpus is ever read."""
    held_out = validation_mask(frame, fraction)
    return frame.filter(~held_out), frame.filter(held_out)


def validation_mask(frame: pl.DataFrame, fraction: float) -> pl.Series:
    """True for the rows split_validation holds out."""
    if fraction <= 0:
        return pl.Series("held_out", [False] * frame.height, dtype=pl.Boolean)
    period = max(round(1 / fraction), 2)
    return ((frame["doc_id"] // VALIDATION_BLOCK) % period == period - 1).alias("held_out")


def training_stream(docs: Documents, vocab: Vocabulary) -> np.ndarray:
    """All documents, each behind a BOS, as one array."""
    parts = []
    for d in docs.ids:
        parts.append(np.array([vocab.bos], dtype=np.int64))
        parts.append(d)
    return np.concatenate(parts)


def batch_at(stream: np.ndarray, step: int, batch_size: int, ctx: int, seed: int, rank: int = 0
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch for `step`: random windows, reproducible from (seed, step, rank) alone."""
    rng = np.random.default_rng([seed, step, rank])
    starts = rng.integers(0, len(stream) - ctx - 1, size=batch_size)
    window = stream[starts[:, None] + np.arange(ctx + 1)]  # (B, ctx+1)
    block = torch.from_numpy(window)
    return block[:, :-1], block[:, 1:]


def eval_windows(doc_ids: np.ndarray, vocab: Vocabulary, ctx: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cover a document's targets with windows of at most `ctx` inputs, scoring each target
    once; later windows keep half a context of history."""
    seq = np.concatenate([[vocab.bos], doc_ids])
    n_targets = len(doc_ids)
    out, scored = [], 0
    stride = max(ctx // 2, 1)
    while scored < n_targets:
        end = min(scored + (ctx if scored == 0 else stride), n_targets)  # last target index (exclusive)
        start = max(0, end - ctx)
        inputs = seq[start:end]
        targets = seq[start + 1 : end + 1].copy()
        targets[: scored - start] = -100  # already scored in an earlier window
        out.append((inputs, targets))
        scored = end
    return out
