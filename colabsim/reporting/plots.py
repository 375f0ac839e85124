"""Figures of an ensemble: dynamics with bands across replications, sectors, the trust network.

Every function takes tidy tables (as produced by `colabsim.run_ensemble`) and writes one figure (a
PNG, and SVG or PDF beside it when `colabsim.reporting.style.figure_formats` asks); none runs the
model. Bands are the 10th-90th percentile range across replications around the mean. Colours,
calendar-year axes and legends beside the data come from `colabsim.reporting.style`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from colabsim.reporting import style

__all__ = ["plot_dynamics", "plot_factor_bands", "plot_metric", "plot_network", "plot_sectors", "plot_summary"]

SIDE_MARKERS = {"local": "o", "foreign": "s", "bridging": "D"}
LABELS = {
    "performance": "Programme performance",
    "trust": "Trust across the partnership",
    "commitment": "Mean commitment",
    "understanding": "Shared understanding",
    "active_sectors": "Sectors with an active programme",
    "reputation": "City reputation",
}
_SHARES = ("performance", "trust", "commitment", "understanding", "reputation")


def _band(ax: plt.Axes, frame: pd.DataFrame, metric: str, label: str, colour: str) -> None:
    """Mean and 10-90% band of `metric` across the runs in `frame`, against calendar years."""
    years = pd.Series(style.calendar_years(frame), index=frame.index)
    grouped = frame[metric].groupby(years)
    mean = grouped.mean()
    ax.plot(mean.index, mean.to_numpy(), color=colour, label=label, lw=2)
    ax.fill_between(
        mean.index, grouped.quantile(0.1).to_numpy(), grouped.quantile(0.9).to_numpy(), color=colour, alpha=0.2
    )


def _runs(timeseries: pd.DataFrame) -> str:
    return f"{timeseries['replication'].nunique()} runs each"


def plot_metric(timeseries: pd.DataFrame, labels: Sequence[str], metric: str, path: Path) -> Path:
    """One metric over time, one line per scenario, with a 10-90% band across replications."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    colours = style.scenario_colours(labels)
    for label in labels:
        _band(ax, timeseries[timeseries["scenario"] == label], metric, label, colours[label])
    style.year_axis(ax)
    ax.set_ylabel(LABELS.get(metric, metric))
    if metric in _SHARES:
        ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    style.legend_beside(ax)
    ax.set_title(
        f"{LABELS.get(metric, metric)}: {style.compared(labels)}\n(mean and 10-90% band of {_runs(timeseries)})"
    )
    return style.save(fig, path)


def plot_dynamics(timeseries: pd.DataFrame, labels: Sequence[str], path: Path) -> Path:
    """A 2 x 2 panel: performance, trust, commitment and active sectors over time."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharex=True)
    colours = style.scenario_colours(labels)
    for ax, metric in zip(axes.ravel(), ("performance", "trust", "commitment", "active_sectors"), strict=True):
        for label in labels:
            _band(ax, timeseries[timeseries["scenario"] == label], metric, label, colours[label])
        ax.set_title(LABELS[metric])
        ax.grid(alpha=0.3)
        style.year_axis(ax)
        if metric != "active_sectors":
            ax.set_ylim(0, 1.02)
    for ax in axes[0]:
        ax.set_xlabel("")
    fig.suptitle(f"{style.compared(labels)}: mean and 10-90% band of {_runs(timeseries)}")
    fig.tight_layout()
    style.legend_beside(fig)
    return style.save(fig, path)


def _sector_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.startswith("performance_") and frame[c].notna().any()]


def plot_sectors(timeseries: pd.DataFrame, labels: Sequence[str], path: Path) -> Path:
    """Performance by sector over time, one panel per scenario (mean across replications).

    A sector has the same colour in every panel (and in every figure, see `colabsim.reporting.style`);
    one legend beside the panels names all of them.
    """
    fig, axes = plt.subplots(1, len(labels), figsize=(5.5 * len(labels), 4), squeeze=False, sharex=True, sharey=True)
    colours = style.sector_colours(c.removeprefix("performance_") for c in _sector_columns(timeseries))
    for ax, label in zip(axes[0], labels, strict=True):
        frame = timeseries[timeseries["scenario"] == label]
        columns = _sector_columns(frame)
        means = frame[columns].groupby(style.calendar_years(frame)).mean()
        for column in columns:
            sector = column.removeprefix("performance_")
            ax.plot(means.index, means[column], label=sector, color=colours[sector], lw=2)
        ax.set_title(label)
        style.year_axis(ax)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("Performance by sector (mean of runs;\nmissing while the sector is not open)")
    fig.suptitle(f"Performance by sector: {style.compared(labels)} (mean of {_runs(timeseries)})")
    fig.tight_layout()
    handles = [Line2D([0], [0], color=colour, lw=2) for colour in colours.values()]
    style.legend_beside(fig, handles=handles, labels=list(colours), title="sector")
    return style.save(fig, path)


def plot_summary(table: pd.DataFrame, labels: Sequence[str], metrics: Sequence[str], path: Path) -> Path:
    """Summary metrics per scenario: means with 95% confidence intervals."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.6), squeeze=False)
    by_label = style.scenario_colours(labels)
    colours = [by_label[label] for label in labels]
    for ax, metric in zip(axes[0], metrics, strict=True):
        rows = table[table["metric"] == metric].set_index("scenario").loc[list(labels)]
        x = np.arange(len(labels))
        ax.bar(x, rows["mean"], color=colours, alpha=0.8)
        ax.errorbar(
            x,
            rows["mean"],
            yerr=[rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]],
            fmt="none",
            ecolor="black",
            capsize=4,
        )
        ax.set_xticks(x, [str(i + 1) for i in x])
        ax.set_title(metric)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(f"{', '.join(metrics)}: {style.compared(labels)} (mean and 95% CI)")
    fig.tight_layout()
    handles = [Line2D([0], [0], color=c, lw=6) for c in colours]
    style.legend_beside(fig, handles=handles, labels=[f"{i + 1}: {label}" for i, label in enumerate(labels)])
    return style.save(fig, path)


