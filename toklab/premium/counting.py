"""Which tokenizer an API model counts with: exact (the vendor's own files or table), or a
labelled stand-in with the reason — toklab's own knowledge, kept in `toklab/data/counting.json`.

>>> counting_for("deepseek-v4-pro").tokenizer
'pkg:deepseek-v4'
>>> counting_for("claude-opus-5-5").exact
False
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from importlib import resources

from toklab.signature import Signature


@dataclasses.dataclass(frozen=True)
class Counting:
    tokenizer: str          # the spec that counts
    exact: bool
    why: str                # where an exact mapping comes from, or why it is only an estimate
    counted_by: str | None  # the vendor whose endpoint counts exactly with the user's key


@functools.lru_cache(maxsize=1)
def _table() -> tuple[dict, str]:
    text = resources.files("toklab.data").joinpath("counting.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return data, Signature.of(("counting", f"toklab/data/counting.json@{data['checked']}"),
                              ("counting_sha256", hashlib.sha256(text.encode()).hexdigest()[:16]))


def mapping_signature() -> Signature:
    return _table()[1]


def _matches(rule: str, model: str) -> bool:
    return model == rule[1:] if rule.startswith("=") else model.startswith(rule)


def counting_for(model: str) -> Counting | None:
    """None when no rule knows the model: it is priced only when the user names a tokenizer. A
    hosted id (`deepseek/deepseek-v4-pro`, `@cf/deepseek-ai/deepseek-v4-pro-0813`) is tried whole,
    then by its last path segment, the model's own name.

    >>> counting_for("openrouter/deepseek/deepseek-v4-pro").tokenizer
    'pkg:deepseek-v4'
    """
    for name in dict.fromkeys((model, model.rsplit("/", 1)[-1])):
        for rule in _table()[0]["rules"]:
            counting = _resolve(rule, name) if _matches(rule["match"], name) else None
            if counting is not None:
                return counting
    return None


def _resolve(rule: dict, model: str) -> Counting | None:
    if rule["tokenizer"] == "tiktoken-table":
        from toklab.aliases import openai_encoding

        encoding = openai_encoding(model)
        if encoding is None:
            unknown = rule.get("unknown")  # a stand-in for the family, or no answer from this rule
            return Counting(unknown["tokenizer"], False, unknown["reason"], None) if unknown else None
        return Counting(f"tiktoken:{encoding}", True, rule["source"], None)
    why = rule["source"] if rule["exact"] else rule["reason"]
    return Counting(rule["tokenizer"], rule["exact"], why, rule.get("counted_by"))


def input_limit(model: str) -> tuple[int, str] | None:
    """(tokens, source) where the vendor states an input limit below the whole context window."""
    for entry in _table()[0]["input_limits"]:
        if model in entry["models"]:
            return entry["input_limit"], entry["source"]
    return None
