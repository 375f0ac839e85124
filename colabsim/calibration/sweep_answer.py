"""What a sweep over a posterior says: each design point, each factor's effect and each parameter's pull.

From the result table of `colabsim.calibration.sweep.sweep_with_posterior` (one row per design
point x (coding x) draw x seed), for the outcome (``performance`` by default); a *cell* is one
(coding, draw), or one draw when codings are not sampled:

- per design point: the mean, the quantiles over the cells of each cell's mean (5/50/95%), how
  the variance splits between the coding (when sampled), the parameter draw and the seeds, and
  how much wider the interval over the cells is than the seeds-only interval of one cell with the
  same replications (the columns of `colabsim.calibration.answers`, which ``compare --posterior``
  reports; the coding columns only when codings are sampled);
- per varied factor, its effect as the change of the outcome over the factor's range in the
  design (a least-squares line across the design points, within each cell and seed, so common
  random numbers cancel the seeds' noise between points) and the sweep report's Spearman rho,
  each over the cells, with the share of draws (and of codings) in which it is positive; for a
  ``table`` design, each point against the first (like ``compare``);
- per calibrated parameter and answer, Spearman's rho with its drawn value, the share of the
  answer's variance it alone explains and the answer in its lowest and highest third
  (`colabsim.calibration.answers.parameter_rows`), with what the patterns said of it (a parameter
  they left at its prior that moves an answer is an answer resting on its prior).

A draw with a failed run at any point is left out of every answer (so each answer keeps the same
draws), and the report says how many; with codings, that draw's slot is left out in every coding
(so the cells stay balanced for the nested variance split).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from colabsim.calibration.answer_report import markdown_table
from colabsim.calibration.answers import effect_row, level_row, parameter_rows, resting_on_prior
from colabsim.calibration.posterior import Posterior
from colabsim.calibration.sweep_codings import SweepCodings

__all__ = ["PosteriorDesign", "SweepAnswer", "answer_sweep", "write_answer"]

#: The standard normal quantile of a two-sided 90% interval (the seeds-only interval's half-width).
_Z90 = 1.6449
_REPORT_ROWS = 40
#: Columns of `colabsim.calibration.answers`' rows a sweep does not use (it has no named scenarios).
_UNUSED = ("scenario", "against")
#: Columns of those rows about codings, left out when codings are not sampled.
_CODING_COLUMNS = ("variance_coding", "share_codings_helps", "share_codings_helps_mc_error")


@dataclass(frozen=True)
class PosteriorDesign:
    """How a posterior sweep drew its parameter sets (and codings).

    Attributes:
        posterior: The posterior drawn from.
        theta: The draws: ``(codings, draws, coordinates)``, or ``(draws, coordinates)`` for one
            coding (columns ``posterior.coordinates``).
        seeds_per_draw: Seeds (replications) per draw and design point.
        held: Calibrated parameters the scenario file sets: they keep the file's value.
        method: The experiment's design method (a ``table`` design's points are compared with its first).
        codings: The codings asked for and sampled (None: not asked; the file's values).
    """

    posterior: Posterior
    theta: np.ndarray
    seeds_per_draw: int
    held: tuple[str, ...]
    method: str
    codings: SweepCodings | None = None

    @property
    def cells(self) -> np.ndarray:
        """The draws as ``(codings, draws, coordinates)``."""
        return self.theta if self.theta.ndim == 3 else self.theta[np.newaxis]

    @property
    def sampled(self) -> bool:
        """Whether codings were sampled (more than one coding ran)."""
        return self.cells.shape[0] > 1


@dataclass(frozen=True)
class SweepAnswer:
    """The answers of a posterior sweep, with their uncertainty over draws and seeds.

    Attributes:
        outcome: The summary output the answers are about.
        points: Per design point: factor values, mean, quantiles over draws, variance split, widening.
        factors: Per varied factor: its effect over its range and its rank correlation, over the draws.
        comparisons: Per design point against the first (``table`` designs only; else empty).
        parameters: Per calibrated parameter and answer: Spearman's rho with the cell's value, and its verdict.
        by_point: Per design point and calibrated parameter: Spearman's rho with the cell's mean there.
        draws_used: Draws (per coding) in the answers.
        draws_dropped: Draws (per coding) left out because a run failed.
        codings: Codings in the answers (1: the file's values).
    """

    outcome: str
    points: pd.DataFrame
    factors: pd.DataFrame
    comparisons: pd.DataFrame
    parameters: pd.DataFrame
    by_point: pd.DataFrame
    draws_used: int
    draws_dropped: int
    codings: int = 1


def _rho(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho, NaN where either side does not vary."""
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.spearmanr(a, b).statistic)


def _widening(values: np.ndarray, row: dict[str, Any]) -> dict[str, Any]:
    """How much wider `row`'s 90% interval over the draws is than the seeds alone give at one parameter set.

    `values`: the answer per (coding, draw, seed); the seeds-only interval is the mean over a cell's
    seeds +- 1.645 standard errors, with the seeds' variance pooled over the cells.
    """
    seeds = values.shape[-1]
    within = float(np.mean(np.var(values.reshape(-1, seeds), axis=1, ddof=1))) if seeds > 1 else float("nan")
    half = _Z90 * np.sqrt(within / seeds)
    widening = (row["q95"] - row["q05"]) / (2 * half) if half > 0 else float("nan")
    return {"seed_only_halfwidth": float(half), "widening": float(widening)}


def _kept(row: dict[str, Any], values: np.ndarray) -> dict[str, Any]:
    """`row` without the columns a sweep does not use (those about codings when one coding ran)."""
    dropped = _UNUSED if values.shape[0] > 1 else _UNUSED + _CODING_COLUMNS
    return {k: v for k, v in row.items() if k not in dropped}


def _over_cells(values: np.ndarray) -> dict[str, Any]:
    """A level per (coding, draw, seed): `colabsim.calibration.answers.level_row`'s columns and the widening."""
    row = _kept(level_row("", values), values)
    return {**row, **_widening(values, row)}


def _effect_over_cells(values: np.ndarray) -> dict[str, Any]:
    """An effect per (coding, draw, seed): `colabsim.calibration.answers.effect_row`'s columns and the widening."""
    row = _kept(effect_row("", "", values), values)
    return {**row, **_widening(values, row)}


def _outcomes(
    results: pd.DataFrame, points: int, design: PosteriorDesign, outcome: str
) -> tuple[np.ndarray, np.ndarray]:
    """The outcome as ``(points, codings, draws, seeds)`` over the draws whose every run succeeded, and which those are.

    Replication r is coding ``r // (draws x seeds)``, draw ``(r // seeds) % draws``, seed ``r % seeds``.
    """
    reps = design.seeds_per_draw
    codings, draws = design.cells.shape[:2]
    values = np.full((points, codings, draws, reps), np.nan)
    ok = (results["status"] == "ok").to_numpy()
    replication = results["replication"].to_numpy()
    cell = replication // reps
    where = (results["design_point"].to_numpy(), cell // draws, cell % draws, replication % reps)
    values[where] = np.where(ok, results[outcome].to_numpy(dtype=np.float64), np.nan)
    complete = ~np.isnan(values).any(axis=(0, 1, 3))
    return values[:, :, complete], complete


def _at(points: pd.DataFrame, point: int) -> dict[str, float]:
    """The factor values of a design point."""
    return {str(name): float(value) for name, value in points.iloc[point].items()}


def _factor_rows(values: np.ndarray, points: pd.DataFrame, answers: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Each varied factor's effect over the cells (and its effect per (coding, draw, seed) into `answers`)."""
    rows: list[dict[str, Any]] = []
    seeds = values.shape[-1]
    per_cell = values.reshape(len(points), -1, seeds)
    for factor in points.columns:
        x = points[factor].to_numpy(dtype=np.float64)
        if np.ptp(x) == 0:
            continue
        centred = x - x.mean()
        # The slope of a least-squares line across the points, per (coding, draw, seed), times the factor's span.
        effect = np.tensordot(centred, values, axes=(0, 0)) / (centred @ centred) * np.ptp(x)
        rhos = np.array([_rho(np.repeat(x, seeds), per_cell[:, k].ravel()) for k in range(per_cell.shape[1])])
        rho_q = np.nanquantile(rhos, (0.05, 0.95)) if np.isfinite(rhos).any() else (np.nan, np.nan)
        rows.append(
            {"factor": factor, "low": x.min(), "high": x.max(), **_effect_over_cells(effect), "rho_q05": rho_q[0],
             "rho_q95": rho_q[1]}
        )  # fmt: skip
        answers[f"effect of {factor}"] = effect
    return rows


def _comparison_rows(values: np.ndarray, points: pd.DataFrame, answers: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Each design point against the first, over the cells (and its effect per (coding, draw, seed) into `answers`)."""
    rows: list[dict[str, Any]] = []
    for p in range(1, len(points)):
        effect = values[p] - values[0]
        rows.append({"design_point": p, "against": 0, **_at(points, p), **_effect_over_cells(effect)})
        answers[f"point {p} - point 0"] = effect
    return rows


def _influence(design: PosteriorDesign, theta: np.ndarray, label: str, values: np.ndarray) -> list[dict[str, Any]]:
    """How an answer per (coding, draw, seed) follows each calibrated parameter not held by the scenario file."""
    free = [k for k, name in enumerate(design.posterior.coordinates) if name not in design.held]
    names = [design.posterior.coordinates[k] for k in free]
    rows = parameter_rows(label, theta[..., free], names, values, design.posterior.verdicts)
    return [{"answer": row.pop("scenario"), **row} for row in rows]


def answer_sweep(results: pd.DataFrame, points: pd.DataFrame, design: PosteriorDesign, outcome: str) -> SweepAnswer:
    """The answers of a posterior sweep from its result table (see the module's docstring).

    Args:
        results: The sweep's result table (`colabsim.load_results`), every run of it.
        points: The experiment's design points (one row each, one column per varied factor).
        design: How the draws were made.
        outcome: The summary output to answer about.
    """
    values, complete = _outcomes(results, len(points), design, outcome)
    theta = design.cells[:, complete]
    answers: dict[str, np.ndarray] = {"level (mean over the design)": values.mean(axis=0)}
    point_rows = [{"design_point": p, **_at(points, p), **_over_cells(values[p])} for p in range(len(points))]
    factor_rows = _factor_rows(values, points, answers)
    comparison_rows = _comparison_rows(values, points, answers) if design.method == "table" else []
    influence = [row for label, per_cell in answers.items() for row in _influence(design, theta, label, per_cell)]
    influence += [
        {"answer": "(all)", "parameter": name, "verdict": "held by the scenario file"} for name in design.held
    ]
    by_point = [
        {"design_point": p, **row} for p in range(len(points)) for row in _influence(design, theta, "", values[p])
    ]
    return SweepAnswer(
        outcome,
        pd.DataFrame(point_rows),
        pd.DataFrame(factor_rows),
        pd.DataFrame(comparison_rows),
        pd.DataFrame(influence),
        pd.DataFrame(by_point).drop(columns=["answer", "verdict"]),
        int(complete.sum()),
        int((~complete).sum()),
        values.shape[1],
    )


def _parameter_table(answer: SweepAnswer) -> pd.DataFrame:
    """Per calibrated parameter: its verdict, rho and first-order share with each answer, rho over the points."""
    table = answer.parameters.dropna(subset=["answer"])
    frame = table.drop_duplicates("parameter")[["parameter", "verdict"]].reset_index(drop=True)
    for label, rows in table.groupby("answer", sort=False):
        if label == "(all)":
            continue
        cells = {r.parameter: f"{r.spearman_rho:+.2f} / {r.first_order_share:.2f}" for r in rows.itertuples()}
        frame[f"{label}: rho / share"] = frame["parameter"].map(cells).fillna("")
    if not answer.by_point.empty:
        spread = answer.by_point.groupby("parameter", sort=False)["spearman_rho"]
        frame["rho over points"] = (
            frame["parameter"]
            .map(
                {
                    name: f"{low:+.2f} to {high:+.2f}"
                    for name, low, high in zip(spread.min().index, spread.min(), spread.max(), strict=True)
                }
            )
            .fillna("")
        )
    return frame


def _head(frame: pd.DataFrame, what: str) -> list[str]:
    if len(frame) <= _REPORT_ROWS:
        return [markdown_table(frame)]
    return [markdown_table(frame.head(_REPORT_ROWS)), f"({len(frame) - _REPORT_ROWS} more rows in `{what}`)", ""]


def _preamble(answer: SweepAnswer, design: PosteriorDesign, manifest: dict[str, Any]) -> list[str]:
    experiment = dict(manifest.get("experiment") or {})
    held = (
        f" The scenario file sets {', '.join(f'`{n}`' for n in design.held)} in `[parameters]`: the file's value "
        "wins, so those are not drawn (the others are drawn from the joint posterior as calibrated)."
        if design.held
        else ""
    )
    per_coding = " in every coding" if design.sampled else ""
    dropped = (
        f" {answer.draws_dropped} draws{per_coding} had a failed run and are left out of every answer (see "
        "`runs_report.md`)."
        if answer.draws_dropped
        else ""
    )
    title = [f"# Sweep over the posterior: {experiment.get('name', '')}", ""]
    if design.sampled and design.codings is not None:
        return [*title, *_coded_preamble(answer, design, held + dropped)]
    return [*title, *_plain_preamble(answer, design, held + dropped)]


def _plain_preamble(answer: SweepAnswer, design: PosteriorDesign, held: str) -> list[str]:
    """The report's opening without sampled codings (the file's own values)."""
    draws = design.cells.shape[1]
    note = design.codings.note() if design.codings is not None else ""
    return [
        f"`{answer.outcome}` at every design point for {draws} parameter sets drawn by weight from the posterior in "
        f"`{design.posterior.folder}` x {design.seeds_per_draw} seeds each, the same (draw, seed) pairs at every "
        "design point (common random numbers: differences between points are not noise between draws)." + held,
        "",
        *([f"**No coding uncertainty.** {note}.", ""] if note else []),
        "**Every interval is conditional on the bands the posterior was calibrated on** (P1-P3; see its report). "
        "It covers the calibrated parameters' pattern-constrained uncertainty and the seeds' noise, not the coding "
        "of the factors (see `colabsim robustness`) nor the parameters that were not calibrated (fixed at their "
        "documented values). The design varies factors only, never rule parameters, and factors are never "
        "calibrated: nothing is counted twice.",
        "",
        "Columns: `q05`-`q95`: 90% of the draws' means; `seed_only_halfwidth`: half-width of the 90% interval "
        "seeds alone give at one parameter set with these seeds; `widening`: how many times wider the interval "
        "over the draws is than that; `variance_parameter` and `variance_seed`: how the variance splits between "
        "the parameter draw and the seeds. `runs_report.md` shows every run together (the sweep's own report).",
        "",
    ]


def _coded_preamble(answer: SweepAnswer, design: PosteriorDesign, held: str) -> list[str]:
    """The report's opening when codings were sampled: what ran, what the intervals cover, the columns."""
    codings = design.codings
    if codings is None:
        return []
    draws = design.cells.shape[1]
    sampled = ", ".join(f"`{name}`" for name in codings.table.columns)
    design_held = f" {codings.held_note()[0].upper()}{codings.held_note()[1:]}." if codings.held_note() else ""
    return [
        f"`{answer.outcome}` at every design point for {answer.codings} codings of the scenario file sampled within "
        f"its coded ranges ({sampled}; a Latin hypercube, the factors of one group moving together), for each "
        f"coding {draws} parameter sets drawn by weight from the posterior in `{design.posterior.folder}`, x "
        f"{design.seeds_per_draw} seeds each: the same (coding, draw, seed) at every design point (common random "
        "numbers: differences between points are not noise between codings or draws). A coding replaces the "
        f"file's values at the start; the timeline's events still change them.{design_held}{held} The sampled "
        "codings are in `codings.parquet`; each run's row carries its `coding`, `draw` and values.",
        "",
        "**Every interval is conditional on the bands the posterior was calibrated on** (P1-P3; see its report), "
        "**and the posterior was calibrated on the scenario file's point codings** (its `value`s), not on these "
        "codings. An interval covers three sources: the coding of the factors within their ranges, the calibrated "
        "parameters' pattern-constrained uncertainty, and the seeds' noise; not the parameters that were not "
        "calibrated (fixed at their documented values). The design varies factors only, never rule parameters, "
        "and factors are never calibrated: nothing is counted twice.",
        "",
        "Columns: a *cell* is one (coding, draw). `q05`-`q95`: 90% of the cells' means; `seed_only_halfwidth`: "
        "half-width of the 90% interval seeds alone give in one cell with these seeds; `widening`: how many times "
        "wider the interval over the cells is than that; `variance_coding`, `variance_parameter` and "
        "`variance_seed`: how the variance splits between the coding, the parameter draw within a coding and the "
        "seeds (nested ANOVA); `share_codings_helps`: for an effect, the share of codings in which its mean over "
        "the coding's draws and seeds is above 0. `runs_report.md` shows every run together (the sweep's own "
        "report).",
        "",
    ]


def write_answer(directory: Path, answer: SweepAnswer, design: PosteriorDesign, manifest: dict[str, Any]) -> Path:
    """Write ``report.md`` and the ``posterior_*.csv`` tables of a posterior sweep (and ``codings.parquet``)."""
    if design.sampled and design.codings is not None:
        design.codings.table.reset_index().to_parquet(directory / "codings.parquet", index=False)
    answer.points.to_csv(directory / "posterior_points.csv", index=False)
    answer.factors.to_csv(directory / "posterior_factor_effects.csv", index=False)
    answer.comparisons.to_csv(directory / "posterior_comparisons.csv", index=False)
    answer.parameters.to_csv(directory / "posterior_parameters.csv", index=False)
    answer.by_point.to_csv(directory / "posterior_parameters_by_point.csv", index=False)
    lines = _preamble(answer, design, manifest)
    cell, cells = ("(coding, draw) cell", "cells") if design.sampled else ("draw", "draws")
    by_coding = " (`share_codings_helps`: share of codings, over each coding's mean)" if design.sampled else ""
    lines += ["## Each design point", "", *_head(answer.points, "posterior_points.csv")]
    if not answer.factors.empty:
        lines += [
            "## Each factor's effect",
            "",
            "The change of the outcome from the factor's lowest to its highest value in the design (a least-squares "
            f"line across the design points, within each {cell} and seed); `share_helps`: share of {cells} in which "
            f"it is above 0, with its Monte Carlo error{by_coding}; `rho_q05`-`rho_q95`: the sweep report's Spearman "
            f"rho of the factor with the outcome, over the {cells}.",
            "",
            markdown_table(answer.factors),
        ]
    if not answer.comparisons.empty:
        lines += [
            "## Each point against the first",
            "",
            f"A table design's first point is its baseline; the difference within each ({cell}, seed).",
            "",
            *_head(answer.comparisons, "posterior_comparisons.csv"),
        ]
    # Under no association, rho over n cells stays within about 1.96 / sqrt(n - 1) in 95% of samples.
    count = answer.draws_used * answer.codings
    noise = 1.96 / np.sqrt(max(count - 1, 1))
    lines += [
        "## How much the answers rest on each parameter",
        "",
        f"Per answer, Spearman's rho between a {cell}'s parameter value and the answer in it, and the share "
        f"of the answer's variance over the {cells} that the parameter alone explains (given-data first-order "
        "estimate, as `compare --posterior` gives); `rho over points`: the range of rho with each design point's "
        "level. `posterior_parameters.csv` adds the answer in the lowest and highest third of the parameter's "
        "draws, `posterior_parameters_by_point.csv` each point. *stays at the prior*: the patterns did not "
        "constrain it, so where it explains much the answer rests on its prior. With "
        f"{count} {cells}, a rho within ±{noise:.2f} is not told apart from none (95%).",
        "",
        markdown_table(_parameter_table(answer)),
    ]
    resting = resting_on_prior(answer.parameters.dropna(subset=["spearman_rho"]))
    if not resting.empty:
        carried = [
            f"{name} ("
            + ", ".join(
                f"{r.answer}: rho {r.spearman_rho:+.2f}, share {r.first_order_share:.2f}, "
                f"{r.effect_low_third:+.3f} to {r.effect_high_third:+.3f} from its low to high third"
                for r in rows.itertuples()
            )
            + ")"
            for name, rows in resting.groupby("parameter", sort=False)
        ]
        lines.append("Resting on a prior (left at the prior by the patterns, |rho| or share >= 0.3): "
                     + "; ".join(carried) + ".")  # fmt: skip
    report = directory / "report.md"
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report
