"""Evaluation protocols: what a model may see before it predicts a byte.

- `isolated`: each document alone, from a BOS (document_bits);
- `context`: each language's documents in order as one stream behind the tail of the same
  language's dev text; every id is predicted from up to ctx previous ids;
- `dynamic`: `context`, adapting online as compressors do: each segment of the stream is scored,
  then one optimiser step is taken on it, so no byte is scored by weights that have seen it.
  Weights and optimiser state are reset for every language; the learning rate is chosen on
  held-out dev text (validation), never on the text being scored.

All three count exactly the same ids and bytes (streams.py); they differ only in what the
model is given.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from byte_model.config import PROTOCOLS
from byte_model.data import Documents, Vocabulary, encode_documents, eval_windows, validation_mask
from byte_model.runtime import autocast
from byte_model.streams import LanguageStream, Window, language_streams, per_document_bits, stream_windows
from toklab.errors import SpecError, ToklabError
from toklab.signature import Signature, section

LOG2 = math.log(2)
LR_GRID = (0.0, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3)  # 0 = no adaptation: dynamic never does worse than context on validation
LR_LANGS = 8  # languages (spread over the evaluated ones) whose validation text chooses the rate
LR_DOCS = 25  # validation documents per language for that choice


class AdaptationDiverged(ToklabError):
    """Dynamic evaluation's online steps made the model's scores non-finite."""

    exit_code = 5


class NonFiniteScores(ToklabError):
    """The model itself scores some text as NaN or infinitely unlikely: no BPB exists."""

    exit_code = 5


@dataclasses.dataclass(frozen=True)
class ScoringSetup:
    protocol: str = "isolated"
    context_corpus: str = "flores200?split=dev"  # the training corpus: context tails and validation text
    tokenizer: str = "bytes:utf8"
    val_fraction: float = 0.0  # how the run split its training corpus (data.split_validation)
    dynamic_lr: float | None = None  # None: chosen on validation from LR_GRID
    batch_size: int = 64

    def __post_init__(self) -> None:  # the one place a protocol name is checked
        check_protocol(self.protocol)


def check_protocol(protocol: str) -> str:
    if protocol not in PROTOCOLS:
        raise SpecError(f"--protocol {protocol}: use one of {', '.join(PROTOCOLS)}")
    return protocol


def score_documents(model, docs: Documents, vocab: Vocabulary, setup: ScoringSetup,
                    progress: Callable[[int], None] | None = None, on_log: Callable[[str], None] = lambda _m: None
                    ) -> tuple[np.ndarray, float | None, Signature]:
    """(bits per document, the dynamic learning rate used or None, the protocol's signature part)."""
    if setup.protocol == "isolated":
        bits = document_bits(model, docs, vocab, setup.batch_size, progress)
        return _finite(bits, docs, setup), None, Signature.of(("protocol", "isolated_sentences"))
    context, validation, held = _context_text(setup, sorted(set(docs.langs)))
    context_ids, training_ids = _ids_by_language(context, setup.tokenizer, held)
    ctx = model.cfg.ctx
    streams = language_streams(docs, vocab, context_ids, ctx)
    signature = Signature.of(("protocol", setup.protocol), section("context", context.signature, prefix="context_"),
                             ("tail", ctx), ("stride", max(ctx // 2, 1)))
    if setup.protocol == "context":
        bits = context_bits(model, streams, vocab.pad, setup.batch_size, progress=progress)
        return _finite(per_document_bits(streams, bits, len(docs.ids)), docs, setup), None, signature
    lr, how = setup.dynamic_lr, ("", "lr_given")
    if lr is None:
        lr, judged_on = choose_dynamic_lr(model, vocab, training_ids, validation, setup.tokenizer, on_log)
        how = section("lr_validation", judged_on, prefix="lr_chosen_on_validation_")
    bits = dynamic_bits(model, streams, vocab.pad, lr, progress=progress)
    on_log(f"dynamic evaluation: Adam, lr {lr:g} ({'given' if setup.dynamic_lr is not None else 'chosen'}), "
           f"one step per {ctx}-id segment")
    signature = Signature.of(signature, ("dynamic", "adam"), ("lr", f"{lr:g}"), how, ("span", ctx))
    return _finite(per_document_bits(streams, bits, len(docs.ids)), docs, setup), lr, signature


@torch.no_grad()
def document_bits(model, docs: Documents, vocab: Vocabulary, batch_size: int = 64,
                  progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Negative log2-likelihood of every document (bits), each scored alone from its BOS."""
    device = next(model.parameters()).device
    ctx = model.cfg.ctx
    rows = [(d, w) for d, ids in enumerate(docs.ids) for w in eval_windows(ids, vocab, ctx)]
    rows.sort(key=lambda r: len(r[1][0]))  # similar lengths share a batch: little padding
    bits = np.zeros(len(docs.ids), dtype=np.float64)
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        width = max(len(w[0]) for _d, w in chunk)
        x = torch.full((len(chunk), width), vocab.pad, dtype=torch.long)
        y = torch.full((len(chunk), width), -100, dtype=torch.long)
        for i, (_d, (inputs, targets)) in enumerate(chunk):
            x[i, : len(inputs)] = torch.from_numpy(inputs)
            y[i, : len(targets)] = torch.from_numpy(targets)
        x, y = x.to(device), y.to(device)
        with autocast(device):
            logits = model(x)
        nats = F.cross_entropy(logits.float().transpose(1, 2), y, ignore_index=-100, reduction="none").sum(1)
        for (doc, _w), value in zip(chunk, nats.cpu().numpy()):
            bits[doc] += value / math.log(2)
        if progress:
            progress(len(chunk))
    return bits


def _finite(bits: np.ndarray, docs: Documents, setup: ScoringSetup) -> np.ndarray:
    """The documents' bits, or an error naming the languages whose scores are NaN or infinite (the
    weights are broken, or give a byte probability 0): never a BPB of NaN."""
    bad = ~np.isfinite(bits)
    if bad.any():
        langs = sorted({lang for lang, is_bad in zip(docs.langs, bad) if is_bad})
        raise NonFiniteScores(
            f"protocol {setup.protocol}: the model's bits are {bits[bad][0]} for {int(bad.sum())} document(s) of "
            f"{', '.join(langs[:5])}{' …' if len(langs) > 5 else ''}; its weights do not give every byte a finite "
            "probability (a run that diverged?): evaluate an earlier checkpoint (--checkpoint best|last) or retrain")
    return bits


def _context_text(setup: ScoringSetup, langs: list[str]):
    """(the context corpus in the evaluated languages, its validation part, which rows that part is)."""
    from corpora import Corpus, load_corpus

    source = load_corpus(setup.context_corpus)
    frame = source.frame.filter(source.frame["lang"].is_in(langs)).sort("lang", "doc_id")
    held = validation_mask(frame, setup.val_fraction)
    return Corpus(source.spec, frame), Corpus(source.spec, frame.filter(held)), held.to_numpy()


def _ids_by_language(corpus, tokenizer: str, held: np.ndarray) -> tuple[dict, dict]:
    """Every document's ids per language, and those of the training part only — encoded once."""
    docs, _vocab = encode_documents(corpus, tokenizer)
    everything: dict[str, list[np.ndarray]] = {}
    training: dict[str, list[np.ndarray]] = {}
    for ids, lang, is_held in zip(docs.ids, docs.langs, held):
        everything.setdefault(lang, []).append(ids)
        if not is_held:
            training.setdefault(lang, []).append(ids)
    return everything, training


def choose_dynamic_lr(model, vocab: Vocabulary, training_ids: dict[str, list[np.ndarray]], validation, tokenizer: str,
                      on_log: Callable[[str], None] = lambda _m: None) -> tuple[float, str]:
    """The rate in LR_GRID with the lowest dynamic BPB on validation documents (held out from
    training, never the evaluated text) of up to LR_LANGS languages, behind their training text;
    and the signature of exactly the documents that judged it."""
    from corpora import Corpus

    if validation.frame.is_empty():
        raise SpecError("dynamic evaluation needs held-out validation text to choose its learning rate, and this "
                        "run held none out (val_fraction=0, or a training corpus too small for its val_fraction to "
                        "hold out a document); give the rate with --dynamic-lr")
    langs = validation.langs
    langs = langs[:: max(len(langs) // LR_LANGS, 1)][:LR_LANGS]
    chosen = validation.frame.filter(validation.frame["lang"].is_in(langs))
    held = chosen.group_by("lang", maintain_order=True).head(LR_DOCS)
    judged = Corpus(validation.spec, held)
    docs, _vocab = encode_documents(judged, tokenizer)
    streams = language_streams(docs, vocab, training_ids, model.cfg.ctx)
    n_bytes = float(docs.n_bytes.sum())
    scores = {}
    for lr in LR_GRID:
        try:
            bits = per_document_bits(streams, dynamic_bits(model, streams, vocab.pad, lr), len(docs.ids))
        except AdaptationDiverged:  # a rate that diverges is never chosen
            scores[lr] = math.inf
            on_log(f"  validation BPB with lr {lr:g}: diverged")
            continue
        scores[lr] = float(bits.sum()) / n_bytes
        on_log(f"  validation BPB with lr {lr:g}: {scores[lr]:.4f}")
    return min(scores, key=scores.get), judged.signature


def _batch(ids: list[np.ndarray], windows: list[Window], pad: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded inputs and targets; targets that are context only (or padding) are -100."""
    width = max(w.stop - w.start for w in windows)
    x = torch.full((len(windows), width), pad, dtype=torch.long)
    y = torch.full((len(windows), width), -100, dtype=torch.long)
    for row, (stream_ids, w) in enumerate(zip(ids, windows)):
        length = w.stop - w.start
        x[row, :length] = torch.from_numpy(stream_ids[w.start : w.stop])
        targets = torch.from_numpy(stream_ids[w.start + 1 : w.stop + 1].copy())
        targets[: w.new_from - w.start - 1] = -100
        y[row, :length] = targets
    return x.to(device), y.to(device)


def _nats(model, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    device = x.device
    with autocast(device):
        logits = model(x)
    return F.cross_entropy(logits.float().transpose(1, 2), y, ignore_index=-100, reduction="none")  # (B, T)


def _scatter(out: np.ndarray, w: Window, row_nats: np.ndarray) -> None:
    first = w.new_from - w.start - 1
    out[w.new_from : w.stop + 1] = row_nats[first : w.stop - w.start] / LOG2


@torch.no_grad()
def context_bits(model, streams: list[LanguageStream], pad: int, batch_size: int = 64, stride: int | None = None,
                 progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
    """Per-position bits of every stream (NaN where nothing is scored) under the context protocol."""
    ctx = model.cfg.ctx
    stride = stride or max(ctx // 2, 1)
    device = next(model.parameters()).device
    out = [np.full(len(s.ids), np.nan) for s in streams]
    jobs = [(i, w) for i, s in enumerate(streams) for w in stream_windows(len(s.ids), s.first_counted, ctx, stride)]
    jobs.sort(key=lambda job: job[1].stop - job[1].start)  # similar lengths share a batch
    for begin in range(0, len(jobs), batch_size):
        chunk = jobs[begin : begin + batch_size]
        x, y = _batch([streams[i].ids for i, _w in chunk], [w for _i, w in chunk], pad, device)
        nats = _nats(model, x, y).cpu().numpy()
        for row, (i, w) in enumerate(chunk):
            _scatter(out[i], w, nats[row])
        if progress:
            progress(len(chunk))
    return out


def dynamic_bits(model, streams: list[LanguageStream], pad: int, lr: float, span: int | None = None,
                 stride: int | None = None, progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
    """Per-position bits under dynamic evaluation. The stream is cut into segments of `span`
    targets (default: one context); each segment is scored in one batch of windows by the current
    weights, then one Adam step is taken on exactly those targets. Weights and optimiser state
    start afresh for every stream."""
    ctx = model.cfg.ctx
    stride = stride or max(ctx // 2, 1)
    span = span or ctx
    device = next(model.parameters()).device
    initial = copy.deepcopy(model.state_dict())
    was_training = model.training
    model.eval()  # no dropout: adaptation, not regularised training
    out = []
    try:
        for stream in streams:
            model.load_state_dict(initial)
            optimizer = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999))
            out.append(_adapt_on_stream(model, optimizer, stream, pad, ctx, stride, span, device))
            if progress:
                progress(1)
    finally:
        model.load_state_dict(initial)
        model.train(was_training)
    return out


def _adapt_on_stream(model, optimizer, stream: LanguageStream, pad: int, ctx: int, stride: int, span: int,
                     device) -> np.ndarray:
    bits = np.full(len(stream.ids), np.nan)
    position = max(stream.first_counted, 1)
    while position < len(stream.ids):
        high = min(position + span, len(stream.ids))
        windows = stream_windows(high, position, ctx, stride)
        x, y = _batch([stream.ids] * len(windows), windows, pad, device)
        nats = _nats(model, x, y)
        scored = y != -100
        if not torch.isfinite(nats[scored]).all():
            raise AdaptationDiverged(
                f"dynamic evaluation diverged on {stream.lang} at id {position} of its stream (loss "
                f"{nats[scored][~torch.isfinite(nats[scored])][0].item()}) with adaptation rate {lr_of(optimizer):g}; "
                "lower --dynamic-lr (e.g. 1e-3), or leave it out to choose the rate on validation text")
        for row, w in enumerate(windows):  # record the scores first: nothing has seen these targets yet
            _scatter(bits, w, nats[row].detach().cpu().numpy())
        if lr_of(optimizer) > 0:
            optimizer.zero_grad(set_to_none=True)
            (nats[scored].mean()).backward()
            optimizer.step()
        position = high
    return bits


def lr_of(optimizer) -> float:
    return optimizer.param_groups[0]["lr"]
