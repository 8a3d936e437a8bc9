"""Run-directory artefacts: the loss curve PNG."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from toklab.paths import atomic_path


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
