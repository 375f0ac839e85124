"""Figures of a sensitivity analysis: index bars with CIs, Morris mu*-sigma, convergence, OFAT."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from colabsim.reporting import style
from colabsim.reporting.plots import plot_factor_bands

if TYPE_CHECKING:
    from colabsim.sensitivity.result import SensitivityResult

__all__ = ["write_figures"]

_MAIN = {"morris": ["mu_star"], "sobol": ["S1", "ST"], "delta": ["delta"], "pawn": ["pawn_median"]}
_METHOD_NAMES = {"morris": "Morris mu*", "sobol": "Sobol' indices", "delta": "Borgonovo's delta", "pawn": "PAWN"}


def _bars(table: pd.DataFrame, method: str, output: str, path: Path) -> Path:
    names = _MAIN[method]
    first = table[table["index"] == names[-1]].sort_values("value")
    order = list(first["factor"])
    fig, ax = plt.subplots(figsize=(7, 0.38 * len(order) + 1.5))
    height = 0.8 / len(names)
    colours = style.name_colours(names)
    for k, name in enumerate(names):
        rows = table[table["index"] == name].set_index("factor").loc[order]
        y = [i + (k - (len(names) - 1) / 2) * height for i in range(len(order))]
        if method == "pawn":  # no interval: ci_high is the distance of an input that does nothing
            ax.barh(y, rows["value"], height=height, label=name, alpha=0.85)
            ax.axvline(float(rows["ci_high"].max()), color="grey", ls="--", lw=0.8, label="KS critical value (5%)")
            continue
        err = [(rows["value"] - rows["ci_low"]).clip(lower=0), (rows["ci_high"] - rows["value"]).clip(lower=0)]
        ax.barh(y, rows["value"], height=height, xerr=err, capsize=3, label=name, color=colours[name], alpha=0.85)
    ax.set_yticks(range(len(order)), order)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"{', '.join(names)} with 95% CI" if method != "pawn" else "PAWN median KS distance")
    ax.set_title(f"{_METHOD_NAMES.get(method, method)} of {output}, factor by factor")
    ax.grid(alpha=0.3, axis="x")
    if len(names) > 1 or method == "pawn":
        style.legend_beside(ax)
    fig.tight_layout()
    return style.save(fig, path, dpi=120)


def _morris_plane(table: pd.DataFrame, output: str, path: Path) -> Path:
    star = table[table["index"] == "mu_star"].set_index("factor")
    sigma = table[table["index"] == "sigma"].set_index("factor").loc[star.index]
    fig, ax = plt.subplots(figsize=(7, 5.5))
    ax.errorbar(
        star["value"], sigma["value"], xerr=[star["value"] - star["ci_low"], star["ci_high"] - star["value"]],
        fmt="o", capsize=3, color=style.OKABE_ITO[0],
    )  # fmt: skip
    for name in star.index:
        ax.annotate(
            name,
            (star.loc[name, "value"], sigma.loc[name, "value"]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize=8,
        )
    top = max(float(star["value"].max()), float(sigma["value"].max()), 1e-9)
    ax.plot([0, top], [0, top], ls="--", color="grey", lw=0.8, label="sigma = mu*")
    ax.set_xlabel("mu* (overall influence), 95% CI")
    ax.set_ylabel("sigma (interactions and non-linearity)")
    ax.set_title(f"Morris screening of {output}: influence (mu*) against interactions (sigma)")
    ax.grid(alpha=0.3)
    style.legend_beside(ax)
    fig.tight_layout()
    return style.save(fig, path, dpi=120)


def _convergence(table: pd.DataFrame, output: str, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    totals = table[table["index"] == "ST"]
    colours = style.name_colours(str(factor) for factor in totals["factor"])
    for factor, rows in totals.groupby("factor", sort=False):
        rows = rows.sort_values("base_samples")
        colour = colours[str(factor)]
        ax.plot(rows["base_samples"], rows["value"], marker="o", label=str(factor), color=colour)
        ax.fill_between(rows["base_samples"], rows["ci_low"], rows["ci_high"], alpha=0.15, color=colour)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("base samples N")
    ax.set_ylabel("total-order index ST (95% CI)")
    ax.set_title(f"Convergence of Sobol' ST of {output} as the base sample grows")
    ax.grid(alpha=0.3)
    style.legend_beside(ax, fontsize=7)
    fig.tight_layout()
    return style.save(fig, path, dpi=120)


def _ofat(table: pd.DataFrame, output: str, path: Path) -> Path:
    curves = {
        str(factor): rows.sort_values("level").set_index("level")[["mean", "low", "high"]]
        for factor, rows in table.groupby("factor", sort=False)
    }
    return plot_factor_bands(curves, output, f"One factor at a time: {output} (mean, 10-90% of runs)", path)


def write_figures(result: SensitivityResult, method: str, directory: Path) -> dict[str, list[Path]]:
    """Write every figure; returns the paths by output."""
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[Path]] = {}
    for output, table in result.indices.groupby("output", sort=False):
        paths = written.setdefault(str(output), [])
        for kind in (method, "delta", "pawn"):
            rows = table[table["method"] == kind]
            if not rows.empty:
                paths.append(_bars(rows, kind, str(output), directory / f"{kind}_{output}.png"))
        if method == "morris":
            paths.append(
                _morris_plane(table[table["method"] == "morris"], str(output), directory / f"morris_plane_{output}.png")
            )
        if not result.convergence.empty:
            rows = result.convergence[result.convergence["output"] == output]
            if not rows.empty:
                paths.append(_convergence(rows, str(output), directory / f"convergence_{output}.png"))
        if not result.ofat.empty:
            rows = result.ofat[result.ofat["output"] == output]
            if not rows.empty:
                paths.append(_ofat(rows, str(output), directory / f"ofat_{output}.png"))
    return written
