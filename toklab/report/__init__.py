"""`toklab report`: one self-contained document that joins the analyzers per language and per script
(premium with its interval, byte premium, API prices and effective context, information loss by
stage, glitch exposure, bits per byte), with figures and a methodology generated from signatures.

- collect.py  — runs (or reads from the cache) every analysis: `ReportData`
- figures.py  — the figures, as PNG bytes (matplotlib, imported only here)
- html.py     — one HTML file: styles, script and figures inline, readable without JavaScript
- markdown.py — the same report as Markdown with its PNGs beside it
"""

from toklab.report.collect import ReportData, ReportOptions, collect

__all__ = ["ReportData", "ReportOptions", "collect"]
