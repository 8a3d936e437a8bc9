"""The README's real-output blocks, produced by running the tour's commands.

Every output block in README.md follows a marker line `<!-- tour:NAME -->`; TOUR below says which
commands make it and how much of their output to show (the first and last rows of long tables,
the rest elided with `…`). The commands run as a user would run them, piped (so tables keep their
natural width), in a temporary directory; paths under `$TOKLAB_SHARED` are written back as that
variable, and library versions are left out of the comparison.

    python tests/readme_tour.py --check            # run the quick entries, compare with README.md
    python tests/readme_tour.py --write            # run the quick entries and rewrite their blocks
    python tests/readme_tour.py --write --slow     # also the entries that train models (about an hour)
    python tests/readme_tour.py --write audit      # only the named entries

`tests/test_readme.py` runs `--check` on the quick entries. Entries whose output depends on the
clock (training for a time budget) are never checked, only rewritten.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = re.compile(r"^<!-- tour:([\w-]+) -->\n```\n(.*?)```\n", re.DOTALL | re.MULTILINE)
VERSIONS = re.compile(r"\|(toklab|python|tiktoken|tokenizers|sentencepiece|polars|numpy|torch):[^|\s]*")


@dataclasses.dataclass(frozen=True)
class Entry:
    commands: tuple[str, ...]  # as shown after `$ `; `# …` comments are shown, not run
    rows: tuple[tuple[int, int] | None, ...] = ()  # per table in the output: (first, last) body lines kept
    slow: bool = False  # trains models: run only with --slow
    checked: bool = True  # the output is a pure function of the inputs
    figures: tuple[tuple[str, str], ...] = ()  # (file written in the run directory, path in the repository)
    # (HTML page written in the run directory, PNG in the repository, window width, height)
    screenshots: tuple[tuple[str, str, int, int], ...] = ()
    stderr: bool = False  # show what the commands report on stderr too (a command that writes files)


TOUR = {
    "audit": Entry(("toklab audit --plot premiums.png",), rows=(None, (8, 0)),
                   figures=(("premiums.png", "docs/premiums.png"),)),
    "parity": Entry(("toklab parity --vocab 8192",), slow=True),
    # prices are those in force on the day of the run, and their age warnings move with the clock
    "price": Entry(("toklab price", "toklab price -m gpt-5.5 -m claude-sonnet-5-5 -m deepseek-v4-pro -m "
                    "groq:meta-llama/llama-4-maverick-17b-128e-instruct"), rows=(None, (3, 2)), checked=False,
                   stderr=True),
    "loss": Entry(('toklab loss -t hf:$TOKLAB_SHARED/models/all-MiniLM-L6-v2 --text "Café Apple नमस्ते 日本"',
                   ("toklab loss -t hf:$TOKLAB_SHARED/models/all-MiniLM-L6-v2 -t tiktoken:o200k_base "
                    "--langs vie_Latn,hin_Deva,jpn_Jpan,zho_Hans"))),
    # Rendering depends on the fonts installed (Debian's Noto packages), not only on the repository: rewritten, not checked
    "pixels-encode": Entry(('toklab encode pixels:noto "नमस्ते दुनिया" --image pixels-deva.png',
                            'toklab encode pixels:noto "مرحبا بالعالم 2026" --image pixels-arab.png',
                            'toklab encode pixels:noto "བཀྲ་ཤིས་བདེ་ལེགས།" --image pixels-tibt.png'), checked=False,
                           figures=(("pixels-deva.png", "docs/pixels-deva.png"), ("pixels-arab.png", "docs/pixels-arab.png"),
                                    ("pixels-tibt.png", "docs/pixels-tibt.png"))),
    "pixels-audit": Entry(("toklab audit -t pixels:noto -t bytes:utf8 -t tiktoken:o200k_base --by script",),
                          slow=True, checked=False),
    "pixels-languages": Entry(("toklab audit -t pixels:noto -t bytes:utf8 -t tiktoken:o200k_base --all",),
                              slow=True, checked=False),
    "pixels-loss": Entry(("toklab loss -t pixels:noto",), slow=True, checked=False),
    "loss-claude": Entry(("toklab loss -t hf:$TOKLAB_SHARED/tokenizers/claude-v1-tokenizer.json",), rows=(None, (5, 0))),
    "glitch": Entry(("toklab glitch tiktoken:r50k_base --top 8",
                     "toklab glitch tiktoken:r50k_base --evidence mismatch --top 30")),
    "glitch-experiment": Entry(("toklab glitch experiment --steps 1500",), slow=True, checked=False),
    "byte": Entry(("toklab byte train --preset cpu --minutes 10 --out run",
                   "toklab byte eval run --plot bpb.png",
                   "toklab byte eval run --protocol context",
                   "toklab byte eval run --protocol dynamic",
                   'toklab byte sample run --prompt "The city of " --temperature 0.7 --seed 0'),
                  slow=True, checked=False),
    "bench": Entry(("toklab bench audit",), slow=True, checked=False),
    "bench-other": Entry((("toklab bench loss -t tiktoken:cl100k_base -t spm:$TOKLAB_SHARED/tokenizers/mistral-7b-v0.1.model "
                           "-t hf:$TOKLAB_SHARED/models/all-MiniLM-L6-v2"),
                          "toklab bench startup"), slow=True, checked=False),
    "byte-bench": Entry(("toklab byte bench --preset cpu --reference --variants adamw,no-ngrams,canine:4,gbst:4 --steps 30",),
                        slow=True, checked=False),
    "byte-bench-boundaries": Entry(("toklab byte bench --preset cpu --mode compiled --variants gbst:4,hnet:4,spacebyte "
                                    "--steps 30",), slow=True, checked=False),
    "bench-glitch": Entry(("toklab bench glitch -t tiktoken:o200k_base",), slow=True, checked=False),
    "bench-stream": Entry(("toklab bench stream --size-gb 2 --jobs 2",), slow=True, checked=False),
    "report": Entry(("toklab report -o report.html", "toklab report -o report.html --overwrite"), checked=False,
                    stderr=True, screenshots=(("report.html", "docs/report.png", 1440, 900),
                                                 ("report.html", "docs/report-phone.png", 390, 844))),
    "compare": Entry((("toklab compare --schemes bytes,bpe:8192,unigram:8192,paritybpe:8192,canine:4,gbst:4 --minutes 6 "
                       "--protocol isolated,context --plot compare.png"),), rows=(None, None, None, (6, 4)), slow=True,
                     checked=False, figures=(("compare.png", "docs/compare.png"),)),
    "compare-boundaries": Entry((("toklab compare --schemes bytes,bpe:8192,gbst:4,hnet:4,spacebyte --minutes 4 --per-lang 50 "
                                  "--no-compressors --protocol isolated,context --plot compare-boundaries.png"),),
                                rows=(None, None, None, (6, 4)), slow=True, checked=False,
                                figures=(("compare-boundaries.png", "docs/compare-boundaries.png"),)),
}


def run_command(shell: str, cwd: Path, stderr: bool = False) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    args = shlex.split(os.path.expandvars(shell))
    assert args[0] == "toklab", shell
    out = subprocess.run([sys.executable, "-m", "toklab", *args[1:]], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=7200, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{shell!r} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return out.stdout + (out.stderr.strip() + "\n" if stderr else "")


def tables_trimmed(lines: list[str], rows: tuple[tuple[int, int] | None, ...]) -> list[str]:
    """Keep the first and last body lines of each rich table (the n-th gets rows[n])."""
    out, table, body = [], -1, []

    def flush() -> None:
        keep = rows[table] if 0 <= table < len(rows) else None
        if keep is None or len(body) <= sum(keep):
            out.extend(body)
        else:
            first, last = keep
            out.extend(body[:first] + ["│ …"] + (body[-last:] if last else []))
        body.clear()

    for line in lines:
        if line.startswith("┏"):
            table += 1
        if line.startswith("│"):
            body.append(line)
            continue
        flush()
        out.append(line)
    flush()
    return out


def shown(output: str, entry: Entry) -> list[str]:
    text = output
    for variable in ("TOKLAB_SHARED", "TOKLAB_HOME"):  # the reader's own paths, not this machine's
        if os.environ.get(variable):
            for path in dict.fromkeys([os.path.realpath(os.environ[variable]), os.environ[variable]]):
                text = text.replace(path, f"${variable}")  # specs name resolved paths: a link's target too
    lines = [line.rstrip() for line in text.splitlines()]
    return tables_trimmed(lines, entry.rows)


def render(name: str, entry: Entry, keep_figures: bool) -> str:
    with tempfile.TemporaryDirectory(prefix=f"tour-{name}-") as folder:
        block = []
        for shell in entry.commands:
            block.append(f"$ {shell}")
            block += shown(run_command(shell, Path(folder), entry.stderr), entry)
        for produced, kept in entry.figures if keep_figures else ():
            shutil.copyfile(Path(folder) / produced, ROOT / kept)
        for page, kept, width, height in entry.screenshots if keep_figures else ():
            sys.path.insert(0, str(ROOT))  # run as a script, tests/ is not a package on the path
            from tests.browser import screenshot

            screenshot(Path(folder) / page, ROOT / kept, width, height)
    return "\n".join(block) + "\n"


def write_block(name: str, fresh: str) -> None:
    """Replace one block in the README as it is now (a long run must not undo edits made meanwhile)."""
    readme = README.read_text(encoding="utf-8")
    match = next(m for m in MARKER.finditer(readme) if m.group(1) == name)
    README.write_text(readme[:match.start(2)] + fresh + readme[match.end(2):], encoding="utf-8")


# A table's column widths follow its longest cell, and a cell holding a path is as long as the
# reader's `$TOKLAB_SHARED`: padding and rules are compared by content, not by width.
PADDING = re.compile(r" {2,}|([━─])\1+")


# The glitch scan's code reference is the interpreter's own standard library: its file count, size
# and content hash are those of the Python build, a version like the others.
STDLIB = re.compile(r"(files:python[\d.]+-stdlib)\|n:\d+\|skipped:\d+\|bytes:\d+\|content:[0-9a-f]+")


def comparable(block: str) -> str:
    return PADDING.sub(lambda m: m.group(1) or " ", STDLIB.sub(r"\1", VERSIONS.sub("", block)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    parser.add_argument("--slow", action="store_true", help="include entries that train models")
    parser.add_argument("names", nargs="*", help=f"entries (default: all quick ones): {', '.join(TOUR)}")
    args = parser.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    blocks = {m.group(1): m.group(2) for m in MARKER.finditer(readme)}
    names = args.names or [n for n, e in TOUR.items() if args.slow or not e.slow]
    failures = []
    for name in names:
        entry = TOUR[name]
        if name not in blocks:
            failures.append(f"{name}: README.md has no `<!-- tour:{name} -->` block")
            continue
        if args.check and not entry.checked:
            continue
        print(f"running {name} …", file=sys.stderr)
        fresh = render(name, entry, keep_figures=args.write)
        if args.write:
            write_block(name, fresh)
        elif comparable(fresh) != comparable(blocks[name]):
            failures.append(f"{name}: README.md shows\n{blocks[name]}\nbut the commands print\n{fresh}")
    print("\n".join(failures) or "README tour: up to date", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
