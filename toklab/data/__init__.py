"""Data shipped with the package: language names and scripts (languages.csv), and which tokenizer each API model counts with (counting.json, toklab's own knowledge; prices come from genai-prices)."""
