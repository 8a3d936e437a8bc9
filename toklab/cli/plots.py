"""PNG plots (matplotlib, headless): per-language bars sorted and coloured by script, and a training loss curve."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from toklab.paths import atomic_path


def _script_colours(scripts: list[str]) -> dict[str, tuple]:
    import matplotlib

    palette = matplotlib.colormaps["tab20"].colors + matplotlib.colormaps["tab20b"].colors
    return {script: palette[i % len(palette)] for i, script in enumerate(sorted(set(scripts)))}


def per_language_bars(frame: pl.DataFrame, value: str, group: str, path: Path, title: str, ylabel: str,
                      log: bool = False, reference: float | None = None) -> Path:
    """One panel per `group` value: `value` per language, sorted, bars coloured by script."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    groups = frame[group].unique(maintain_order=True).to_list()
    colours = _script_colours(frame["script"].to_list())
    fig, axes = plt.subplots(len(groups), 1, figsize=(22, 3.6 * len(groups) + 1), squeeze=False)
    for ax, name in zip(axes[:, 0], groups):
        part = frame.filter(pl.col(group) == name).drop_nulls(value).sort(value)
        bars = ax.bar(range(part.height), part[value].to_list(), color=[colours[s] for s in part["script"]], width=0.85)
        if "comparable" in part.columns:  # hatch bars whose text partly became unknown tokens
            for patch, ok in zip(bars, part["comparable"].to_list()):
                if not ok:
                    patch.set_hatch("////")
                    patch.set_edgecolor("black")
        ax.set_xticks(range(part.height), part["lang"].to_list(), rotation=90, fontsize=5.5)
        ax.set_xlim(-0.7, part.height - 0.3)
        ax.set_title(str(name), fontsize=10, loc="left")
        ax.set_ylabel(ylabel)
        if log:
            from matplotlib.ticker import ScalarFormatter

            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(ScalarFormatter())
            ax.yaxis.set_minor_formatter(ScalarFormatter())
            ax.tick_params(axis="y", which="minor", labelsize=6)
        if reference is not None:
            ax.axhline(reference, color="black", linewidth=0.8, linestyle="--")
        ax.grid(axis="y", alpha=0.3)
    handles = [Patch(color=c, label=s) for s, c in colours.items()]
    fig.suptitle(title, y=0.995, fontsize=12)
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.975), ncol=min(len(handles), 16),
               fontsize=8, title="script (hatched: >10% of characters became unknown tokens)", title_fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return Path(path)


def write_loss_curve(metrics_csv: Path, png: Path) -> None:
    if not metrics_csv.exists():
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = pl.read_csv(metrics_csv)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(frame["step"].to_list(), frame["bpb"].to_list(), linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("training bits per byte")
    ax.grid(alpha=0.3)
    ax.set_title(f"{metrics_csv.parent.name}: training BPB")
    fig.tight_layout()
    with atomic_path(png) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
