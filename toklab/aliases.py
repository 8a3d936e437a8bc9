"""API model names → the public tokenizer their vendor's own library maps them to.

OpenAI names are resolved through `tiktoken.encoding_for_model`, the vendor's own table. Models
whose tokenizer is not public are listed here so that asking for them is a clear error, never a
silent substitute; pricing may still use an explicitly labelled proxy (see `toklab.premium.pricing`).
"""

from __future__ import annotations

#: The date the tables below were checked against the vendors' libraries and docs.
CHECKED = "2026-11-26"

#: Model-name prefixes whose tokenizer is not published.
CLOSED_PREFIXES = {
    "claude-": "Anthropic publishes no tokenizer for Claude 3 and later (the legacy Claude 1/2 "
    "tokenizer.json from the anthropic SDK is available as hf:PATH)",
    "gemini-": "Google publishes no tokenizer file for Gemini (the count_tokens API is online only)",
    "command-": "Cohere's Command tokenizers are served online only",
}

#: Extra names people type that tiktoken's table spells differently.
EXTRA = {"gpt-4-turbo": "cl100k_base", "gpt-4o-mini": "o200k_base", "o1-mini": "o200k_base",
         "gpt-oss": "o200k_harmony"}


def openai_encoding(model: str) -> str | None:
    import tiktoken

    if model in EXTRA:
        return EXTRA[model]
    try:
        return tiktoken.encoding_name_for_model(model)
    except KeyError:
        return None


def closed_reason(model: str) -> str | None:
    for prefix, reason in CLOSED_PREFIXES.items():
        if model.startswith(prefix):
            return reason
    return None


def known_aliases() -> list[str]:
    import tiktoken.model as tm

    return sorted(set(tm.MODEL_TO_ENCODING) | set(EXTRA))
