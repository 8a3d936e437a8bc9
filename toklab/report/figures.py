"""The report's figures as matplotlib Figures (no pyplot state: safe to build several), and PNG bytes
(cached: drawing is most of a warm report's time). The report's figures summarise (per script, the
extremes, per model); the 204-language detail is the report's table. `language_bars` stays for the
CLI's per-language plots.

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

#: PNG resolution: sharp on screens; the HTML shows each PNG at its design width (width_in × 96 CSS px),
#: so a font drawn at 8 pt prints at 8 pt.
DPI = 192
#: The smallest font any report figure may use, in points (checked by `min_font_points`).
MIN_FONT = 8.0
#: The widest a report figure may be, in inches (the page's column at print size).
MAX_WIDTH = 8.0
# Every figure fits one printed page with its heading, caption and provenance (A4 landscape, 10 mm margins: 7.5 in
# high), so print never parts a figure from its caption and never shrinks its text.
MAX_HEIGHT = 5.0


def _fit_height(height: float) -> float:
    return min(height, MAX_HEIGHT)

# Okabe–Ito: distinguishable with the common colour-vision deficiencies. The accent comes first.
ACCENT = "#0072B2"
DARK = "#222222"
GREY = "#8c8c8c"
LIGHT = "#d9d9d9"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<")
TEXT = 8.5  # tick labels, legends, annotations
LABEL = 9.0  # axis labels


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


def save_png(figure, dpi: int = DPI) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=dpi, format="png")
    return buffer.getvalue()


def script_colours(scripts: list[str]) -> dict[str, tuple]:
    import matplotlib

    palette = matplotlib.colormaps["tab20"].colors + matplotlib.colormaps["tab20b"].colors
    return {script: palette[i % len(palette)] for i, script in enumerate(sorted(set(scripts)))}


def _new_figure(width: float, height: float, layout: str | None = None):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(figure)
    return figure


def min_font_points(figure) -> float:
    """The smallest font size, in points, among the figure's visible, non-empty texts (tick labels,
    legend entries and annotations included), measured after drawing it; inf when it has none."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)
    figure.canvas.draw()
    sizes = [text.get_fontsize() for text in figure.findobj(Text)
             if text.get_visible() and text.get_text().strip()]
    return min(sizes, default=float("inf"))


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


