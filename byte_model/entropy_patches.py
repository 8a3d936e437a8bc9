"""Entropy patches (the Byte Latent Transformer's patcher, Meta 2024) as a scheme to audit:
`entropy:RUN_DIR?bytes_per_patch=4` or `entropy:RUN_DIR?threshold=2.5`.

A trained byte model (a `toklab byte train` run over bytes:utf8) reads each text from its BOS;
a patch begins at the first byte and at every byte whose next-byte entropy — the model's
uncertainty before it sees that byte, H(x_t | x_<t) in bits — exceeds a global threshold. The
threshold is given, or chosen so that the mean patch holds `bytes_per_patch` bytes on the run's
own held-out validation text (the same lines in every language, never the audited text) and
recorded in the signature. Patches are the scheme's tokens: `toklab audit` counts them per
language like any tokenizer's. Lossless: the patches are the text's bytes, cut.

A patch has no vocabulary id: each distinct patch gets the next free id the first time this
adapter meets it (ids are labels for one process, never stored); the vocabulary size is left
out of the signature for that reason.

Registered as a plugin (`[project.entry-points."toklab.schemes"]` in pyproject.toml), so the
tokenizer registry, a floor below the byte model, finds it without importing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from toklab.adapters.base import Adapter, TokenAnalysis
from toklab.adapters.labels import PatchAdapter
from toklab.errors import SpecError
from toklab.signature import Signature
from toklab.spec import Spec

USAGE = "entropy:RUN_DIR?bytes_per_patch=4 · entropy:RUN_DIR?threshold=2.5 (a byte model run's entropy patches)"
KEYS = frozenset({"bytes_per_patch", "threshold"})
CALIBRATION_DOCS = 10  # validation documents per language that choose the threshold
BATCH = 64


class EntropyPatchAdapter(PatchAdapter):
    library = "torch"

    def __init__(self, spec: Spec):
        import torch

        from byte_model.loading import checkpoint_path, load_model
        from toklab.paths import file_sha256

        params = dict(spec.params)
        if "bytes_per_patch" in params and "threshold" in params:
            raise SpecError(f"{spec.canonical}: give bytes_per_patch or threshold, not both")
        run_dir = Path(spec.target)
        self.model, self.vocab, payload = load_model(run_dir)
        if self.vocab.spec != "bytes:utf8":
            raise SpecError(f"{spec.canonical}: the run models {self.vocab.spec}, not bytes; entropy patches need "
                            "a byte model (toklab byte train, the default tokenizer bytes:utf8)")
        self.spec = spec
        self.artifact_hash = file_sha256(checkpoint_path(run_dir))
        self.library_version = torch.__version__
        self.train_cfg = payload["train_cfg"]
        self.run_signature = payload["signature"]
        if "threshold" in params:
            from toklab.numeric import parse_float

            self.threshold = parse_float(params["threshold"], "threshold", low=0.0, high=8.0,
                                         where=f"{spec.canonical}: ")
            self.chosen_for = None
        else:
            from toklab.numeric import parse_float

            target = parse_float(params.get("bytes_per_patch", "4"), "bytes_per_patch", low=1.0, high=1e6,
                                 where=f"{spec.canonical}: ")
            self.threshold, self.chosen_for = self._calibrated(target), target
        super().__init__()

    # -- the threshold ------------------------------------------------------------------------
    def _calibrated(self, bytes_per_patch: float) -> float:
        """The entropy above which 1/bytes_per_patch of the validation bytes begin a patch (the
        first byte of every text always does, so it counts among them)."""
        from byte_model.data import split_validation
        from corpora import load_corpus

        source = load_corpus(self.train_cfg["corpus"])
        _train, held = split_validation(source.frame, self.train_cfg.get("val_fraction", 0.05))
        if held.is_empty():
            raise SpecError(f"{self.spec.canonical}: the run held out no validation text to choose the threshold "
                            "on; give it: entropy:RUN_DIR?threshold=BITS")
        texts = held.sort("lang", "doc_id").group_by("lang", maintain_order=True).head(CALIBRATION_DOCS)["text"]
        entropies = [e[1:] for e in self.entropies(texts.to_list()) if len(e) > 1]  # byte 0 always cuts
        pooled = np.concatenate(entropies) if entropies else np.zeros(0)
        total = sum(len(e) + 1 for e in entropies)
        wanted = total / bytes_per_patch - len(entropies)  # cuts still to place after each text's first byte
        if pooled.size == 0:
            return 0.0
        if wanted <= 0:  # texts shorter than a patch: only their first bytes cut
            return float(pooled.max())
        return float(np.quantile(pooled, max(0.0, 1 - wanted / pooled.size)))

    # -- entropies ------------------------------------------------------------------------------
    def entropies(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Per text, H(x_t | x_<t) in bits for every byte t (the model reads the text from BOS, in
        windows of its context that keep half a context of history)."""
        import torch

        from byte_model.data import eval_windows

        encoded = [np.frombuffer(t.encode("utf-8"), dtype=np.uint8).astype(np.int64) for t in texts]
        out = [np.zeros(len(ids)) for ids in encoded]
        rows = []  # (text, its first byte this window scores, inputs, where in the window that byte is)
        for i, ids in enumerate(encoded):
            scored = 0
            for inputs, targets in eval_windows(ids, self.vocab, self.model.cfg.ctx):
                fresh = int((targets != -100).sum())
                rows.append((i, scored, inputs, len(targets) - fresh))
                scored += fresh
        rows.sort(key=lambda r: len(r[2]))  # similar lengths share a batch
        with torch.no_grad():
            for begin in range(0, len(rows), BATCH):
                batch = rows[begin : begin + BATCH]
                x = torch.full((len(batch), max(len(r[2]) for r in batch)), self.vocab.pad, dtype=torch.long)
                for row, (_i, _scored, inputs, _skip) in enumerate(batch):
                    x[row, : len(inputs)] = torch.from_numpy(inputs)
                logp = torch.log_softmax(self.model(x).float()[..., :256], dim=-1)  # the next byte, specials aside
                bits = (-(logp.exp() * logp).sum(-1) / np.log(2)).numpy()
                for row, (i, scored, inputs, skip) in enumerate(batch):
                    # window position k predicts the byte after its input k: text byte `scored` sits at `skip`
                    count = len(inputs) - skip
                    out[i][scored : scored + count] = bits[row, skip : skip + count]
        return out

    # -- the adapter surface --------------------------------------------------------------------
    def cuts(self, entropy: np.ndarray) -> np.ndarray:
        """Byte offsets where a text's patches end, from its bytes' entropies."""
        starts = np.flatnonzero(entropy > self.threshold)
        starts = np.union1d([0], starts) if len(entropy) else starts
        return np.append(starts[1:], len(entropy)).astype(np.int64)

    def _ids(self, data: bytes, ends: np.ndarray) -> list[int]:
        starts = [0, *ends.tolist()[:-1]]
        return self.labels.ids(data[a:b] for a, b in zip(starts, ends.tolist()))

    def analyse(self, texts: Sequence[str], num_threads: int = 1) -> TokenAnalysis:
        entropies = self.entropies(texts)
        ends = [self.cuts(e) for e in entropies]
        ids = [self._ids(t.encode("utf-8"), e) for t, e in zip(texts, ends)]
        return TokenAnalysis(ids, ends, [0] * len(texts))

    @property
    def code_modules(self) -> tuple[str, ...]:
        """The model that computes the entropies too: a change there must not be answered from a
        cache filled before it."""
        return (*super().code_modules, "byte_model.model", "byte_model.chunked",
                "byte_model.shortened", "byte_model.loading", "byte_model.data")

    @property
    def signature(self) -> Signature:
        chosen = (("bytes_per_patch", f"{self.chosen_for:g}"), ("chosen_on", "run_validation")) \
            if self.chosen_for is not None else ()
        return Signature.of(("tok", self.spec.canonical), ("family", self.family),
                            ("sha256", self.artifact_hash[:16]), ("threshold_bits", f"{self.threshold:.4f}"), *chosen,
                            ("run", self.run_signature), (self.library, self.library_version))



def from_spec(spec: Spec) -> Adapter:
    return EntropyPatchAdapter(spec)


SCHEME = (from_spec, USAGE, KEYS)
