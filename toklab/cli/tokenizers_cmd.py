"""`toklab tokenizers list|show` — what can be named, what is available offline, what a spec is."""

from __future__ import annotations

import os

import click

from toklab import aliases
from toklab.cli.options import json_format_option
from toklab.cli.render import signature_line, stdout_console, text_cell, write_json
from toklab.adapters.packaged import EXTRA, PACKAGED, describe_packaged
from toklab.registry import load_tokenizer, scheme_usages


def offline_encodings() -> dict[str, bool]:
    """Which registered tiktoken encodings load without the network right now."""
    import hashlib

    import tiktoken

    cache = os.environ.get("TIKTOKEN_CACHE_DIR")
    found = {}
    for name in tiktoken.list_encoding_names():
        url = f"https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
        found[name] = bool(cache) and os.path.exists(os.path.join(cache, hashlib.sha1(url.encode()).hexdigest()))
    return found


@click.group("tokenizers")
def tokenizers_group() -> None:
    """List tokenizer schemes and aliases, or show one tokenizer's pipeline."""


@tokenizers_group.command("list")
@json_format_option
def list_cmd(fmt: str) -> None:
    """Schemes, model aliases (checked on the date shown) and what works offline now."""
    payload = {
        "schemes": scheme_usages(),
        "aliases": {name: aliases.openai_encoding(name) for name in aliases.known_aliases()},
        "aliases_checked": aliases.CHECKED,
        "closed_models": aliases.CLOSED_PREFIXES,
        "tiktoken_offline": offline_encodings(),
        "packaged": [describe_packaged(entry) for entry in PACKAGED.values()],
    }
    if fmt == "json":
        write_json(payload)
        return
    console = stdout_console()
    console.print("[bold]Schemes[/bold]")
    for name, example in payload["schemes"].items():
        console.print(f"  [cyan]{name:9}[/cyan] {example}")
    _print_packaged(console, payload["packaged"])
    console.print(f"\n[bold]Model aliases[/bold] (vendor tables checked {aliases.CHECKED})")
    for name, encoding in payload["aliases"].items():
        console.print(f"  {name:32} → tiktoken:{encoding}")
    console.print("\n[bold]Closed models[/bold] (an error, never a substitute)")
    for prefix, reason in aliases.CLOSED_PREFIXES.items():
        console.print(f"  {prefix}*  {reason}")
    console.print("\n[bold]tiktoken encodings available offline[/bold] (TIKTOKEN_CACHE_DIR)")
    for name, ok in payload["tiktoken_offline"].items():
        console.print(f"  {name:14} {'[green]yes[/green]' if ok else '[dim]no[/dim]'}")


def _print_packaged(console, entries: list[dict]) -> None:
    from rich.markup import escape

    console.print("\n[bold]Today's open model families[/bold] (exact files from PyPI packages; the bare name works)")
    for e in entries:
        if e["version"] is None:
            console.print(f"  [cyan]{e['name']:22}[/cyan] [dim]{e['package']} not installed: "
                          f"pip install 'toklab[{EXTRA}]'[/dim]")
            continue
        console.print(f"  [cyan]{e['name']:22}[/cyan] {escape(e['counts_for'])}")
        console.print(f"  {'':22} {e['package']} {e['version']} · {e['file']} · sha256 {e['sha256'][:16]}")
        console.print(f"  {'':22} pattern {escape(e['pattern'])}", overflow="fold")


@tokenizers_group.command("show")
@click.argument("spec")
@json_format_option
def show_cmd(spec: str, fmt: str) -> None:
    """Family, vocabulary, normaliser, pre-tokenizer, specials, byte fallback, hash, signature.

    \b
    Example: toklab tokenizers show hf:models/all-MiniLM-L6-v2
    """
    info = load_tokenizer(spec).describe()
    if fmt == "json":
        write_json(info)
        return
    console = stdout_console()
    for key, value in info.items():
        if key == "signature":
            continue
        if isinstance(value, dict) and len(value) > 12:
            value = f"{len(value)} tokens: " + ", ".join(f"{k}={v}" for k, v in list(value.items())[:12]) + ", …"
        console.print(f"[bold]{key:>18}[/bold]  {text_cell(value)}", overflow="fold")  # special tokens are data
    signature_line(console, info["signature"])
