"""PNG plots (matplotlib, headless): per-language bars sorted and coloured by script, and a training loss curve."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from toklab.display import plot_label
from toklab.paths import atomic_path

PLOT_DPI = 110  # the CLI's per-language plots are 22 inches wide: the report's 192 would make them 4,224 px


def per_language_bars(frame: pl.DataFrame, value: str, group: str, path: Path, title: str, ylabel: str,
                      log: bool = False, reference: float | None = None) -> Path:
    """One panel per `group` value: `value` per language, sorted, bars coloured by script."""
    from toklab.report.figures import language_bars, save_png

    with atomic_path(Path(path)) as tmp:
        tmp.write_bytes(save_png(language_bars(frame, value, group, title, ylabel, log, reference), dpi=PLOT_DPI))
    return Path(path)


def schemes_on_one_axis(rows: pl.DataFrame, path: Path, title: str, order_by: str = "bytes") -> Path:
    """BPB of every scheme per language on one shared axis (one panel per protocol): languages
    sorted by the `order_by` scheme's BPB, one marker per scheme, so schemes compare by height."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    protocols = rows["protocol"].unique(maintain_order=True).to_list()
    schemes = rows["scheme"].unique(maintain_order=True).to_list()
    order_by = order_by if order_by in schemes else schemes[0]
    markers = "os^vDPX*<>hp"
    palette = matplotlib.colormaps["tab10"].colors
    # Log scale, own scale per panel: sentence-by-sentence compressors pay a container header
    # per sentence (up to 10 BPB), which would flatten the models' differences on a linear axis.
    fig, axes = plt.subplots(len(protocols), 1, figsize=(22, 4.2 * len(protocols) + 0.8), squeeze=False)
    for ax, protocol in zip(axes[:, 0], protocols):
        part = rows.filter(pl.col("protocol") == protocol)
        langs = part.filter(pl.col("scheme") == order_by).sort("bpb")["lang"].to_list()
        position = {lang: i for i, lang in enumerate(langs)}
        for i, scheme in enumerate(schemes):
            one = part.filter((pl.col("scheme") == scheme) & pl.col("lang").is_in(langs))
            ax.scatter([position[lang] for lang in one["lang"]], one["bpb"].to_list(), s=14, marker=markers[i % len(markers)],
                       color=palette[i % len(palette)], label=plot_label(scheme), linewidths=0.4,
                       zorder=3 if scheme == order_by else 2)
        ax.set_xticks(range(len(langs)), [plot_label(lang) for lang in langs], rotation=90, fontsize=5.5)
        ax.set_xlim(-0.7, len(langs) - 0.3)
        ax.set_title(plot_label(f"protocol: {protocol} (languages sorted by {order_by})"), fontsize=10, loc="left")
        ax.set_ylabel("bits per byte (log scale)")
        ax.set_yscale("log")
        from matplotlib.ticker import ScalarFormatter

        for axis_format in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
            axis_format(ScalarFormatter())
        ax.tick_params(axis="y", which="minor", labelsize=6)
        ax.grid(alpha=0.3, which="both")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.985), ncol=len(schemes), fontsize=9,
               markerscale=1.6)
    fig.suptitle(plot_label(title), y=0.998, fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return Path(path)


def write_loss_curve(metrics_csv: Path, png: Path, validation_csv: Path | None = None) -> None:
    """Training BPB per step, and validation BPB when the run kept a validation log."""
    if not metrics_csv.exists():
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = pl.read_csv(metrics_csv)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(frame["step"].to_list(), frame["bpb"].to_list(), linewidth=1, label="training (one batch)")
    if validation_csv is not None and validation_csv.exists():
        held = pl.read_csv(validation_csv)
        ax.plot(held["step"].to_list(), held["val_bpb"].to_list(), linewidth=1.5, marker=".", label="validation")
        ax.legend()
    ax.set_xlabel("step")
    ax.set_ylabel("bits per byte")
    ax.grid(alpha=0.3)
    ax.set_title(plot_label(f"{metrics_csv.parent.name}: training and validation BPB"))
    fig.tight_layout()
    with atomic_path(png) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
