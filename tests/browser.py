"""Headless Chromium for the tests and the README tour: a page's DOM after its scripts ran, the
console messages it logged, and screenshots."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium() -> str | None:
    return next((found for found in map(shutil.which, NAMES) if found), None)


def open_in_browser(page: Path, *extra: str) -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran (with `--dump-dom`), and the console messages logged meanwhile."""
    browser = chromium()
    if browser is None:
        raise FileNotFoundError(f"none of {', '.join(NAMES)} is installed (Debian: apt-get install chromium)")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
               "--virtual-time-budget=5000", *extra, page.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    return done.stdout, [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 900) -> Path:
    """The first screen of `page`, as a reader with a laptop-sized window sees it."""
    open_in_browser(page, f"--screenshot={png}", f"--window-size={width},{height}", "--hide-scrollbars")
    return png
