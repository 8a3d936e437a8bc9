"""Timing harnesses behind `toklab bench`: each returns measured rows, each against a reference
timed in the same run (analyzer_speed.py: audit and loss vs raw encoding; byte_speed.py: the byte
model's presets, which imports torch)."""
