"""Data shipped with the package: which tokenizer each API model counts with (counting.json, toklab's own knowledge; prices come from genai-prices)."""
