"""Data shipped with the package: language names and scripts (languages.csv), the API price snapshot (prices.json)."""
