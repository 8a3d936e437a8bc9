"""The report's figures as matplotlib Figures (no pyplot state: safe to build several), and PNG bytes
(cached: redrawing 204-language panels is most of a warm report's time).

matplotlib is imported inside each function, so importing this module costs nothing. Every label
that can hold data (a language code, a tokenizer, model or script name, a title) goes through
`plot_label`: a `$` in a name would start mathtext (drawn as math, or a failed drawing).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from importlib.metadata import version

import polars as pl

from toklab.cache import cache_key, load, store
from toklab.display import plot_label
from toklab.loss.attribution import STAGES

DPI = 110


def drawn_png(name: str, inputs: pl.DataFrame, draw: Callable, *arguments) -> bytes | None:
    """The PNG `draw(inputs, *arguments)` makes (None when it draws nothing), kept in the cache under
    the content of the inputs, the drawing function, its arguments and this module's code: a
    changed number, a changed option or a changed drawing misses."""
    table = io.BytesIO()
    inputs.write_ipc(table)
    key = cache_key("figures", name, draw.__qualname__, repr(arguments), hashlib.sha256(table.getvalue()).hexdigest(),
                    f"matplotlib:{version('matplotlib')}", code=[__name__], suffix=".png")
    cached = load(key)
    if cached is not None:
        return cached or None
    figure = draw(inputs, *arguments)
    png = save_png(figure) if figure is not None else b""
    store(key, png)
    return png or None


def save_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=DPI, format="png")
    return buffer.getvalue()


def script_colours(scripts: list[str]) -> dict[str, tuple]:
    import matplotlib

    palette = matplotlib.colormaps["tab20"].colors + matplotlib.colormaps["tab20b"].colors
    return {script: palette[i % len(palette)] for i, script in enumerate(sorted(set(scripts)))}


def _new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _log_axis(ax, axis: str = "y") -> None:
    from matplotlib.ticker import ScalarFormatter

    getattr(ax, f"set_{axis}scale")("log")
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(ScalarFormatter())
    target.set_minor_formatter(ScalarFormatter())
    ax.tick_params(axis=axis, which="minor", labelsize=6)


def _script_legend(figure, colours: dict[str, tuple], title: str) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=c, label=plot_label(s)) for s, c in colours.items()]
    figure.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.975), ncol=min(len(handles), 16),
                  fontsize=8, title=plot_label(title), title_fontsize=8)


def language_bars(frame: pl.DataFrame, value: str, group: str, title: str, ylabel: str, log: bool = False,
                  reference: float | None = None):
    """One panel per `group` value: `value` per language, sorted, bars coloured by script; hatched
    where the language is not comparable (its text partly became unknown tokens)."""
    groups = [g for g in frame[group].unique(maintain_order=True).to_list()
              if frame.filter(pl.col(group) == g)[value].drop_nulls().len()]
    colours = script_colours(frame["script"].to_list())
    figure = _new_figure(22, 3.6 * max(len(groups), 1) + 1)
    axes = figure.subplots(max(len(groups), 1), 1, squeeze=False)
    for ax, name in zip(axes[:, 0], groups):
        part = frame.filter(pl.col(group) == name).drop_nulls(value).sort(value)
        bars = ax.bar(range(part.height), part[value].to_list(), color=[colours[s] for s in part["script"]], width=0.85)
        if "comparable" in part.columns:
            for patch, ok in zip(bars, part["comparable"].to_list()):
                if not ok:
                    patch.set_hatch("////")
                    patch.set_edgecolor("black")
        ax.set_xticks(range(part.height), [plot_label(lang) for lang in part["lang"]], rotation=90, fontsize=5.5)
        ax.set_xlim(-0.7, part.height - 0.3)
        ax.set_title(plot_label(name), fontsize=10, loc="left")
        ax.set_ylabel(plot_label(ylabel))
        if log:
            _log_axis(ax)
        if reference is not None:
            ax.axhline(reference, color="black", linewidth=0.8, linestyle="--")
        ax.grid(axis="y", alpha=0.3)
    figure.suptitle(plot_label(title), y=0.995, fontsize=12)
    _script_legend(figure, colours, "script (hatched: >10% of characters became unknown tokens)")
    figure.tight_layout(rect=(0, 0, 1, 0.92))
    return figure


def prices_per_language(price_rows: pl.DataFrame, title: str):
    """The same content's cost per language, one marker series per model (hollow: estimated through a
    stand-in tokenizer); languages ordered by the first model's cost. Up to 20 models keep distinct
    colours (tab20)."""
    models = price_rows["model"].unique(maintain_order=True).to_list()
    first = price_rows.filter(pl.col("model") == models[0]).sort("content_cost")
    order = {lang: i for i, lang in enumerate(first["lang"].to_list())}
    figure = _new_figure(22, 6)
    ax = figure.subplots()
    markers = "os^Dv<>p*h"
    from matplotlib import colormaps

    colours = colormaps["tab20"].colors
    for i, model in enumerate(models):
        part = price_rows.filter(pl.col("model") == model)
        estimate = bool(part["estimate"][0])
        colour = colours[i % len(colours)]
        ax.scatter([order[lang] for lang in part["lang"]], part["content_cost"].to_list(), s=14, marker=markers[i % 10],
                   label=plot_label(model) + (" (estimate: stand-in tokenizer)" if estimate else ""),
                   facecolors="none" if estimate else colour, edgecolors=colour)
    ax.set_xticks(range(first.height), [plot_label(lang) for lang in first["lang"]], rotation=90, fontsize=5.5)
    ax.set_xlim(-0.7, first.height - 0.3)
    ax.set_ylabel("USD for the content of 1M pivot tokens (blended price)")
    _log_axis(ax)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", ncols=2 if len(models) > 8 else 1)
    ax.set_title(plot_label(title), fontsize=12, loc="left")
    figure.tight_layout()
    return figure


def loss_by_stage(languages: pl.DataFrame, title: str, top: int = 25):
    """Characters lost per language, stacked by the pipeline stage that lost them: one panel per
    tokenizer that loses anything, its `top` lossiest languages. None when nothing was lost."""
    lossy = [name for (name,), part in languages.group_by("tokenizer", maintain_order=True)
             if part["chars_lost"].fill_null(0).max() > 0]
    if not lossy:
        return None
    figure = _new_figure(14, 3.4 * len(lossy) + 0.8)
    axes = figure.subplots(len(lossy), 1, squeeze=False)
    for ax, name in zip(axes[:, 0], lossy):
        part = languages.filter(pl.col("tokenizer") == name).sort("chars_lost", descending=True).head(top)
        bottom = [0.0] * part.height
        for i, stage in enumerate(STAGES):
            shares = [100 * (v or 0.0) for v in part[stage].to_list()]
            ax.bar(range(part.height), shares, bottom=bottom, label=stage, color=f"C{i}", width=0.8)
            bottom = [b + s for b, s in zip(bottom, shares)]
        ax.set_xticks(range(part.height), [plot_label(lang) for lang in part["lang"]], rotation=90, fontsize=7)
        ax.set_ylabel("% of characters lost")
        ax.set_title(plot_label(name), fontsize=10, loc="left")
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].legend(fontsize=8, ncol=len(STAGES), loc="upper right")
    figure.suptitle(plot_label(title), fontsize=12)
    figure.tight_layout()
    return figure


def premium_vs_bpb(languages: pl.DataFrame, title: str):
    """One panel per tokenizer: a language's premium against the byte model's bits per byte on it."""
    names = languages["tokenizer"].unique(maintain_order=True).to_list()
    colours = script_colours(languages["script"].to_list())
    figure = _new_figure(5 * len(names), 5)
    axes = figure.subplots(1, len(names), squeeze=False)
    for ax, name in zip(axes[0], names):
        part = languages.filter(pl.col("tokenizer") == name).drop_nulls(["premium", "bpb"])
        ax.scatter(part["premium"].to_list(), part["bpb"].to_list(), s=12,
                   color=[colours[s] for s in part["script"]])
        _log_axis(ax, "x")
        ax.set_xlabel(plot_label(f"premium (×), {name}"))
        ax.set_ylabel("bits per byte, byte model")
        ax.grid(alpha=0.3)
    figure.suptitle(plot_label(title), y=0.995, fontsize=12)
    _script_legend(figure, colours, "script")
    figure.tight_layout(rect=(0, 0, 1, 0.8))
    return figure
