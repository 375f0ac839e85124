"""The validation report's figures (docs/validation/*.png), one function per section."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from colabsim.model.streams import NOISE_SOURCES
from colabsim.reporting import style
from colabsim.validation.coding import CodingSwap
from colabsim.validation.horizon import HorizonRatios
from colabsim.validation.levers import LeverResult
from colabsim.validation.outcomes import Outcomes
from colabsim.validation.patterns import PATTERNS, criterion
from colabsim.validation.pipeline import ModelPatterns, ValidationResult
from colabsim.validation.technical import TechnicalRobustness

__all__ = ["write_figures"]

_SHOWN = ("p1_darwin_level", "p1_ratio", "p2_drop_share", "p3_closed_share")


def _patterns(models: dict[str, ModelPatterns], path: Path) -> Path:
    fig, axes = plt.subplots(1, len(_SHOWN), figsize=(12, 3.6))
    colours = style.name_colours(models)
    for ax, key in zip(axes, _SHOWN, strict=True):
        band = criterion(key).band
        top = max(m.estimates[key].high for m in models.values() if np.isfinite(m.estimates[key].high))
        ax.axhspan(band.low if band.low is not None else 0.0, band.high if band.high is not None else max(top, 1.0),
                   color="#dddddd", zorder=0, label="band")  # fmt: skip
        for x, (name, model) in enumerate(models.items()):
            e = model.estimates[key]
            ax.errorbar([x], [e.value], yerr=[[max(e.value - e.low, 0)], [max(e.high - e.value, 0)]], fmt="o",
                        color=colours[name], capsize=4, label=name)  # fmt: skip
        ax.set_xticks(range(len(models)), [n.replace("_", "\n") for n in models], fontsize=7)
        ax.set_title(key.replace("_", " "), fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_ylabel("estimate with 95% CI; grey: the band")
    fig.suptitle("Calibration patterns: Model v2, the null model and the alternatives")
    fig.tight_layout()
    return style.save(fig, path, dpi=110)


def _ofat(ofat: pd.DataFrame, window: str, path: Path) -> Path:
    table = ofat[ofat["window"] == window]
    effect = table.pivot(index="group", columns="scenario", values="effect")
    sure = table.assign(sure=(table["low"] > 0) | (table["high"] < 0)).pivot(index="group", columns="scenario",
                                                                             values="sure")  # fmt: skip
    order = list(dict.fromkeys(table["group"]))
    columns = list(dict.fromkeys(table["scenario"]))
    effect, sure = effect.loc[order, columns], sure.loc[order, columns]
    fig, ax = plt.subplots(figsize=(1.1 * len(columns) + 3, 0.32 * len(order) + 1.6))
    limit = max(float(np.nanmax(np.abs(effect.to_numpy()))), 1e-3)
    image = ax.imshow(effect.to_numpy(), cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")
    for i in range(len(order)):
        for j in range(len(columns)):
            mark = "" if sure.iat[i, j] else "°"
            ax.text(j, i, f"{effect.to_numpy()[i, j]:+.3f}{mark}", ha="center", va="center", fontsize=6.5)
    ax.set_xticks(range(len(columns)), columns, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(order)), order, fontsize=8)
    fig.colorbar(image, ax=ax, label="performance at 0.9 minus at 0.1")
    ax.set_title(f"OFAT effects ({window}); ° marks a CI that includes 0", fontsize=10)
    fig.tight_layout()
    return style.save(fig, path, dpi=110)


def _knockouts(table: pd.DataFrame, path: Path) -> Path:
    table = table[table["window"] == table["window"].iloc[0]].reset_index(drop=True)
    labels = [f"{r.factor}: {r.path}" for r in table.itertuples()]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(labels) + 1.4))
    y = np.arange(len(labels))
    for offset, key, name, colour in ((-0.2, "with", "with the path", style.OKABE_ITO[0]),
                                      (0.2, "without", "path switched off", style.OKABE_ITO[1])):  # fmt: skip
        err = [(table[key] - table[f"{key}_low"]).clip(lower=0), (table[f"{key}_high"] - table[key]).clip(lower=0)]
        ax.barh(y + offset, table[key], height=0.38, xerr=err, capsize=2, color=colour, label=name)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(f"OFAT effect in Vlissingen (0.9 minus 0.1) with 95% CI, {table['window'].iloc[0]}")
    ax.set_title("Knock-outs: a factor's effect with and without one of its paths")
    style.legend_beside(ax)
    fig.tight_layout()
    return style.save(fig, path, dpi=110)


def _bars(ax: plt.Axes, labels: list[str], values: pd.DataFrame, colour: str) -> None:
    y = np.arange(len(labels))
    err = [(values["value"] - values["low"]).clip(lower=0), (values["high"] - values["value"]).clip(lower=0)]
    ax.barh(y, values["value"], xerr=err, capsize=3, color=colour)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.grid(alpha=0.3, axis="x")


def _swap(swap: CodingSwap, path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(7, 4.2))
    _bars(ax, list(swap.shapley["player"]), swap.shapley, style.OKABE_ITO[0])
    ax.set_xlabel(f"Shapley value: performance carried, of a gap of {swap.gap:.3f} (95% CI)")
    ax.set_title(f"What carries P1: {swap.strong} minus {swap.weak} split among structure and dimensions")
    fig.tight_layout()
    return style.save(fig, path, dpi=110)


def _levers(levers: LeverResult, path: Path) -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    names = list(levers.shapley["lever"])
    _bars(left, [n.replace(": ", ":\n") for n in names], levers.shapley, style.OKABE_ITO[2])
    left.set_xlabel("Shapley value: performance gained in 2023-2032 (95% CI)")
    left.set_title("Each lever's share of P3")
    colours = style.name_colours([*names, "all"])
    months = np.arange(len(levers.gains["all"])) / 12 + 2023
    for name, gain in levers.gains.items():
        right.plot(months, gain, color=colours[name], lw=2 if name == "all" else 1, label=name)
    right.set_ylabel("gain over no lever (mean over seeds)")
    right.set_title("Gain of each lever alone and of all together")
    style.year_axis(right)
    style.legend_beside(right, fontsize=7)
    fig.tight_layout()
    return style.save(fig, path, dpi=110)


def _noise(noise: pd.DataFrame, path: Path) -> Path:
    scenarios = list(dict.fromkeys(noise["scenario"]))
    fig, axes = plt.subplots(1, len(scenarios), figsize=(5 * len(scenarios), 3.6), sharey=True)
    for ax, name in zip(np.atleast_1d(axes), scenarios, strict=True):
        rows = noise[noise["scenario"] == name].set_index("source").loc[list(NOISE_SOURCES)]
        x = np.arange(len(rows))
        ax.bar(x - 0.2, rows["first_order"], width=0.4, label="first order", color=style.OKABE_ITO[0])
        ax.bar(x + 0.2, rows["total_effect"], width=0.4, label="total effect", color=style.OKABE_ITO[1])
        ax.axhline(0.5, color="grey", ls="--", lw=1, label="band: at most half")
        ax.set_xticks(x, rows.index, rotation=30, fontsize=8)
        ax.set_title(name)
        ax.grid(alpha=0.3, axis="y")
    np.atleast_1d(axes)[0].set_ylabel("share of the replication variance")
    style.legend_beside(np.atleast_1d(axes)[-1])
    fig.suptitle("Replication noise by noise source")
    fig.tight_layout()
    return style.save(fig, path, dpi=110)


def _horizon(horizon: HorizonRatios, pair: tuple[str, str], path: Path) -> Path:
    yearly = horizon.yearly
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    colours = style.scenario_colours(pair)
    for who, name in zip(("strong", "weak"), pair, strict=True):
        left.plot(yearly["age"], yearly[who], color=colours[name], label=name)
        left.fill_between(yearly["age"], yearly[f"{who}_q05"], yearly[f"{who}_q95"], color=colours[name], alpha=0.2)
    left.set_xlabel("year of the collaboration")
    left.set_ylabel("mean performance (5-95% of runs)")
    left.set_title("Performance by collaboration age")
    style.legend_beside(left)
    band = criterion("p1_ratio").band
    right.axhspan(band.low or 0, band.high or 1, color="#dddddd", label="P1 band")
    right.plot(yearly["age"], yearly["ratio"], color="black", label="year by year")
    right.errorbar(horizon.cumulative["years"], horizon.cumulative["ratio"],
                   yerr=[horizon.cumulative["ratio"] - horizon.cumulative["low"],
                         horizon.cumulative["high"] - horizon.cumulative["ratio"]],
                   fmt="o", color=style.OKABE_ITO[0], capsize=3, label="first h years (CI)")  # fmt: skip
    right.set_xlabel("years of collaboration")
    right.set_ylabel(f"{pair[0]} / {pair[1]}")
    right.set_title("The ratio at equal age")
    style.legend_beside(right)
    fig.tight_layout()
    return style.save(fig, path, dpi=110)


def _distribution(result: Outcomes, window: str, path: Path) -> Path:
    window = window.split(" (")[0]
    names = list(result.runs)
    fig, ax = plt.subplots(figsize=(9, 4))
    data = [result.runs[n][np.isfinite(result.runs[n])] for n in names]
    bodies = ax.violinplot(data, showmedians=True)["bodies"]
    colours = style.scenario_colours(names)
    for body, name in zip(list(bodies), names, strict=True):  # type: ignore[call-overload]
        body.set_facecolor(colours[name])
    ax.set_xticks(range(1, len(names) + 1), names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("a run's mean performance")
    ax.set_title(f"The distribution of runs: {window} (darwin_reformed: 2023-2032)", fontsize=10)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return style.save(fig, path, dpi=110)


def _technical(technical: TechnicalRobustness, path: Path) -> Path:
    samples = technical.samples
    columns = [c for c in (*(p.id for p in PATTERNS), "calibration", "every") if c in samples]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    left.bar(columns, [float(samples[c].mean()) for c in columns], color=style.OKABE_ITO[0])
    left.set_ylim(0, 1)
    left.tick_params(axis="x", labelrotation=30)
    left.set_ylabel("share of samples")
    left.set_title("Patterns met with the parameters +-25%")
    for name, colour in (("vlissingen", style.OKABE_ITO[0]), ("darwin", style.OKABE_ITO[1])):
        right.hist(samples[f"rho_{name}"].dropna(), bins=20, range=(-1, 1), alpha=0.6, color=colour, label=name)
    right.set_xlabel("Spearman correlation with the OFAT ranking at the defaults")
    right.set_ylabel("samples")
    right.set_title("Does the factor ranking hold?")
    style.legend_beside(right)
    fig.tight_layout()
    return style.save(fig, path, dpi=110)


def write_figures(result: ValidationResult, directory: Path) -> dict[str, Path]:
    """Draw every figure of the report into `directory`; returns the paths by section."""
    directory.mkdir(parents=True, exist_ok=True)
    figures = {"patterns": _patterns(result.models, directory / "patterns.png")}
    if result.ofat is not None:
        figures["ofat"] = _ofat(result.ofat, "study window", directory / "ofat.png")
    if result.knockouts is not None:
        figures["knockouts"] = _knockouts(result.knockouts, directory / "knockouts.png")
    if result.swap is not None:
        figures["swap"] = _swap(result.swap, directory / "coding_swap.png")
    if result.levers is not None:
        figures["levers"] = _levers(result.levers, directory / "levers.png")
    if result.noise is not None:
        figures["noise"] = _noise(result.noise, directory / "noise_sources.png")
    if result.horizon is not None:
        figures["horizon"] = _horizon(result.horizon, ("vlissingen", "darwin"), directory / "ratio_by_age.png")
    if result.outcomes is not None:
        figures["distribution"] = _distribution(result.outcomes, result.window.label, directory / "distribution.png")
    if result.technical is not None:
        figures["technical"] = _technical(result.technical, directory / "technical.png")
    return figures
