"""The coding robustness of a comparison as a section of compare's report, a table and a figure.

`write_coding_section` writes ``coding_robustness.csv`` and ``figures/coding_robustness.png``
into the comparison's run folder and returns the Markdown section that compare's ``report.md``
shows beside the usual comparison (`colabsim.reporting.report.write_results` takes it as an extra
section, so the reporting layer need not know this analysis).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from colabsim.reporting import style
from colabsim.robustness.comparison import CodingComparison
from colabsim.robustness.report import share_sentence

__all__ = ["write_coding_section"]

_FIGURE = "figures/coding_robustness.png"
_TABLE = "coding_robustness.csv"


def _figure(result: CodingComparison, run_dir: Path) -> str:
    baseline = result.plan.baseline
    labels = [v.label for v in result.verdicts]
    differences = [result.per_coding[f"{label}_minus_{baseline}_effect"].dropna().to_numpy() for label in labels]
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.7 * len(labels)))
    parts = ax.boxplot(differences, orientation="horizontal", whis=(5, 95), showfliers=False, patch_artist=True)
    for box, colour in zip(parts["boxes"], style.OKABE_ITO, strict=False):
        box.set_facecolor(colour)
        box.set_alpha(0.5)
    ax.set_yticks(range(1, len(labels) + 1), labels)
    ax.axvline(0.0, color="black", linewidth=1)
    ax.set_xlabel(f"difference from {baseline} in mean performance, one value per coding (same seeds)")
    ax.set_title("Over the coding space: box 25-75%, whiskers 5-95%")
    style.save(fig, run_dir / _FIGURE)
    plt.close(fig)
    return _FIGURE


def _scenario_lines(result: CodingComparison) -> list[str]:
    baseline = result.plan.baseline
    lines = []
    for verdict in result.verdicts:
        q = verdict.quantiles
        lines += [
            f"**{verdict.label} against {baseline}.** "
            + share_sentence(f"Its performance is higher than {baseline}'s", verdict.higher),
            f"Clearly higher (the paired 95% interval above zero) in {verdict.clearly_higher.share:.0%} of the "
            f"codings, clearly lower in {verdict.clearly_lower.share:.0%}. The difference over the coding space: "
            f"5% {q['q05']:+.3f}, median {q['q50']:+.3f}, 95% {q['q95']:+.3f}.",
            "",
        ]
    return lines


def write_coding_section(result: CodingComparison, run_dir: Path) -> list[str]:
    """Write the table and figure of `result` into `run_dir` and return the report's section (Markdown lines)."""
    plan = result.plan
    lines = ["## How sure is this? The comparison over the coding uncertainty", ""]
    if not result.sampled:
        return [
            *lines,
            "None of the compared scenario files codes a factor with a range (`factor = { value, range }`, "
            "docs/coding.md), so there is no coding uncertainty to sample: the comparison above is the whole "
            "answer, given the files' values.",
            "",
        ]
    lines += [
        f"{plan.settings.codings} codings sampled from the compared files' coded ranges (Latin hypercube; co-moving "
        f"groups move together, in every file that codes them), {plan.settings.replications} replications each, "
        "the same seeds in every scenario (common random numbers); root seed "
        f"{plan.seed}. `performance` is compared over the compared scenario's window in both. The shares carry "
        "the coding uncertainty and the replication noise, not the uncertainty of the model's own parameters.",
        "",
    ]
    if plan.notes:
        lines += [f"- `{label}`: {note}." for label, note in plan.notes.items()] + [""]
    if not result.ran:
        return [*lines, "No scenario could be compared with the baseline over the coding space (see above).", ""]
    lines += _scenario_lines(result)
    if result.p1 is not None and plan.pair is not None:
        low, high = plan.pair.band
        what = (
            f"P1 ({plan.pair.strong}'s mean performance {low:g} to {high:g} times {plan.pair.weak}'s, "
            "the Welch interval of the difference above zero) holds"
        )
        lines += [f"**P1.** {share_sentence(what, result.p1)}", ""]
    result.table().to_csv(run_dir / _TABLE, index=False)
    if result.verdicts:
        lines += [f"![The difference from {plan.baseline} over the coding space]({_figure(result, run_dir)})", ""]
    lines += [
        f"Files: `{_TABLE}` (each share with its Monte Carlo error, 95% interval and misclassification rate, "
        "the quantiles of the difference), `coding_robustness/` (the sampled codings, per coding each "
        "scenario's mean and difference, and each arm's runs).",
        "",
    ]
    return lines
