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


def measure(page: Path, script: str, width: int = 1280, height: int = 900) -> object:
    """What `script` (a JavaScript function body that returns a JSON-able value) finds in `page` when
    a reader's window is `width` × `height`, after the page's own scripts ran. The page is shown in
    a frame of exactly that size: headless Chromium will not make a window narrower than 500 px."""
    import html
    import json
    import re

    probe = page.with_name(f"{page.stem}-probe.html")
    probe.write_text(
        f'<!doctype html><html><body style="margin:0"><iframe id="page" src="{page.name}" '
        f'style="width:{width}px;height:{height}px;border:0"></iframe><script>'
        "document.getElementById('page').addEventListener('load', function () {"
        "  var frame = document.getElementById('page').contentWindow, out;"
        "  try { out = frame.Function(" + json.dumps(script) + ")(); } catch (e) { out = {error: String(e)}; }"
        "  var pre = document.createElement('pre'); pre.id = 'toklab-probe';"
        "  pre.textContent = JSON.stringify(out); document.body.appendChild(pre); });"
        "</script></body></html>", encoding="utf-8")
    dom, console = open_in_browser(probe, "--dump-dom", "--allow-file-access-from-files",
                                   f"--window-size={max(width, 800) + 40},{height + 40}")
    found = re.search(r'<pre id="toklab-probe">(.*?)</pre>', dom, re.S)
    if found is None:
        raise AssertionError(f"the probe did not run: {console}")
    return json.loads(html.unescape(found.group(1)))


def print_to_pdf(page: Path, pdf: Path) -> Path:
    open_in_browser(page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    return pdf


def poppler() -> bool:
    """Whether pdftotext and pdfimages (Debian's poppler-utils) are installed."""
    return all(shutil.which(tool) for tool in ("pdftotext", "pdfimages"))


def pdf_pages(pdf: Path) -> list[str]:
    """The text of every printed page, as pdftotext lays it out."""
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout.split("\f")[:-1]


def pdf_images(pdf: Path) -> list[dict]:
    """Every image placed in the PDF: its page, size in pixels and resolution as printed (pixels per inch)."""
    done = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    rows = []
    for line in done.stdout.splitlines()[2:]:
        fields = line.split()
        rows.append({"page": int(fields[0]), "width": int(fields[3]), "height": int(fields[4]),
                     "x_ppi": float(fields[12]), "y_ppi": float(fields[13])})
    return rows
