"""`train:KIND?vocab=N&corpus=SPEC` — tokenizers trained here, deterministically, and cached.

Kinds: `bpe` (character BPE over SentencePiece-style ▁ words), `wordpiece` (BERT-style),
`unigram`, `bytebpe` (GPT-2-style byte-level BPE) and `paritybpe` (byte-level, parity-aware
merges balanced on a parallel dev set, `dev=SPEC`, default the training corpus). `impl=spm`
trains `bpe` or `unigram` with SentencePiece instead of HF `tokenizers` (byte fallback on;
`coverage=` sets its character coverage, default 0.9995).

The cache key is content-addressed: the canonical spec plus the signatures and content hashes
of the training (and, for parity, dev) corpora, so the second use of a spec loads a file instead
of training, and an edited corpus trains anew. The cached file is verified against its recorded
digest before it is used.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

from toklab.cache import CacheKey, cache_key, verify_sidecar, work_dir, write_with_sidecar
from toklab.errors import SpecError
from toklab.numeric import FLOAT_TEXT, parse_int
from toklab.spec import Spec
from toklab.suggest import nearest

KINDS = ("bpe", "wordpiece", "unigram", "bytebpe", "paritybpe")
DEFAULTS = {"corpus": "flores200?split=dev", "impl": "hf"}
UNK = "<unk>"


def _params(spec: Spec) -> tuple[int, str]:
    if spec.target not in KINDS:
        raise SpecError(f"unknown train kind {spec.target!r}; known: {', '.join(KINDS)}" + nearest(spec.target, KINDS))
    # ASCII digits only (int() reads '１２' as 12); the trainers count in 32-bit integers
    vocab = parse_int(spec.get("vocab", "8000"), "vocab", high=2**31 - 1, where=f"{spec}: ")
    if vocab < 300:
        raise SpecError(f"{spec}: vocab={vocab} is too small; use at least 300 (byte-level needs 256 + merges)")
    impl = spec.get("impl", "hf")
    if impl not in ("hf", "spm") or (impl == "spm" and spec.target not in ("bpe", "unigram")):
        raise SpecError(f"{spec}: impl must be 'hf', or 'spm' for bpe/unigram")
    if "coverage" in dict(spec.params):  # checked here, so a spec never carries a value nobody read
        if impl != "spm":
            raise SpecError(f"{spec}: coverage= is read only by impl=spm (SentencePiece's character coverage); "
                            "drop it, or add impl=spm")
        _coverage(spec)
    return vocab, impl


def canonical_train_spec(spec: Spec) -> Spec:
    vocab, _impl = _params(spec)
    full = spec.with_params(vocab=str(vocab))
    if "corpus" not in dict(full.params):
        full = full.with_params(corpus=DEFAULTS["corpus"])
    return full.without_defaults({"impl": "hf"})


def _hf_components(kind: str, vocab: int):
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    if kind in ("bytebpe", "paritybpe"):
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
        )
        return tok, trainer
    if kind == "wordpiece":
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=False)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece()
        trainer = trainers.WordPieceTrainer(vocab_size=vocab, special_tokens=["[UNK]"], show_progress=False)
        return tok, trainer
    metaspace = pre_tokenizers.Metaspace()
    if kind == "unigram":
        tok = Tokenizer(models.Unigram())
        trainer = trainers.UnigramTrainer(vocab_size=vocab, special_tokens=[UNK], unk_token=UNK, show_progress=False)
    else:
        tok = Tokenizer(models.BPE(unk_token=UNK))
        trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=[UNK], show_progress=False)
    tok.pre_tokenizer = metaspace
    tok.decoder = decoders.Metaspace()
    return tok, trainer


def _train_parity(vocab: int, by_lang: dict[str, list[str]], dev_by_lang: dict[str, list[str]]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    langs = [lang for lang in by_lang if lang in dev_by_lang]
    trainer = trainers.ParityBpeTrainer(num_merges=vocab - 256, variant="base", show_progress=False)
    trainer.initial_alphabet = pre_tokenizers.ByteLevel.alphabet()  # every byte encodable
    trainer.train_from_iterator(
        tok,
        train_iterators=[iter(by_lang[lang]) for lang in langs],
        dev_iterators=[iter(dev_by_lang[lang]) for lang in langs],
    )
    return tok


def _train_spm(kind: str, vocab: int, texts: list[str], coverage: float = 0.9995) -> bytes:
    import io

    import sentencepiece as spm

    model = io.BytesIO()
    try:
        _spm_train(spm, model, kind, vocab, texts, coverage)
    except RuntimeError as exc:  # e.g. vocabulary smaller than the required characters
        raise SpecError(f"SentencePiece could not train {kind} at vocab={vocab}: {str(exc).split('] ')[-1]}") from None
    return model.getvalue()


def _spm_train(spm, model, kind: str, vocab: int, texts: list[str], coverage: float) -> None:
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_writer=model,
        vocab_size=vocab,
        model_type=kind,
        byte_fallback=True,
        character_coverage=coverage,  # rarer characters fall back to bytes
        hard_vocab_limit=False,  # a small corpus may not fill the vocabulary
        num_threads=1,  # single-threaded training is deterministic
        minloglevel=2,
    )


def trained_key(spec: Spec, corpora: list) -> CacheKey:
    """A trained tokenizer depends on its spec, its corpora's full content hashes and this module's
    code (the trainer settings live here)."""
    content = [f"{c.signature}\n{c.content_hash}" for c in corpora]  # the full hash, not the signature's prefix
    return cache_key("tokenizers", spec.canonical, *content, code=[__name__])


def trained_path(spec: Spec, key: CacheKey) -> Path:
    suffix = ".model" if spec.get("impl") == "spm" else ".json"
    return work_dir("tokenizers", f"{spec.target}-{spec.get('vocab')}-{key.digest[:32]}{suffix}")


def train_to_cache(spec: Spec, progress: Callable[[str], None] | None = None) -> Path:
    """Train (or find in the cache) the tokenizer a canonical `train:` spec names."""
    from corpora import load_corpus

    vocab, impl = _params(spec)
    corpus = load_corpus(spec.get("corpus") or DEFAULTS["corpus"])
    dev = load_corpus(spec.get("dev") or spec.get("corpus") or DEFAULTS["corpus"]) if spec.target == "paritybpe" else None
    key = trained_key(spec, [corpus] + ([dev] if dev is not None else []))
    path = trained_path(spec, key)
    if verify_sidecar(path, key):
        return path
    if progress:
        progress(f"training {spec.canonical} on {corpus.frame.height:,} documents")
    texts = corpus.frame["text"].to_list()
    if impl == "spm":
        payload = _train_spm(spec.target, vocab, texts, float(_coverage(spec)))
    elif dev is not None:
        payload = _train_parity(vocab, _group(corpus), _group(dev)).to_str().encode("utf-8")
    else:
        tok, trainer = _hf_components(spec.target, vocab)
        tok.train_from_iterator(texts, trainer=trainer, length=len(texts))
        payload = tok.to_str().encode("utf-8")
    if not write_with_sidecar(path, payload, key):  # cache not writable: a private temporary copy
        path = Path(tempfile.mkdtemp(prefix="toklab-tokenizers-")) / path.name
        path.write_bytes(payload)
    return path


def _coverage(spec: Spec) -> float:
    text = spec.get("coverage", "0.9995")
    value = float(text) if FLOAT_TEXT.fullmatch(text) else -1.0  # float() would take 'nan' and '０.５'
    if not 0 < value <= 1:
        raise SpecError(f"{spec}: coverage must be a number in (0, 1], got {spec.get('coverage')!r}")
    return value


def _group(corpus) -> dict[str, list[str]]:
    return {lang: part["text"].to_list() for lang, part in corpus.by_lang().items()}
