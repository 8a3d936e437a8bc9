"""The house rules, checked: imports only go down the floors, library packages never render, and
the commands that need no model never import torch."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
# Floors, lowest first. A module may import its own package and anything on a lower floor;
# the analyzer packages on one floor never import one another.
FLOORS = [
    {"toklab", "toklab.errors", "toklab.bootstrap", "toklab.spec", "toklab.paths", "toklab.integrity", "toklab.cache", "toklab.memo",
     "toklab.suggest", "toklab.signature", "toklab.languages", "toklab.token_offsets", "toklab.aliases"},
    {"corpora"},
    {"toklab.adapters", "toklab.registry", "toklab.rendering"},
    {"byte_model"},
    {"toklab.premium", "toklab.loss", "toklab.glitch", "toklab.compare"},
    {"toklab.bench", "toklab.api", "toklab.report"},
    {"toklab.cli", "toklab.__main__", "cli"},
]
ANALYZERS = 4
LIBRARY = ("toklab", "corpora", "byte_model")  # everything but toklab/cli renders nothing


def unit_of(module: str) -> str:
    """The floor entry a module belongs to (its package, or itself)."""
    for floor in reversed(FLOORS):
        for unit in sorted(floor, key=len, reverse=True):
            if module == unit or module.startswith(unit + "."):
                return unit
    raise AssertionError(f"{module} is on no floor: add it to tests/test_house.py FLOORS")


def floor_of(module: str) -> int:
    unit = unit_of(module)
    return next(i for i, floor in enumerate(FLOORS) if unit in floor)


def module_files():
    for package in LIBRARY:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"), path


def _entry_points() -> dict[str, str]:
    import toklab

    return dict(toklab._API)


_API_HOME = _entry_points()


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from toklab import load_tokenizer` resolves through toklab's lazy entry points
            found |= {_API_HOME.get(alias.name, "toklab") for alias in node.names if node.module == "toklab"}
    return found


def allowed(module: str, target: str) -> bool:
    """Down a floor always; sideways only inside one package, or between foundation modules
    (the analyzer floor is the one whose packages stay independent of each other)."""
    here, there = unit_of(module), unit_of(target)
    if here == there or floor_of(target) < floor_of(module):
        return True
    return floor_of(target) == floor_of(module) and floor_of(module) != ANALYZERS


def test_imports_only_go_down():
    wrong = [f"{module} imports {target}" for module, path in module_files() for target in imports_of(path)
             if target.split(".")[0] in LIBRARY and not allowed(module, target)]
    assert not wrong, "\n".join(wrong)


def test_library_packages_never_render():
    for module, path in module_files():
        if module.startswith("toklab.cli") or module == "toklab.__main__":
            continue
        heavy = {t for t in imports_of(path) if t.split(".")[0] in ("click", "rich")}
        assert not heavy, f"{module} imports {heavy}: rendering belongs in toklab/cli"
        source = path.read_text(encoding="utf-8")
        assert "print(" not in source.replace(">>> print(", ""), f"{module} prints: return data instead"


def test_listed_commands_match_their_own_help():
    from toklab.cli import COMMANDS, main

    ctx = click.Context(main)
    for name, (_target, short) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command.name == name and command.help.strip().splitlines()[0] == short


def test_analyses_without_a_model_never_import_torch(flores_ready, tiktoken_ready):
    script = """
import sys
from click.testing import CliRunner
from toklab.cli import main
runner = CliRunner()
for args in (["--help"], ["audit", "-t", "tiktoken:cl100k_base", "--langs", "eng_Latn,fra_Latn", "--resamples", "10"],
             ["loss", "-t", "bytes:utf8", "--langs", "eng_Latn"], ["glitch", "tiktoken:r50k_base", "--corpus", "none"]):
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
heavy = sorted(m for m in ("torch", "matplotlib") if m in sys.modules)
print("heavy:", heavy)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=ROOT,
                         check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "heavy: []" in out.stdout, out.stdout


def test_public_names_resolve():
    import toklab

    assert set(toklab.__all__) == {"__version__", "ToklabError", *toklab._API}
    for name in toklab._API:
        assert callable(getattr(toklab, name)), name


def test_every_folder_of_code_is_a_package_with_a_face():
    """A folder without `__init__.py` would be left out of a wheel; its docstring says what it offers."""
    for package in LIBRARY:
        for folder in {p.parent for p in (ROOT / package).rglob("*.py")}:
            init = folder / "__init__.py"
            assert init.exists(), f"{folder.relative_to(ROOT)} has no __init__.py"
            assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init.relative_to(ROOT)} has no docstring"
