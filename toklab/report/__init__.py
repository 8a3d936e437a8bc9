"""`toklab report`: one self-contained document that joins the analyzers per language and per script
(premium with its interval, byte premium, API prices and effective context, information loss by
stage, glitch exposure, bits per byte), with figures and a methodology generated from signatures.

- collect.py  — runs (or reads from the cache) every analysis: `ReportData`
- figures.py  — the figures, as PNG bytes (matplotlib, imported only here)
- html.py     — one HTML file: styles, script and figures inline, readable without JavaScript
- lead.py     — the title and opening paragraphs, generated from the numbers, format-free
- glossary.py — every term defined, the limitations and the sources
- layout.py   — the tables as cells, the figures with captions, the methodology, format-free
- language_table.py — the table of every language: column groups, breakdowns, its data as CSV
- markdown.py — the same report as Markdown with its PNGs and CSVs beside it
- write.py    — writes either, atomically, never over an existing file unless asked
"""

from toklab.report.collect import ReportData, ReportOptions, collect, planned_steps
from toklab.report.write import FORMATS, write_report

__all__ = ["FORMATS", "ReportData", "ReportOptions", "collect", "planned_steps", "write_report"]
