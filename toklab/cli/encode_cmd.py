"""`toklab encode SPEC TEXT` — token boundaries in colour, ids, and byte fragments shown as bytes."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from toklab.cli.options import OVERWRITE, _with_overwrite, json_format_option, new_target
from toklab.cli.render import signature_line, stdout_console, text_cell, write_json
from toklab.display import visible
from toklab.registry import load_tokenizer

COLOURS = ("on dark_blue", "on dark_green", "on dark_red", "on dark_magenta", "on dark_cyan")


def token_view(raw: bytes) -> tuple[str, bool]:
    """How to show a token: its text when its bytes are whole characters, else `<E3 81>`."""
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return "<" + " ".join(f"{b:02X}" for b in raw) + ">", False


DEFAULT_IMAGE = Path("pixels.png")
MAX_PICTURE_BYTES = 200_000_000  # RGB, enlarged: a longer text is measured, not drawn
SCALE = 4  # the picture's enlargement, so a person can see 16-pixel glyphs


def picture_size(adapter, text: str) -> int:
    """Bytes of the enlarged RGB picture of `text`, before drawing it."""
    g, measured = adapter.geometry, adapter.shaper.measure(text)
    widest = min(measured.width, g.max_width) + g.patch  # a line's patches, at most the limit (and one cluster)
    return int(max(measured.lines, 1) * g.height * SCALE * widest * SCALE * 3)


@click.command("encode")
@click.argument("spec")
@click.argument("text")
@json_format_option
@_with_overwrite
@click.option("--image", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=new_target,
              help=f"pixels: schemes: write the rendered line with its patch grid to FILE (PNG; default "
                   f"{DEFAULT_IMAGE}).")
def encode_cmd(spec: str, text: str, fmt: str, image: Path | None) -> None:
    """Encode TEXT with the tokenizer SPEC and show every token.

    \b
    Examples:
      toklab encode gpt-4o "Hello, world"
      toklab encode tiktoken:r50k_base "日本語"      # fragments shown as <E6 97>
      toklab encode pixels:noto "नमस्ते दुनिया"       # writes pixels.png: the line and its 16×16 patches
    """
    adapter = load_tokenizer(spec)
    target = None
    if adapter.spec.scheme == "pixels":
        target = image or default_image()
        write_rendering(adapter, text, target)
        click.echo(f"wrote {visible(str(target))}", err=True)
    elif image is not None:
        raise click.UsageError(f"--image draws text rendered by a pixels: scheme; {visible(spec)} is not one")
    ids = adapter.encode(text)
    tokens = [{"id": i, "bytes": adapter.token_bytes(i).hex(), "text": token_view(adapter.token_bytes(i))[0],
               "whole_chars": token_view(adapter.token_bytes(i))[1]} for i in ids]
    if fmt == "json":
        write_json({"tokenizer": adapter.name, "text": text, "n_tokens": len(ids), "tokens": tokens,
                    "decoded": adapter.decode(ids), **({"image": str(target)} if target else {}),
                    "signature": adapter.signature})
        return
    console = stdout_console()
    line = Text()
    for n, token in enumerate(tokens):
        style = COLOURS[n % len(COLOURS)] + ("" if token["whole_chars"] else " italic")
        line.append(visible(token["text"]), style=style)  # a newline as \n, an ESC as \x1b: one line, inert
    console.print(line)
    console.print(" ".join(f"{t['id']}" for t in tokens), style="dim")
    unit = "patches" if adapter.family == "patches" else "tokens"
    console.print(f"{len(ids)} {unit} · {len(text.encode('utf-8'))} bytes · {len(text)} characters")
    if adapter.spec.scheme == "pixels":
        measured = adapter.shaper.measure(text)
        g = adapter.geometry
        console.print(f"{measured.width:.1f} px wide on a {g.height}-px line ({g.font_px:.1f}-px font), "
                      f"{g.height}×{g.patch} patches, {measured.lines} line(s); drawn as tofu: {len(measured.tofu)}, "
                      f"by a fallback font: {measured.fallback}")
    decoded = adapter.decode(ids)
    if decoded != text:
        console.print(f"[yellow]round trip differs:[/yellow] {text_cell(repr(decoded))}")
    signature_line(console, adapter.signature)


def default_image() -> Path:
    """pixels.png in this folder, never replacing one without --overwrite."""
    ctx = click.get_current_context()
    if DEFAULT_IMAGE.exists() and not ctx.meta.get(OVERWRITE):
        raise click.UsageError(f"{DEFAULT_IMAGE} (where the rendered line goes by default) already exists: pass "
                               "--overwrite to replace it, or --image FILE")
    return new_target(ctx, next(p for p in ctx.command.params if p.name == "image"), DEFAULT_IMAGE)


def write_rendering(adapter, text: str, path: Path) -> None:
    """The line as the pixel scheme draws it, enlarged, with its patch grid (a PNG, atomically)."""
    import io

    from PIL import Image

    from toklab.paths import atomic_path
    from toklab.rendering.raster import Rasterizer, with_patch_grid

    size = picture_size(adapter, text)
    if size > MAX_PICTURE_BYTES:
        raise click.UsageError(f"the rendered text would be a {size / 1e6:,.0f} MB picture (over "
                               f"{MAX_PICTURE_BYTES / 1e6:,.0f} MB): draw a shorter text or a smaller height")
    picture = with_patch_grid(Rasterizer(adapter.shaper).lines(text), adapter.geometry.patch, SCALE)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
