"""The comparison of calibrations as CSV tables and report.md (see `colabsim.calibration.comparison`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from colabsim.calibration.answer_report import markdown_table
from colabsim.experiments.rundir import write_manifest

if TYPE_CHECKING:
    from colabsim.calibration.comparison_runs import CalibrationComparison, CalibrationRun

__all__ = ["MOVED", "write_comparison"]

#: A shift of the posterior mean (in the first run's posterior sds) from which the summary names it.
MOVED = 0.5


def _parameters_wide(parameters: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """A row per parameter, a column per run: ``mean [q05, q95] verdict`` and, after the first, the shift."""
    rows = []
    for name, group in parameters.groupby("parameter", sort=False):
        row = {"parameter": str(name)}
        for label in labels:
            r = group[group["run"] == label].iloc[0]
            cell = f"{r.posterior_mean:.3g} [{r.posterior_q05:.3g}, {r.posterior_q95:.3g}] {r.verdict}"
            if label != labels[0]:
                cell += f"; {r.shift_in_first_sd:+.2f} sd"
            row[label] = cell
        rows.append(row)
    return pd.DataFrame(rows)


def _summary(comparison: CalibrationComparison, labels: Sequence[str]) -> list[str]:
    lines = []
    parameters = comparison.parameters
    for label, run in zip(labels, comparison.runs.itertuples(index=False), strict=True):
        mine = parameters[parameters["run"] == label]
        identified = mine.loc[mine["verdict"] == "identified", "parameter"].tolist()
        partly = mine.loc[mine["verdict"] == "partly", "parameter"].tolist()
        moved = mine[mine["shift_in_first_sd"].abs() >= MOVED]
        text = (
            f"- **{label}** (bands {run.bands}; priors {run.priors}): {run.feasible_share:.1%} of the prior meets "
            f"every band (95% interval {run.feasible_low:.1%}-{run.feasible_high:.1%})"
            + ("" if run.met_every_band else "; **no draw met every band**")
            + f"; identified: {', '.join(identified) or 'none'}; partly: {', '.join(partly) or 'none'}"
        )
        if label != labels[0]:
            shifts = ", ".join(f"{r.parameter} {r.shift_in_first_sd:+.2f} sd" for r in moved.itertuples())
            text += f"; moved by {MOVED} sd or more against {labels[0]}: {shifts or 'none'}"
        lines.append(text + ".")
    return lines


def _what_if(comparison: CalibrationComparison) -> list[str]:
    if comparison.what_if.empty:
        return []
    first = comparison.what_if.iloc[0]
    return [
        "## A what-if over each posterior",
        "",
        f"`{first['what_if']}` against `{first['against']}`: the effect on mean programme performance over draws "
        "of each run's posterior, the same seeds in every run (each run's own report under `what-if/`). `mean` "
        "with its Monte Carlo error, `q05`-`q95`: 90% of the draws' effects, `share_helps`: share of draws in "
        "which it helps, `variance_parameter`: the share of the effect's variance from the parameter draw.",
        "",
        markdown_table(comparison.what_if.drop(columns=["what_if", "against"])),
    ]


def _report(comparison: CalibrationComparison, runs: Sequence[CalibrationRun]) -> str:
    labels = [run.label for run in runs]
    lines = [
        "# Calibrations compared",
        "",
        f"Against the first, **{labels[0]}**. Each calibration is conditional on its own bands and priors (the "
        "pattern-constrained, non-implausible region of its priors; see each run's report.md): a shift below is "
        "what moving the bands or the priors does to that region, not a change in evidence.",
        "",
        "## Summary",
        "",
        *_summary(comparison, labels),
        "",
        "## Runs",
        "",
        "Feasible share: the share of the prior (generation 0) whose P1-P3 point estimates meet every band, "
        "with its Wilson 95% interval.",
        "",
        markdown_table(
            comparison.runs[
                [
                    "run",
                    "bands",
                    "priors",
                    "generations",
                    "engine_runs",
                    "final_epsilon",
                    "ess",
                    "feasible_share",
                    "feasible_low",
                    "feasible_high",
                ]
            ]
        ),
        "## What moves, per parameter",
        "",
        f"Posterior mean [90% interval] and verdict in each run (*identified*: posterior sd under half the "
        f"prior's; *partly*: under 80%), and the shift of the mean in units of {labels[0]}'s posterior sd. A "
        "verdict is relative to each run's own prior: under a wider prior the same posterior counts as more "
        "identified.",
        "",
        markdown_table(_parameters_wide(comparison.parameters, labels)),
        "## The null and alternative models",
        "",
        "Share of each model's prior meeting every band in each run (rejection ABC at tolerance 0 over the run's "
        "priors of the parameters the model leaves free).",
        "",
        markdown_table(comparison.submodels),
        "## Predictive checks",
        "",
        "Targets (P1-P3, each run on its own bands): share of draws meeting each band, prior and posterior predictive.",
        "",
        markdown_table(comparison.targets),
        "Held out (never calibrated on): share of posterior draws for which each held-out pattern, Table 1.1 "
        "scenario and reading of health against tourism holds (as each run's report judges it; empty where a "
        "run's report has no such check).",
        "",
        markdown_table(comparison.held_out),
        "## The reweighting answers against the reruns",
        "",
        "A check of `colabsim.calibration.variants`. **Bands**: a default run's generation 0 rejected again "
        "under the rerun's band variant (its report's band sensitivity) against the rerun itself; with the "
        "same seed and priors, generation 0 is the same draws, so the shares agree exactly, and the posterior "
        "means differ by what the prior draws meeting the bands can say against a full ABC-SMC population. "
        "`difference_in_rerun_sd` stands beside `mc_error_in_rerun_sd`, the Monte Carlo error expected of it from "
        "the estimate's `effective_draws` and the rerun's ESS: agreement is a difference within about two of "
        "them (a lower bound, as the particles of a generation are not independent).",
        "",
        markdown_table(comparison.bands_check)
        if not comparison.bands_check.empty
        else "No band rerun with a default run on the same priors among these.\n",
        "**Priors**: a run's final particles reweighted by the other run's prior over its own, against that "
        "other run. Valid only where the other prior lies inside this one's support: where it does not, the "
        "share of the other prior (and of its posterior's weight) out of reach says why reweighting cannot "
        "answer, and a rerun is needed.",
        "",
        markdown_table(comparison.priors_check)
        if not comparison.priors_check.empty
        else "No pair of runs on the same bands with other priors (and both priors known) among these.\n",
        *_what_if(comparison),
        "## Files",
        "",
        "`runs.csv`, `parameters.csv`, `submodels.csv`, `predictive_targets.csv`, `predictive_held_out.csv`, "
        "`bands_check.csv`, `priors_check.csv`, `what_if.csv` (with a what-if), `manifest.json`.",
        "",
    ]
    return "\n".join(lines)


def write_comparison(comparison: CalibrationComparison, runs: Sequence[CalibrationRun]) -> None:
    """Write the comparison's CSV tables, report.md and manifest.json into its folder."""
    folder = comparison.directory
    tables = {
        "runs.csv": comparison.runs,
        "parameters.csv": comparison.parameters,
        "submodels.csv": comparison.submodels,
        "predictive_targets.csv": comparison.targets,
        "predictive_held_out.csv": comparison.held_out,
        "bands_check.csv": comparison.bands_check,
        "priors_check.csv": comparison.priors_check,
    }
    if not comparison.what_if.empty:
        tables["what_if.csv"] = comparison.what_if
    for name, table in tables.items():
        table.to_csv(folder / name, index=False)
    folder.joinpath("report.md").write_text(_report(comparison, runs), encoding="utf-8")
    write_manifest(
        folder,
        {
            "command": "calibrate-compare",
            "runs": [{"label": r.label, "folder": str(r.folder), "bands": r.bands} for r in runs],
            "largest_shift": dict(
                zip(("parameter", "run", "shift_in_first_sd"), comparison.largest_shift(), strict=True)
            ),
        },
    )
