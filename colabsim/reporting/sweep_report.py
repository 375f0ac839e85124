"""The short report of a sweep: each varied factor against each output, with bands.

Reads the results directory (`colabsim.experiments.store`) and writes ``report.md`` and ``figures/``. Each
panel shows an output against one factor: the mean over the runs in each bin of the factor (the
grid's levels, or ten equal bins for sampled designs) and the 10-90% band of those runs, so the
spread across replications and across the other factors is visible. Spearman's rank correlation
gives a first, rough ranking; the variance-based analysis is ``colabsim sensitivity``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from scipy import stats

from colabsim.experiments.store import load_results
from colabsim.reporting.plots import plot_factor_bands

__all__ = ["factor_panels", "write_sweep_report"]

_MAX_PANELS_PER_FIGURE = 8


def _binned(x: pd.Series, y: pd.Series) -> pd.DataFrame:
    values = np.sort(x.unique())
    bins = x if len(values) <= 20 else pd.cut(x, 10).map(lambda interval: interval.mid).astype(float)
    grouped = y.groupby(bins, observed=True)
    return pd.DataFrame({"mean": grouped.mean(), "low": grouped.quantile(0.1), "high": grouped.quantile(0.9)})


def factor_panels(results: pd.DataFrame, factors: list[str], output: str, path: Path) -> Path:
    """One figure: `output` against each factor (binned mean and 10-90% band)."""
    ok = results[results["status"] == "ok"]
    curves = {factor: _binned(ok[f"factor_{factor}"], ok[output]) for factor in factors}
    title = f"{output} against each varied factor: mean and 10-90% band of the runs at each value"
    return plot_factor_bands(curves, output, title, path)


def write_sweep_report(directory: Path, manifest: dict[str, Any], factors: list[str], outputs: list[str]) -> Path:
    """Write ``report.md`` and one figure per output (and per eight factors) into `directory`."""
    results = load_results(directory)
    ok = results[results["status"] == "ok"]
    failed = results[results["status"] != "ok"]
    figures = directory / "figures"
    figures.mkdir(exist_ok=True)
    experiment: dict[str, Any] = dict(manifest.get("experiment") or {})
    design: dict[str, Any] = dict(manifest.get("design") or {})
    scenario: dict[str, Any] = dict(manifest.get("scenario") or {})
    lines = [
        f"# Sweep: {experiment.get('name', directory.name)}",
        "",
        f"{len(results)} runs ({len(failed)} failed) of `{scenario.get('path', '?')}` over {len(factors)} factors;"
        f" design: {design.get('method', '?')} with {design.get('points', '?')} points"
        f" x {design.get('replications', '?')} replications. `manifest.json` has the versions, hashes and seeds;"
        " `colabsim.load_results(DIR)` loads the table.",
        "",
        "## Outputs over all runs",
        "",
        "| output | mean | sd | 10% | 90% |",
        "|---|---|---|---|---|",
    ]
    for output in outputs:
        column = ok[output]
        spread = f"{column.quantile(0.1):.3f} | {column.quantile(0.9):.3f}"
        lines.append(f"| {output} | {column.mean():.3f} | {column.std():.3f} | {spread} |")
    lines += [
        "",
        "## Rank correlation (Spearman) of each factor with each output",
        "",
        "A first look only: it sees monotone effects and misses interactions.",
        "",
        "| factor | " + " | ".join(outputs) + " |",
        "|---|" + "---|" * len(outputs),
    ]
    for factor in factors:
        cells = []
        for output in outputs:
            rho = (
                stats.spearmanr(ok[f"factor_{factor}"], ok[output]).statistic
                if ok[output].nunique() > 1
                else float("nan")
            )
            cells.append("n/a" if np.isnan(rho) else f"{rho:+.2f}")
        lines.append(f"| {factor} | " + " | ".join(cells) + " |")
    lines += ["", "## Figures", ""]
    for output in outputs:
        for start in range(0, len(factors), _MAX_PANELS_PER_FIGURE):
            group = factors[start : start + _MAX_PANELS_PER_FIGURE]
            suffix = "" if len(factors) <= _MAX_PANELS_PER_FIGURE else f"_{start // _MAX_PANELS_PER_FIGURE + 1}"
            path = factor_panels(results, group, output, figures / f"{output}{suffix}.png")
            lines += [f"![{output}](figures/{path.name})", ""]
    if len(failed):
        lines += ["## Failed runs", "", "| run | design point | seed | error |", "|---|---|---|---|"]
        for row in failed.head(50).itertuples():
            lines.append(f"| {row.run} | {row.design_point} | {row.seed} | {row.error} |")
        if len(failed) > 50:
            lines.append(f"| ... | | | {len(failed) - 50} more in the summary table |")
        lines.append("")
    report = directory / "report.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report
