"""The report of a sensitivity analysis: the ranking in words, with its uncertainty."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from colabsim.sensitivity.result import SensitivityResult

__all__ = ["ranking_sentences", "write_report"]

_MAIN = {"morris": "mu_star", "sobol": "ST"}
_MOMENT_SENTENCE = {
    "sobol": "Borgonovo's delta and PAWN (moment-independent) are estimated on the design's base samples A and B "
    "(2N points of a Sobol' sequence): the other points of a Saltelli design repeat their values and would bias the "
    "conditional distributions these estimators rest on. PAWN's ci_high is the KS distance an input that does "
    "nothing stays below (5% level), not an interval.",
    "morris": "Moment-independent indices (delta, PAWN) are not computed on a Morris design (see Notes).",
}
_LABEL = {"mu_star": "mu*", "ST": "total-order index ST", "S1": "first-order index S1", "delta": "delta"}


def _interval(row: dict[str, Any]) -> str:
    if pd.isna(row["ci_low"]):
        return f"{row['value']:.3f}"
    return f"{row['value']:.3f} (95% CI {row['ci_low']:.3f} to {row['ci_high']:.3f})"


def _names(factors: list[str]) -> str:
    return ", ".join(f"`{f}`" for f in factors)


def ranking_sentences(
    indices: pd.DataFrame, method: str, output: str, replications: int = 1, top: int = 5
) -> list[str]:
    """Sentences naming the leading factors for `output` and how sure the order is."""
    index = _MAIN[method]
    chosen = indices[(indices["method"] == method) & (indices["output"] == output) & (indices["index"] == index)]
    rows = [{str(k): v for k, v in r.items()} for r in chosen.sort_values("value", ascending=False).to_dict("records")]
    if not rows:
        return []
    leader = rows[0]
    leaders = "; ".join(f"{i + 1}. `{r['factor']}` {_interval(r)}" for i, r in enumerate(rows[:top]))
    lines = [f"- **{output}**: by {_LABEL[index]}, the leading factors are {leaders}."]
    tied = [str(r["factor"]) for r in rows[1:] if r["ci_high"] >= leader["ci_low"]]
    if tied:
        lines.append(f"  `{leader['factor']}` cannot be told apart from {_names(tied)}: their intervals overlap.")
    else:
        lines.append(f"  `{leader['factor']}` leads clearly: no other interval reaches its lower bound.")
    scale = max(float(leader["value"]), 1e-12)
    if method == "morris":
        # mu* is never negative; the usual screening rule drops factors far below the leader.
        negligible = [str(r["factor"]) for r in rows if r["value"] < 0.05 * scale]
        rule = "mu* under 5% of the leader's"
    else:
        negligible = [str(r["factor"]) for r in rows if r["ci_low"] <= 0.0 or r["value"] < 0.01 * scale]
        rule = "interval includes 0, or under 1% of the leader"
    if negligible:
        lines.append(f"  Negligible ({rule}): {_names(negligible)}.")
    if method == "sobol":
        first = indices[(indices["method"] == "sobol") & (indices["output"] == output) & (indices["index"] == "S1")]
        total_first = float(first["value"].clip(lower=0).sum())
        lines.append(
            f"  The first-order indices add up to {total_first:.2f}: about {max(0.0, 1 - total_first):.0%} of the "
            "variance comes from interactions between factors."
        )
    noise = indices[(indices["method"] == "replication") & (indices["output"] == output)]
    if not noise.empty and pd.notna(noise["value"].iloc[0]):
        share = float(noise["value"].iloc[0])
        caveat = " (total indices of that size cannot be told from noise)." if method == "sobol" else "."
        lines.append(
            f"  Replication noise is {share:.0%} of the output's variance across runs; the indices describe the "
            f"mean over {replications} replications, in which about {share / replications:.1%} of the variance "
            f"is still noise{caveat}"
        )
    return lines


def _convergence_sentence(convergence: pd.DataFrame, output: str) -> str:
    rows = convergence[(convergence["output"] == output) & (convergence["index"] == "ST")]
    sizes = sorted(rows["base_samples"].unique())
    if len(sizes) < 2:
        return ""
    last = rows[rows["base_samples"] == sizes[-1]].set_index("factor")["value"]
    before = rows[rows["base_samples"] == sizes[-2]].set_index("factor")["value"]
    change = float((last - before.reindex(last.index)).abs().max())
    width = float(
        (rows[rows["base_samples"] == sizes[-1]]["ci_high"] - rows[rows["base_samples"] == sizes[-1]]["ci_low"]).max()
    )
    verdict = (
        "the indices have settled"
        if change < 0.05
        else "the indices still move: a larger base sample would sharpen them"
    )
    return (
        f"- **{output}**: from N = {sizes[-2]} to N = {sizes[-1]} the largest change of an ST is {change:.3f} and the "
        f"widest 95% interval at N = {sizes[-1]} is {width:.3f}; {verdict}."
    )


def write_report(result: SensitivityResult, facts: dict[str, Any], figures: dict[str, list[Path]], path: Path) -> Path:
    """Write ``report.md``."""
    method = str(facts["method"])
    outputs = list(dict.fromkeys(result.indices["output"]))
    what = "groups of factors (dimensions)" if facts.get("groups") else "factors"
    lines = [
        f"# Sensitivity analysis: {facts['name']}",
        "",
        f"{'Morris elementary effects' if method == 'morris' else 'Sobol indices'} over {what}; "
        f"{facts['design_points']} design points x {facts['replications']} replications = {facts['runs']} runs "
        f"({facts['failed']} failed), {facts['seconds']} s. Replications are averaged per design point before the "
        "analysis; intervals are SALib's 95% bootstrap intervals. "
        f"{_MOMENT_SENTENCE[method]} Following ten Broeke et al. (2016): look at the one-factor-at-a-time curves "
        "first.",
        "",
        "## Ranking",
        "",
    ]
    for output in outputs:
        lines += ranking_sentences(result.indices, method, output, int(facts["replications"]))
    if not result.convergence.empty:
        lines += ["", "## Convergence", ""]
        lines += [s for s in (_convergence_sentence(result.convergence, o) for o in outputs) if s]
    if result.notes:
        lines += [
            "",
            "## Notes",
            "",
            "Methods skipped, and what SALib's estimators warned (also in `analysis.json`):",
            "",
        ]
        lines += [f"- {note}" for note in result.notes]
    lines += [
        "",
        "## Files",
        "",
        "- `indices.csv`: method, output, factor (or group), index, value, ci_low, ci_high.",
        "- `convergence.csv`: the Sobol' indices at growing base samples (Sobol' only).",
        "- `analysis.json`: runs, seconds, the estimation settings, and notes on skipped methods and SALib's warnings.",
        "- `ofat.csv`: one-factor-at-a-time curves (factor, level, output, mean, 10% and 90% of runs).",
        "- `runs/`, `ofat/`: the runs, as `colabsim sweep` writes them (`colabsim.load_results`).",
        "",
        "## Figures",
        "",
    ]
    for output in outputs:
        for figure in figures.get(output, []):
            lines += [f"![{figure.stem}](figures/{figure.name})", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
