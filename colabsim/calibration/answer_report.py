"""The report of answers over a posterior (and codings): report.md, the tables as CSV, the manifest.

Every table says which uncertainty its intervals cover: the parameters' pattern-constrained
uncertainty, the seeds' noise and, when sampled, the coding of the factors; never the parameters
that were not calibrated (fixed at their documented values). All of it is conditional on the bands
the posterior was calibrated on.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from colabsim._version import __version__
from colabsim.calibration.answers import METRIC, PosteriorAnswer, resting_on_prior
from colabsim.experiments.rundir import write_manifest

__all__ = ["markdown_table", "write_answer"]


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """`frame` as a Markdown table: floats to `digits` decimals (significant digits from 1,000), NaN as "-"."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return "-" if np.isnan(value) else f"{value:.{digits}g}" if abs(value) >= 1000 else f"{value:.{digits}f}"
        return str(value)

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def _coverage(answer: PosteriorAnswer, source: Path, settings: Mapping[str, int], bands: str) -> str:
    draws, seeds = settings["draws"], settings["replications"]
    if answer.codings > 1:
        design = (
            f"{answer.codings} codings sampled within the files' coded ranges, for each its own {draws} parameter "
            f"sets drawn from the posterior in `{source}`, for each {seeds} seeds; the same parameters and seeds "
            "in every scenario within a (coding, draw). A *cell* is one (coding, draw), averaged over its seeds. "
            "The intervals cover the coding of the factors, the parameters' pattern-constrained uncertainty and "
            "the seeds' noise; not the parameters that were not calibrated (fixed at their documented values). "
            "The posterior was calibrated on the files' point codings: a draw is what the patterns allowed for "
            "those, carried over to the other codings (the factor values themselves are never calibrated, so "
            "nothing is sampled twice)."
        )
    else:
        design = (
            f"{draws} parameter sets drawn from the posterior in `{source}` x {seeds} seeds each, the same seeds "
            "in every scenario within a draw; a *cell* is one draw, averaged over its seeds. The intervals cover "
            "the parameters' pattern-constrained uncertainty and the seeds' noise, not the coding of the factors "
            "(add `--coding-robustness N`, or see `colabsim robustness`) nor the parameters that were not "
            "calibrated (fixed at their documented values)."
        )
    return (
        f"Mean programme performance over the evaluation window (`{METRIC}`), {design} **Conditional on the "
        f"bands** the posterior was calibrated on (P1-P3, {bands}; see its report)."
    )


def _effects_text(answer: PosteriorAnswer) -> list[str]:
    codings = answer.codings > 1
    shares = (
        "`share_helps`: share of cells (draws) whose effect is above 0, `share_codings_helps`: share of "
        "codings whose mean effect over their draws and seeds is above 0, each with its Monte Carlo error "
        "(`_mc_error`; over the codings, which the draws of a coding share)"
        if codings
        else "`share_helps`: share of draws whose effect is above 0, with its Monte Carlo error"
    )
    split = "coding, parameter draw and seed" if codings else "parameter draw and seed"
    effects = answer.effects if codings else answer.effects.drop(columns=["share_codings_helps",
                                                                          "share_codings_helps_mc_error"])  # fmt: skip
    return [
        "## Effects against the first scenario",
        "",
        f"`mean` with its Monte Carlo error; `q05`-`q95`: 90% of the cells' effects; {shares}; `variance_*`: how "
        f"the effect's variance splits between {split} (nested ANOVA, method of moments).",
        "",
        markdown_table(effects),
        "## How much the answer rests on each parameter",
        "",
        "`spearman_rho`: rank correlation of a cell's parameter value with its effect; `first_order_share`: the "
        "share of the effect's variance over cells that the parameter alone explains (given-data estimate); "
        "`effect_low_third`, `effect_high_third`: the mean effect where the parameter lies in the lowest and "
        "highest third of its draws. *stays at the prior*: the patterns did not constrain it, so where it "
        "explains much the answer rests on its prior, and a narrower prior would move the answer by up to the "
        "difference between its thirds.",
        "",
        markdown_table(answer.parameters),
    ]


def write_answer(answer: PosteriorAnswer, source: Path, settings: Mapping[str, int], bands: str = "default") -> None:
    """Write `answer` into its folder: report.md, posterior_*.csv and the manifest.

    Args:
        answer: What `colabsim.calibration.posterior.run_with_posterior` found.
        source: The calibration's folder the posterior came from.
        settings: ``draws`` (per coding), ``replications`` (seeds per draw) and ``seed``.
        bands: The bands the posterior was calibrated on (``default`` or a band variant's name).
    """
    folder = answer.directory
    answer.levels.to_csv(folder / "posterior_levels.csv", index=False)
    answer.effects.to_csv(folder / "posterior_effects.csv", index=False)
    answer.parameters.to_csv(folder / "posterior_parameters.csv", index=False)
    if not answer.patterns.empty:
        answer.patterns.to_csv(folder / "posterior_patterns.csv", index=False)
    title = "parameter and coding uncertainty" if answer.codings > 1 else "parameter uncertainty"
    lines = [
        f"# Answers with the {title}",
        "",
        _coverage(answer, source, settings, bands),
        "",
        "## Levels (quantiles over the cells of each cell's mean; `variance_*`: the level's variance split)",
        "",
        markdown_table(answer.levels),
    ]
    if not answer.effects.empty:
        lines += _effects_text(answer)
        resting = resting_on_prior(answer.parameters)
        if not resting.empty:
            lines.append(
                "Resting on a prior (left at the prior by the patterns, |rho| or first-order share >= 0.3): "
                + ", ".join(
                    f"{r.parameter} ({r.scenario}: rho {r.spearman_rho:+.2f}, share {r.first_order_share:.2f}, "
                    f"effect {r.effect_low_third:+.3f} to {r.effect_high_third:+.3f} from its low to high third)"
                    for r in resting.itertuples()
                )
                + "."
            )
    if not answer.patterns.empty:
        lines += [
            "",
            "## P1 over the cells",
            "",
            "`share_holds`: share of cells in which P1 holds as the coding robustness judges it (ratio of the means "
            "in the band, Welch interval of the difference above 0, over the cell's seeds); "
            "`share_codings_mostly_holds`: share of codings in which it holds in most of their draws.",
            "",
            markdown_table(answer.patterns),
        ]
    folder.joinpath("report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_manifest(
        folder,
        {"command": "posterior", "colabsim": __version__, "posterior": str(source), "codings": answer.codings,
         **settings},
    )  # fmt: skip