def plot_network(actors: pd.DataFrame, ties: pd.DataFrame, title: str, seed: int, path: Path) -> Path:
    """The trust network at the end of a run: nodes by kind (colour) and side (shape), edges by trust.

    Absent actors are drawn hollow. The layout is seeded from the run's seed, so it is stable.
    """
    graph = nx.DiGraph()
    for row in actors.itertuples():
        graph.add_node(row.actor)
    for row in ties.itertuples():
        graph.add_edge(row.source, row.target, trust=row.trust)
    layout = nx.spring_layout(graph.to_undirected(), seed=seed % (2**32), k=1.2)
    fig, ax = plt.subplots(figsize=(8, 6.5))
    cmap = plt.get_cmap("RdYlGn")
    for (u, v), trust in zip(graph.edges, (graph.edges[e]["trust"] for e in graph.edges), strict=True):
        nx.draw_networkx_edges(
            graph,
            layout,
            edgelist=[(u, v)],
            width=0.5 + 4.0 * trust,
            edge_color=[cmap(trust)],
            alpha=0.75,
            arrows=True,
            arrowsize=8,
            connectionstyle="arc3,rad=0.12",
            ax=ax,
        )
    for row in actors.itertuples():
        colour = style.KIND_COLOURS.get(str(row.kind), "grey")
        x, y = layout[row.actor]
        ax.scatter(
            [x],
            [y],
            s=500,
            marker=SIDE_MARKERS.get(str(row.side), "o"),
            facecolors=colour if row.active else "white",
            edgecolors=colour,
            linewidths=2,
            zorder=3,
        )
        ax.annotate(
            str(row.actor), layout[row.actor], textcoords="offset points", xytext=(0, 14), ha="center", fontsize=8
        )
    kind_handles = [
        Line2D([0], [0], marker="o", ls="", color=c, markersize=9, label=k) for k, c in style.KIND_COLOURS.items()
    ]
    side_handles = [
        Line2D([0], [0], marker=m, ls="", color="grey", markersize=9, label=s) for s, m in SIDE_MARKERS.items()
    ]
    mappable = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(mappable, ax=ax, shrink=0.6, location="left", label="trust (edge colour and width)")
    ax.set_title(title)
    ax.set_axis_off()
    fig.tight_layout()
    style.legend_beside(ax, handles=kind_handles + side_handles, fontsize=8)
    return style.save(fig, path)


def plot_factor_bands(curves: dict[str, pd.DataFrame], ylabel: str, title: str, path: Path) -> Path:
    """One panel per factor: an output's mean and band against the factor's value.

    Args:
        curves: For each factor, a table indexed by the factor's value with columns ``mean``,
            ``low`` and ``high``.
        ylabel: The output's name.
        title: Figure title.
        path: Where to write the PNG.
    """
    factors = list(curves)
    columns = min(4, len(factors))
    rows = -(-len(factors) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.5 * columns, 2.9 * rows), squeeze=False, sharey=True)
    for ax, factor in zip(axes.ravel(), factors, strict=False):
        table = curves[factor]
        ax.fill_between(table.index, table["low"], table["high"], alpha=0.25, color=style.OKABE_ITO[0])
        ax.plot(table.index, table["mean"], color=style.OKABE_ITO[0], lw=2, marker="o", ms=3)
        ax.set_xlabel(factor)
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(factors) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    fig.suptitle(title, y=1.0)
    fig.tight_layout()
    return style.save(fig, path, dpi=120)