def _premium_axis(ax, values: list[float], pivot_name: str) -> None:
    """A log x axis for premiums, ticked at powers of two ("1×", "2×", "4×"; halves and 1.5× steps
    added where the range is narrow), with the reference line at 1: the pivot's own cost."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    finite = [v for v in values if v is not None and v == v and v > 0] + [1.0]
    low, high = min(finite) / 1.12, max(finite) * 1.12
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    powers = [2.0 ** k for k in range(-12, 16) if low <= 2.0 ** k <= high]
    if len(powers) < 3:
        powers = sorted(powers + [1.5 * 2.0 ** k for k in range(-12, 16) if low <= 1.5 * 2.0 ** k <= high])
    ax.xaxis.set_major_locator(FixedLocator(powers))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}×"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.axvline(1.0, color=GREY, linewidth=0.9, linestyle="--", zorder=1)
    ax.grid(axis="x", color=LIGHT, linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=TEXT)


def _premium_label(pivot_name: str) -> str:
    return plot_label(f"tokens needed for the same content, relative to {pivot_name} (log scale)")


def _reference_handle(pivot_name: str):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=GREY, linewidth=0.9, linestyle="--", label=plot_label(f"1× = same as {pivot_name}"))


def _legend_below(figure, handles: list, ncols: int = 2) -> None:
    figure.legend(handles=handles, loc="outside lower center", ncols=ncols, fontsize=TEXT, frameon=False,
                  handlelength=1.6, columnspacing=1.4)


def _without_pivot(frame: pl.DataFrame, pivot_name: str) -> pl.DataFrame:
    """The rows that are not the pivot's own (premium exactly 1 with no spread, or the pivot by code
    or name): the pivot is the reference line, not a data point."""
    own = (pl.col("lang") == pivot_name) | (pl.col("lang_name") == pivot_name)
    if {"premium_lo", "premium_hi"} <= set(frame.columns):
        own = own | ((pl.col("premium") == 1.0) & (pl.col("premium_lo") == 1.0) & (pl.col("premium_hi") == 1.0))
    return frame.filter(~own.fill_null(False))


def _scripts_ranked(part: pl.DataFrame) -> pl.DataFrame:
    """script, median premium and language count, the most expensive script first."""
    return (part.group_by("script").agg(pl.col("premium").median().alias("median"), pl.len().alias("n"))
            .sort(["median", "script"], descending=[True, False]))


def _script_tick(script: str, n: int) -> str:
    from toklab.languages import script_label

    return plot_label(f"{script_label(script)} ({n})")


def _jitter(rank: int, spread: float = 0.56) -> float:
    """A fixed vertical offset within a row for the rank-th point (golden-ratio sequence: spread
    evenly, no random state)."""
    return 0.0 if rank == 0 else ((rank * 0.6180339887) % 1.0 - 0.5) * spread


def _is_hollow(frame: pl.DataFrame) -> list[bool]:
    return [not ok for ok in frame["comparable"].fill_null(True).to_list()] if "comparable" in frame.columns \
        else [False] * frame.height


def _hollow_handle(text: str = "hollow: not comparable (part of its text became unknown tokens)"):
    from matplotlib.lines import Line2D

    return Line2D([], [], marker="o", linestyle="none", markerfacecolor="none", markeredgecolor=DARK,
                  label=plot_label(text))


def script_dots(languages: pl.DataFrame, tokenizer: str, pivot_name: str):
    """One row per script, the most expensive (by its languages' median premium) on top: every
    language a small point at its premium with its 95 % interval as a thin line, the script's median a
    tall dark bar. None when the tokenizer has no premium to draw."""
    from matplotlib.lines import Line2D

    part = _without_pivot(languages.filter(pl.col("tokenizer") == tokenizer).drop_nulls("premium"), pivot_name)
    if part.is_empty():
        return None
    scripts = _scripts_ranked(part)
    row = {s: i for i, s in enumerate(scripts["script"].to_list())}
    figure = _new_figure(MAX_WIDTH, _fit_height(0.3 * scripts.height + 1.6), layout="constrained")
    ax = figure.subplots()
    part = part.sort(["script", "premium", "lang"])
    ys, xs, hollow = [], [], []
    for (script,), group in part.group_by("script", maintain_order=True):
        for rank, (value, flag) in enumerate(zip(group["premium"].to_list(), _is_hollow(group))):
            ys.append(row[script] + _jitter(rank))
            xs.append(value)
            hollow.append(flag)
    lows, highs = part["premium_lo"].to_list(), part["premium_hi"].to_list()
    spans = [(y, lo, hi) for y, lo, hi in zip(ys, lows, highs) if lo is not None and hi is not None]
    if spans:
        ax.hlines([s[0] for s in spans], [s[1] for s in spans], [s[2] for s in spans], color=ACCENT, alpha=0.55,
                  linewidth=0.9, zorder=2)
    filled = [i for i, h in enumerate(hollow) if not h]
    empty = [i for i, h in enumerate(hollow) if h]
    ax.scatter([xs[i] for i in filled], [ys[i] for i in filled], s=16, color=ACCENT, alpha=0.6, linewidths=0,
               zorder=3)
    if empty:
        ax.scatter([xs[i] for i in empty], [ys[i] for i in empty], s=16, facecolors="none", edgecolors=ACCENT,
                   linewidths=0.9, zorder=3)
    # a tall dark bar under the points: a language alone in its script stays visible on its median
    ax.scatter(scripts["median"].to_list(), list(range(scripts.height)), s=300, marker="|", color=DARK,
               linewidths=2.4, zorder=2.5, gid="medians")
    ax.set_yticks(range(scripts.height), [_script_tick(s, n) for s, n in scripts.select("script", "n").iter_rows()])
    ax.set_ylim(scripts.height - 0.5, -0.5)
    values = xs + [v for v in lows + highs if v is not None]
    _premium_axis(ax, values, pivot_name)
    ax.set_xlabel(_premium_label(pivot_name), fontsize=LABEL)
    handles = [Line2D([], [], marker="o", color=ACCENT, alpha=0.7, linewidth=0.9, markersize=4.5,
                      label="one language (line: 95 % interval)"),
               Line2D([], [], marker="|", linestyle="none", color=DARK, markersize=12, markeredgewidth=2.4,
                      label="median of the script's languages"),
               _reference_handle(pivot_name)]
    if empty:
        handles.append(_hollow_handle())
    _legend_below(figure, handles)
    return figure


def scripts_by_tokenizer(languages: pl.DataFrame, labels: dict[str, str], pivot_name: str):
    """One row per script (ordered by the first tokenizer's median premium, most expensive on top), a
    marker per tokenizer at the median premium of the script's languages, a thin line from the row's
    lowest to its highest tokenizer. None when there is nothing to draw."""
    from matplotlib.lines import Line2D

    part = _without_pivot(languages.drop_nulls("premium"), pivot_name)
    if part.is_empty():
        return None
    names = part["tokenizer"].unique(maintain_order=True).to_list()
    medians = part.group_by("tokenizer", "script").agg(pl.col("premium").median().alias("median"))
    first = _scripts_ranked(part.filter(pl.col("tokenizer") == names[0]))
    rest = _scripts_ranked(part.filter(~pl.col("script").is_in(first["script"].implode())))
    counts = part.group_by("script").agg(pl.col("lang").n_unique().alias("n"))
    order = first["script"].to_list() + rest["script"].to_list()
    count = dict(counts.iter_rows())
    row = {s: i for i, s in enumerate(order)}
    figure = _new_figure(MAX_WIDTH, _fit_height(0.28 * len(order) + 1.3 + 0.2 * ((len(names) + 2) // 3)),
                         layout="constrained")
    ax = figure.subplots()
    span = medians.group_by("script").agg(pl.col("median").min().alias("lo"), pl.col("median").max().alias("hi"))
    for script, lo, hi in span.iter_rows():
        ax.plot([lo, hi], [row[script], row[script]], color=GREY, linewidth=1.0, zorder=2)
    handles = []
    dodge = 0.12 if len(names) <= 4 else 0.4 / (len(names) - 1)  # apart enough to see each marker
    for j, name in enumerate(names):
        mine = medians.filter(pl.col("tokenizer") == name)
        offset = (j - (len(names) - 1) / 2) * dodge if len(names) > 1 else 0.0
        colour, marker = PALETTE[j % len(PALETTE)], MARKERS[j % len(MARKERS)]
        ax.scatter(mine["median"].to_list(), [row[s] + offset for s in mine["script"]], s=28, marker=marker,
                   color=colour, edgecolors="white", linewidths=0.4, zorder=3 + j)
        handles.append(Line2D([], [], marker=marker, linestyle="none", color=colour, markersize=6,
                              label=plot_label(labels.get(name, name))))
    ax.set_yticks(range(len(order)), [_script_tick(s, count[s]) for s in order])
    ax.set_ylim(len(order) - 0.5, -0.5)
    _premium_axis(ax, medians["median"].to_list(), pivot_name)
    ax.set_xlabel(plot_label(f"median over the script's languages: tokens needed for the same content, relative to "
                             f"{pivot_name} (log scale)"), fontsize=LABEL)
    handles.append(_reference_handle(pivot_name))
    _legend_below(figure, handles, ncols=min(3, len(handles)))
    return figure


def ranked_languages(languages: pl.DataFrame, tokenizer: str, pivot_name: str, n: int = 15):
    """The `n` most and `n` least expensive languages (all of them, once, when there are no more than
    2n), most expensive on top: the premium with its 95 % interval, its value written at the right."""
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    part = _without_pivot(languages.filter(pl.col("tokenizer") == tokenizer).drop_nulls("premium"), pivot_name)
    if part.is_empty():
        return None
    part = part.sort(["premium", "lang"], descending=[True, False])
    split = part.height > 2 * n
    gap = 1.6
    if split:
        part = pl.concat([part.head(n), part.tail(n)])
    ys = [float(i) + (gap if split and i >= n else 0.0) for i in range(part.height)]
    bottom = ys[-1] if ys else 0.0
    figure = _new_figure(MAX_WIDTH, _fit_height(0.22 * (bottom + 1) + 1.3), layout="constrained")
    ax = figure.subplots()
    drawn = part.with_columns(pl.Series("y", ys))
    spans = drawn.drop_nulls(["premium_lo", "premium_hi"])
    intervals = ax.hlines(spans["y"].to_list(), spans["premium_lo"].to_list(), spans["premium_hi"].to_list(),
                          color=ACCENT, linewidth=1.4, zorder=2)
    intervals.set_gid("intervals")
    hollow = _is_hollow(drawn)
    for flag in (False, True):
        rows = [i for i, h in enumerate(hollow) if h == flag]
        if rows:
            ax.scatter([drawn["premium"][i] for i in rows], [ys[i] for i in rows], s=22, zorder=3, linewidths=1.0,
                       facecolors="none" if flag else ACCENT, edgecolors=ACCENT)
    ax.set_yticks(ys, [plot_label(name) for name in drawn["lang_name"].to_list()])
    ax.set_ylim(bottom + 0.7, -0.7)
    _premium_axis(ax, drawn["premium"].to_list() + spans["premium_lo"].to_list() + spans["premium_hi"].to_list(),
                  pivot_name)
    right = blended_transform_factory(ax.transAxes, ax.transData)
    for y, value in zip(ys, drawn["premium"].to_list()):
        ax.text(1.012, y, f"{value:.2f}×", transform=right, fontsize=TEXT, va="center", ha="left")
    if split:
        middle = n - 1 + (gap + 1) / 2
        ax.axhline(middle, color=GREY, linewidth=0.8, linestyle=":")
        left = blended_transform_factory(ax.transAxes, ax.transData)
        ax.text(0.005, middle - 0.12, f"▲ the {n} most expensive", transform=left, fontsize=TEXT, color=DARK,
                va="bottom", ha="left")
        ax.text(0.005, middle + 0.12, f"▼ the {n} least expensive", transform=left, fontsize=TEXT, color=DARK,
                va="top", ha="left")
    ax.set_xlabel(_premium_label(pivot_name), fontsize=LABEL)
    handles = [Line2D([], [], marker="o", color=ACCENT, linewidth=1.4, markersize=4.5,
                      label="premium (line: 95 % interval)"), _reference_handle(pivot_name)]
    if any(hollow):
        handles.append(_hollow_handle())
    _legend_below(figure, handles, ncols=3 if len(handles) < 3 else 2)
    return figure


def _dollar_axis(ax, values: list[float]) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    finite = [v for v in values if v is not None and v == v and v > 0]
    low, high = min(finite) / 1.25, max(finite) * 1.25
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    steps = [m * 10.0 ** k for k in range(-4, 7) for m in (1, 2, 5)]
    ticks = [v for v in steps if low <= v <= high]
    if len(ticks) > 7:  # 8.5 pt dollar labels collide beyond 7 on a 5-inch axis
        ticks = [v for v in ticks if f"{v:e}"[0] in "15"]
    if len(ticks) < 3:
        ticks = sorted(ticks + [v for v in (m * 10.0 ** k for k in range(-4, 7) for m in (1.5, 3, 7))
                                if low <= v <= high])
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _dollars(v)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.grid(axis="x", color=LIGHT, linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=TEXT)


def _dollars(value: float) -> str:
    if value >= 10:
        return f"${value:,.0f}"
    if value >= 0.01:
        return f"${value:.2f}"
    return f"${value:.2g}"


def model_prices(price_rows: pl.DataFrame, pivot: str, pivot_name: str):
    """One row per model (in the order given): what the same content costs in every language (faint
    grey points), the pivot language, the median language (a tick) and the dearest language (dark,
    named, its cost written). Estimated models (a stand-in tokenizer counted their tokens) are drawn
    hollow on a dashed guide, and their label says "(estimate)"."""
    from matplotlib.lines import Line2D

    from toklab.premium.pricing import short_model

    rows = price_rows.drop_nulls("content_cost")
    if rows.is_empty():
        return None
    models = rows["model"].unique(maintain_order=True).to_list()
    figure = _new_figure(MAX_WIDTH, _fit_height(0.5 * len(models) + 1.7), layout="constrained")
    ax = figure.subplots()
    _dollar_axis(ax, rows["content_cost"].to_list())
    labels, any_estimate = [], False
    for y, model in enumerate(models):
        part = rows.filter(pl.col("model") == model)
        estimate = bool(part["estimate"].fill_null(False).any())
        any_estimate |= estimate
        labels.append(plot_label(short_model(model) + (" (estimate)" if estimate else "")))
        ax.axhline(y, color=LIGHT, linewidth=0.9, linestyle=(0, (4, 3)) if estimate else "-", zorder=0.5)
        hollow = {"facecolors": "none"} if estimate else {}
        others = part.filter(pl.col("lang") != pivot)
        ax.scatter(others["content_cost"].to_list(), [y] * others.height, s=14, zorder=2, linewidths=0.8,
                   **({"facecolors": "none", "edgecolors": GREY} if estimate else {"color": GREY, "alpha": 0.45}),
                   gid=f"languages:{model}")
        own = part.filter(pl.col("lang") == pivot)
        if own.height:
            ax.scatter(own["content_cost"].to_list(), [y] * own.height, s=42, marker="s", zorder=4, linewidths=1.2,
                       edgecolors=ACCENT, **(hollow or {"color": ACCENT}), gid=f"pivot:{model}")
        median = part["content_cost"].median()
        ax.scatter([median], [y], s=170, marker="|", color=DARK, linewidths=1.6, zorder=3, gid=f"median:{model}")
        dearest = part.sort(["content_cost", "lang"], descending=[True, False]).row(0, named=True)
        ax.scatter([dearest["content_cost"]], [y], s=36, marker="o", zorder=5, linewidths=1.2, edgecolors=DARK,
                   **(hollow or {"color": DARK}), gid=f"dearest:{model}")
        cost = dearest["content_cost"]
        money = f"${cost:,.2f}" if cost < 1000 else f"${cost:,.0f}"
        # named in a column right of the axis, on its model's row: never over another row's points
        ax.annotate(plot_label(f"{dearest['lang_name']} {money}"), (1.0, y), xycoords=ax.get_yaxis_transform(),
                    xytext=(6, 0), textcoords="offset points", ha="left", va="center", fontsize=TEXT,
                    color=DARK, annotation_clip=False)
    ax.set_yticks(range(len(models)), labels)
    ax.set_ylim(len(models) - 0.4, -0.75)
    ax.set_xlabel("USD for the same content\n(the content of 1M pivot-language tokens, blended input/output price)",
                  fontsize=LABEL)
    handles = [Line2D([], [], marker="o", linestyle="none", color=GREY, alpha=0.6, markersize=4.5,
                      label="one language"),
               Line2D([], [], marker="s", linestyle="none", color=ACCENT, markersize=6,
                      label=plot_label(f"{pivot_name} (pivot)")),
               Line2D([], [], marker="|", linestyle="none", color=DARK, markersize=11, markeredgewidth=1.6,
                      label="median language"),
               Line2D([], [], marker="o", linestyle="none", color=DARK, markersize=6, label="dearest language (named at the right)")]
    if any_estimate:
        handles.append(Line2D([], [], marker="o", linestyle=(0, (4, 3)), color=LIGHT, markerfacecolor="none",
                              markeredgecolor=DARK, markersize=6,
                              label="hollow: estimated — counted with a stand-in tokenizer\n"
                                    "because the vendor's tokenizer is not public"))
    _legend_below(figure, handles, ncols=3)
    return figure


def loss_by_stage(languages: pl.DataFrame, title: str = "", top: int = 15):
    """Characters lost per language, stacked by the pipeline stage that lost them: one panel per
    tokenizer that loses anything (stacked vertically), its `top` lossiest languages by name, the
    lossiest on top. None when nothing was lost. `title` is kept for callers; the page titles figures."""
    from matplotlib.patches import Patch

    panels = []
    for (name,), part in languages.group_by("tokenizer", maintain_order=True):
        lossy = part.filter(pl.col("chars_lost").fill_null(0) > 0).sort(["chars_lost", "lang"],
                                                                        descending=[True, False]).head(top)
        if lossy.height:
            panels.append((name, lossy))
    if not panels:
        return None
    fits = max(3, int(((MAX_HEIGHT - 0.9) / len(panels) - 0.75) / 0.22))  # rows per panel that fit one page
    panels = [(name, part.head(fits)) for name, part in panels]
    heights = [0.22 * part.height + 0.75 for _, part in panels]
    figure = _new_figure(MAX_WIDTH, sum(heights) + 0.9, layout="constrained")
    axes = figure.subplots(len(panels), 1, squeeze=False, height_ratios=heights)
    for ax, (name, part) in zip(axes[:, 0], panels):
        left = [0.0] * part.height
        for i, stage in enumerate(STAGES):
            shares = [100 * (v or 0.0) for v in part[stage].to_list()]
            ax.barh(range(part.height), shares, left=left, color=PALETTE[i], height=0.72, zorder=2)
            left = [a + b for a, b in zip(left, shares)]
        ax.set_yticks(range(part.height), [plot_label(n) for n in part["lang_name"].to_list()])
        ax.set_ylim(part.height - 0.5, -0.5)
        ax.set_title(plot_label(name), fontsize=LABEL, loc="left")
        ax.set_xlabel("% of characters lost", fontsize=LABEL)
        ax.grid(axis="x", color=LIGHT, linewidth=0.6, zorder=0)
        ax.set_axisbelow(True)
        ax.tick_params(labelsize=TEXT)
    handles = [Patch(color=PALETTE[i], label=f"lost at: {stage}") for i, stage in enumerate(STAGES)]
    _legend_below(figure, handles, ncols=len(STAGES))
    return figure


def premium_vs_bpb(languages: pl.DataFrame, title: str = ""):
    """One panel per tokenizer (three to a row): a language's premium against the byte model's bits
    per byte on it. The seven scripts with the most languages have a colour each, the rest are grey.
    `title` is kept for callers; the page titles figures."""
    from matplotlib.lines import Line2D
    from toklab.languages import script_label

    rows = languages.drop_nulls(["premium", "bpb"])
    if rows.is_empty():
        return None
    names = rows["tokenizer"].unique(maintain_order=True).to_list()
    biggest = (rows.group_by("script").agg(pl.col("lang").n_unique().alias("n"))
               .sort(["n", "script"], descending=[True, False]).head(7)["script"].to_list())
    colour = {s: PALETTE[i] for i, s in enumerate(biggest)}
    columns = min(3, len(names))
    lines = (len(names) + columns - 1) // columns
    figure = _new_figure(MAX_WIDTH, _fit_height(2.7 * lines + 0.9), layout="constrained")
    axes = figure.subplots(lines, columns, squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= len(names):
            ax.set_visible(False)
            continue
        part = rows.filter(pl.col("tokenizer") == names[k])
        grey = part.filter(~pl.col("script").is_in(biggest))
        ax.scatter(grey["premium"].to_list(), grey["bpb"].to_list(), s=12, color=GREY, alpha=0.6, linewidths=0,
                   zorder=2)
        for script in biggest:
            mine = part.filter(pl.col("script") == script)
            ax.scatter(mine["premium"].to_list(), mine["bpb"].to_list(), s=14, color=colour[script], alpha=0.85,
                       linewidths=0, zorder=3)
        _premium_axis(ax, part["premium"].to_list(), "")
        ax.grid(axis="y", color=LIGHT, linewidth=0.6, zorder=0)
        ax.set_title(plot_label(names[k]), fontsize=LABEL, loc="left")
        ax.set_xlabel("premium (log scale)", fontsize=LABEL)
        if k % columns == 0:
            ax.set_ylabel("bits per byte (byte model)", fontsize=LABEL)
    handles = [Line2D([], [], marker="o", linestyle="none", color=colour[s], markersize=5,
                      label=plot_label(script_label(s))) for s in biggest]
    if rows.filter(~pl.col("script").is_in(biggest)).height:
        handles.append(Line2D([], [], marker="o", linestyle="none", color=GREY, markersize=5, label="other scripts"))
    _legend_below(figure, handles, ncols=4)
    return figure
