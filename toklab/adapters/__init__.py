"""One adapter per tokenizer scheme behind one contract (base.py): encode, decode, token bytes,
`analyse` (ids, token end offsets, unknown coverage) and the pipeline capabilities analyzers ask
about (normalize, pre_tokenize, token_string, byte_fallback_ids, piece_context), so that no
analyzer looks inside a third-party tokenizer. `toklab.registry.load_tokenizer` picks the adapter."""

from toklab.adapters.base import Adapter, NotMeasurable, TokenAnalysis

__all__ = ["Adapter", "NotMeasurable", "TokenAnalysis"]
