"""The report of a robustness study: shares of the coding space in words, a table and two figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from colabsim.reporting import style
from colabsim.robustness.analysis import ShareEstimate
from colabsim.robustness.boxes import box_sentence

if TYPE_CHECKING:
    from colabsim.robustness.result import RobustnessResult
    from colabsim.robustness.spec import RobustnessStudy

__all__ = ["share_sentence", "write_report"]


def _percent(value: float) -> str:
    """A share in per cent, with a decimal near 0% and 100% where rounding would hide the distance."""
    shown = round(value, 3)
    return f"{value:.1%}" if 0 < shown < 0.05 or 0.95 < shown < 1 else f"{value:.0%}"


def share_sentence(what: str, estimate: ShareEstimate) -> str:
    """One sentence: the share with its Monte Carlo error and, where known, the misclassification rate."""
    text = (
        f"{what} in {_percent(estimate.share)} of the coding space "
        f"(95% interval {_percent(estimate.low)} to {_percent(estimate.high)}; Monte Carlo standard error "
        f"{estimate.mc_error:.1%}; {estimate.codings} codings)"
    )
    if estimate.misclassification == estimate.misclassification:  # not NaN
        text += f"; replication noise reverses a coding's verdict {estimate.misclassification:.1%} of the time"
    return text + "."


def _p1_figure(study: RobustnessStudy, result: RobustnessResult) -> str:
    pair = study.spec.pair
    if pair is None:
        return ""
    low, high = pair.ratio
    table = result.per_coding
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    holds = table["p1_holds"].to_numpy(dtype=bool)
    ax.scatter(
        table.loc[holds, "weak_mean"], table.loc[holds, "strong_mean"], s=12, color=style.OKABE_ITO[0], label="P1 holds"
    )
    ax.scatter(
        table.loc[~holds, "weak_mean"],
        table.loc[~holds, "strong_mean"],
        s=12,
        color=style.OKABE_ITO[1],
        label="P1 fails",
    )
    top = float(max(table["weak_mean"].max(), 1e-3))
    xs = [0.0, top]
    ax.plot(xs, [low * x for x in xs], color="grey", linestyle="--", linewidth=1, label=f"ratio {low:g} and {high:g}")
    ax.plot(xs, [high * x for x in xs], color="grey", linestyle="--", linewidth=1)
    ax.set_xlim(0, top * 1.05)
    ax.set_ylim(0, max(float(table["strong_mean"].max()) * 1.05, 1e-3))
    metric = study.spec.robustness.metric
    ax.set_xlabel(f"{study.scenarios['weak'].name}: mean {metric}")
    ax.set_ylabel(f"{study.scenarios['strong'].name}: mean {metric}")
    ax.set_title("P1 over the coding space: one point per coding")
    style.legend_beside(ax)
    name = "figures/p1_codings.png"
    style.save(fig, result.directory / name)
    plt.close(fig)
    return name


def _what_if_figure(result: RobustnessResult) -> str:
    if result.what_if is None:
        return ""
    effects = result.per_coding["what_if_effect"]
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.hist(effects, bins=min(40, max(5, len(effects) // 5)), color=style.OKABE_ITO[2], edgecolor="white")
    ax.axvline(0.0, color="black", linewidth=1)
    for key in ("q05", "q50", "q95"):
        ax.axvline(result.what_if.quantiles[key], color="grey", linestyle="--", linewidth=1)
    factors = ", ".join(f"{k} = {v:g}" for k, v in result.what_if.factors.items())
    ax.set_title(f"Effect of {factors} on {result.what_if.scenario}, one count per coding")
    ax.set_xlabel("effect on the mean (what-if minus base, same seeds); dashed: 5%, 50%, 95% quantiles")
    ax.set_ylabel("codings")
    name = "figures/what_if_effects.png"
    style.save(fig, result.directory / name)
    plt.close(fig)
    return name


def _failure_lines(result: RobustnessResult) -> list[str]:
    failures = result.p1_failures
    if failures is None:
        return []
    lines = ["### Where P1 fails (PRIM over the codings)", ""]
    if failures.box is None:
        return [*lines, f"No box sought: {failures.note}.", ""]
    lines += [box_sentence(failures.box, "P1 fails"), ""]
    for column, members in failures.stands_for.items():
        lines.append(f"- `{column}` stands for its co-moving group: {', '.join(f'`{m}`' for m in members)}.")
    return [*lines, ""] if failures.stands_for else lines


def write_report(study: RobustnessStudy, result: RobustnessResult) -> None:
    """Write ``report.md`` and its figures into the result's directory."""
    meta = study.spec.robustness
    lines = [
        f"# Coding robustness: {meta.name}",
        "",
        meta.description,
        "",
        f"{meta.codings} codings sampled from the coded ranges (Latin hypercube; co-moving groups move together), "
        f"{meta.replications} replications each, the same seeds in every arm (common random numbers). "
        f"Measured on `{meta.metric}`. The intervals cover the coding uncertainty and the replication noise, "
        "not the uncertainty of the model's own parameters.",
        "",
        "| arm | scenario | coded factors |",
        "|---|---|---|",
    ]
    for role, scenario in study.scenarios.items():
        lines.append(f"| {role} | {scenario.name} | {', '.join(f'`{n}`' for n in scenario.codings)} |")
    lines.append("")
    if result.p1 is not None and study.spec.pair is not None:
        low, high = study.spec.pair.ratio
        lines += [
            "## P1: the strong collaboration outperforms the weak one",
            "",
            share_sentence(f"P1 (ratio of means in [{low:g}, {high:g}], the CIs apart) holds", result.p1),
            "",
            f"![P1 over the coding space]({_p1_figure(study, result)})",
            "",
            *_failure_lines(result),
        ]
    if result.what_if is not None:
        what = result.what_if
        factors = ", ".join(f"`{k} = {v:g}`" for k, v in what.factors.items())
        quantiles = ", ".join(f"{int(k[1:])}%: {v:+.3f}" for k, v in what.quantiles.items())
        lines += [
            f"## What-if: {factors} in {what.scenario}",
            "",
            share_sentence("The what-if raises the mean", what.helps),
            share_sentence("Its 95% interval lies above zero", what.helps_surely),
            "",
            f"Quantiles of the effect over the coding space: {quantiles}.",
            "",
            f"![Effect of the what-if]({_what_if_figure(result)})",
            "",
        ]
    lines += [
        "## Files",
        "",
        "- `codings.parquet`: the sampled codings (one row per coding, `arm.factor` columns).",
        "- `per_coding.csv`: per coding, each arm's mean, P1's verdict and flip probability, the what-if's effect.",
        "- one folder per arm with its runs (`colabsim.load_results`), `manifest.json` with seeds and versions.",
        "",
    ]
    (result.directory / "report.md").write_text("\n".join(lines), encoding="utf-8")
