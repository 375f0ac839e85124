"""Scenario discovery for one collaboration: in which factor boxes does it succeed (or fail)?

A discovery file (TOML, in ``experiments/``) names a scenario and a factor space: the registry's
bounds of the listed factors (``space = "bounds"``; the values hold for the whole run, as in a
sweep), or the scenario's own coded ranges (``space = "coded"``; sampled values replace the file's
and the timeline's events still change them). A Latin hypercube of points is run with
replications (measured on ``performance``, a run ends with the scenario's evaluation window),
each point is labelled by its mean (above or below a threshold), and PRIM and a
classification tree (`colabsim.robustness.boxes`) describe where the outcome of interest lies,
as rules a reader can check.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from pydantic import Field, field_validator, model_validator

from colabsim._version import __version__
from colabsim.experiments.design import latin_hypercube_design
from colabsim.experiments.experiment import RunPlan, run_seed
from colabsim.experiments.options import ExecutionOptions
from colabsim.experiments.progress import phase
from colabsim.experiments.rundir import new_run_dir, write_manifest
from colabsim.experiments.runner import run_experiment
from colabsim.experiments.store import load_results
from colabsim.reporting import style
from colabsim.robustness.boxes import Box, box_rule, box_sentence, cart_boxes, prim_box
from colabsim.robustness.sampling import sample_codings
from colabsim.robustness.spec import MAX_RUNS, SummaryMetric, load_named_scenario, read_study, run_scenario
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import Scenario, ScenarioError
from colabsim.scenario.schema import _Strict

__all__ = ["DiscoveryResult", "DiscoveryStudy", "box_sentence", "load_discovery", "run_discovery"]

_DESIGN_STREAM = 2**32 - 5
_SPLIT_STREAM = 2**32 - 6


class DiscoveryMeta(_Strict):
    """``[discovery]``: the scenario, the factor space, the sample and what counts as of interest."""

    name: str = Field(min_length=1)
    description: str = ""
    scenario: str = Field(min_length=1)
    space: Literal["bounds", "coded"] = "bounds"
    factors: list[str] = Field(default_factory=list)
    points: int = Field(ge=50, le=1_000_000)
    replications: int = Field(default=5, ge=1, le=10_000)
    seed: int = Field(ge=0)
    metric: SummaryMetric = "performance"
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    threshold_quantile: float | None = Field(default=None, gt=0.0, lt=1.0)
    interest: Literal["above", "below"] = "above"
    held_out: float = Field(default=0.3, gt=0.0, lt=0.9)

    @field_validator("factors")
    @classmethod
    def _factors_known(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in FACTORS]
        if unknown:
            raise ValueError(f"unknown factor {unknown[0]!r}; allowed: {', '.join(FACTORS)}")
        if len(set(value)) != len(value):
            raise ValueError("list each factor once")
        return value

    @model_validator(mode="after")
    def _one_threshold(self) -> DiscoveryMeta:
        if (self.threshold is None) == (self.threshold_quantile is None):
            raise ValueError(
                "give either 'threshold' (a value of the metric) or 'threshold_quantile' (e.g. 0.75: the best quarter)"
            )
        return self


class DiscoveryFile(_Strict):
    """A whole discovery file."""

    discovery: DiscoveryMeta


@dataclass(frozen=True)
class DiscoveryStudy:
    """A validated discovery file with its scenario and the factors of its space."""

    spec: DiscoveryFile
    path: Path | None
    sha256: str
    scenario: Scenario
    factors: list[str]


@dataclass(frozen=True)
class DiscoveryResult:
    """What a discovery produced.

    Attributes:
        directory: Where everything was written.
        points: One row per point: the factors, the mean outcome and whether it is of interest.
        threshold: The metric's value that separates the points (given, or the asked quantile's).
        prim: PRIM's box (nearest to full coverage and density) with its held-out check.
        cart: The classification tree's leaves of interest, by decreasing coverage.
        seconds: Wall time.
    """

    directory: Path
    points: pd.DataFrame
    threshold: float
    prim: Box
    cart: list[Box]
    seconds: float


def load_discovery(path: str | Path) -> DiscoveryStudy:
    """Load and validate a discovery file and its scenario.

    Raises:
        ScenarioError: If the file or its scenario is invalid, naming the file, the key and what is
            allowed.
    """
    path = Path(path)
    spec, sha256 = read_study(path, DiscoveryFile)
    meta = spec.discovery
    scenario = load_named_scenario(path, meta.scenario, "discovery.scenario")
    factors = list(meta.factors) or (list(scenario.codings) if meta.space == "coded" else list(FACTORS))
    if meta.space == "coded":
        uncoded = [name for name in factors if name not in scenario.codings]
        if uncoded or not factors:
            what = f"{uncoded[0]!r} is not coded with a range" if uncoded else "the scenario codes no factor"
            raise ScenarioError(path, [("discovery.factors", f'{what} in {meta.scenario}; use space = "bounds"')])
    if meta.points * meta.replications > MAX_RUNS:
        total = meta.points * meta.replications
        raise ScenarioError(path, [("discovery.points", f"{total:,} runs is more than the limit of {MAX_RUNS:,}")])
    return DiscoveryStudy(spec, path, sha256, scenario, factors)


def _points(study: DiscoveryStudy) -> pd.DataFrame:
    meta = study.spec.discovery
    seed = run_seed(meta.seed, _DESIGN_STREAM) % 2**32
    if meta.space == "coded":
        codings = {name: study.scenario.codings[name] for name in study.factors}
        return sample_codings({"scenario": codings}, meta.points, seed)["scenario"]
    bounds = [(FACTORS[name].low, FACTORS[name].high) for name in study.factors]
    return pd.DataFrame(latin_hypercube_design(bounds, meta.points, seed), columns=study.factors)


def run_discovery(
    study: DiscoveryStudy | str | Path,
    out: str | Path | None = None,
    *,
    options: ExecutionOptions | None = None,
    resume: bool = False,
) -> DiscoveryResult:
    """Run a discovery: sample, run, label, and find the boxes; write tables, figure and report.

    Args:
        study: A discovery file's path, or a loaded `DiscoveryStudy`.
        out: Results directory (default ``runs/discover-<UTC time>``); new unless resuming.
        options: How the runs execute (`ExecutionOptions`).
        resume: Continue the discovery in `out`, running only what is not yet written.

    Raises:
        ScenarioError: If the file or its scenario is invalid.
        DiscoveryUnavailableError: If the optional ``discovery`` extra is not installed.
        ValueError: If no point, or every point, is of interest (change the threshold).
    """
    started = time.perf_counter()
    if not isinstance(study, DiscoveryStudy):
        study = load_discovery(study)
    options = ExecutionOptions.check(options)
    if resume and out is not None and Path(out).is_dir():
        directory = Path(out)
    else:
        directory = new_run_dir(Path(out) if out is not None else None, "discover")
    meta = study.spec.discovery
    points = _points(study)
    identity = json.dumps([study.sha256, study.factors], sort_keys=True)
    plan = RunPlan(
        name=meta.name,
        points=points,
        replications=meta.replications,
        seed=meta.seed,
        sha256=hashlib.sha256(identity.encode()).hexdigest(),
        scenario=run_scenario(study.scenario, meta.metric),
        summary_metrics=[meta.metric],
        hold_factors=meta.space == "bounds",
        description={"discovery": {"name": meta.name, "path": str(study.path), "space": meta.space}},
    )
    run_experiment(plan, directory / "runs", options, resume=resume)
    progress = options.callback
    table = load_results(directory / "runs")
    ok = table[table["status"] == "ok"]
    means = ok.groupby("design_point")[meta.metric].mean().reindex(range(len(points)))
    labelled = points.assign(mean=means.to_numpy())
    labelled = labelled[labelled["mean"].notna()].reset_index(drop=True)
    if meta.threshold is not None:
        threshold = meta.threshold
    else:
        threshold = float(labelled["mean"].quantile(meta.threshold_quantile or 0.5))  # the validator asks for one
    above = labelled["mean"].to_numpy() > threshold
    labelled["of_interest"] = above if meta.interest == "above" else ~above
    x, y = labelled[study.factors], labelled["of_interest"].to_numpy()
    split_seed = run_seed(meta.seed, _SPLIT_STREAM) % 2**32
    with phase(progress, "boxes: PRIM and a classification tree"):
        prim, train = prim_box(x, y, split_seed, held_out=meta.held_out)
        tree = cart_boxes(x, y, train, split_seed)
    labelled.to_csv(directory / "points.csv", index_label="point")
    _boxes_table(prim, tree).to_csv(directory / "boxes.csv", index=False)
    result = DiscoveryResult(directory, labelled, threshold, prim, tree, time.perf_counter() - started)
    _write_report(study, result)
    write_manifest(
        directory,
        {
            "colabsim_version": __version__,
            "kind": "discovery",
            "discovery": {"name": meta.name, "path": str(study.path), "sha256": study.sha256},
            "scenario": {
                "name": study.scenario.name,
                "path": str(study.scenario.path),
                "sha256": study.scenario.sha256,
            },
            "root_seed": meta.seed,
            "space": meta.space,
            "factors": study.factors,
            "points": meta.points,
            "replications": meta.replications,
            "threshold": result.threshold,
            "timings": {"finished": datetime.now(UTC).isoformat(), "seconds": round(result.seconds, 3)},
        },
    )
    return result


def _boxes_table(prim: Box, tree: list[Box]) -> pd.DataFrame:
    rows = [("prim", prim), *(("cart", box) for box in tree)]
    return pd.DataFrame(
        [
            {
                "method": method,
                "rule": box_rule(box.limits),
                "coverage": box.coverage,
                "density": box.density,
                "held_out_coverage": box.test_coverage,
                "held_out_density": box.test_density,
            }
            for method, box in rows
        ]
    )


def _write_report(study: DiscoveryStudy, result: DiscoveryResult) -> None:
    meta = study.spec.discovery
    word = "above" if meta.interest == "above" else "at or below"
    outcome = f"mean {meta.metric} {word} {result.threshold:.3g}"
    share = float(result.points["of_interest"].mean())
    space = "the registry's bounds, held for the whole run" if meta.space == "bounds" else "the scenario's coded ranges"
    lines = [
        f"# Scenario discovery: {meta.name}",
        "",
        meta.description,
        "",
        f"{len(result.points)} points of `{study.scenario.name}` over {space} "
        f"({', '.join(f'`{n}`' for n in study.factors)}), {meta.replications} replications each. "
        f"Of interest: {outcome} ({share:.0%} of the points). Boxes are fitted on "
        f"{1 - meta.held_out:.0%} of the points and checked on the rest.",
        "",
        "## PRIM (the box nearest to full coverage and density on the peeling trajectory, its restrictions "
        "with a quasi-p value up to 0.05)",
        "",
        box_sentence(result.prim, outcome),
        "",
        f"![Peeling trajectory]({_trajectory_figure(result)})",
        "",
        "## Classification tree (depth 3): its leaves of interest",
        "",
        *(f"- {box_sentence(box, outcome)}" for box in result.cart),
        *([] if result.cart else ["- no leaf of the tree predicts the outcome of interest"]),
        "",
        "Files: `points.csv` (each point's factors, mean and label), `boxes.csv`, `runs/` (every run).",
        "",
    ]
    (result.directory / "report.md").write_text("\n".join(lines), encoding="utf-8")


def _trajectory_figure(result: DiscoveryResult) -> str:
    trajectory = result.prim.trajectory
    if trajectory is None:
        return ""
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    points = ax.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"], cmap="viridis", s=18)
    chosen = trajectory[trajectory["chosen"]]
    ax.scatter(
        chosen["coverage"],
        chosen["density"],
        s=120,
        facecolors="none",
        edgecolors="black",
        label="chosen (then its restrictions with quasi-p > 0.05 dropped)",
    )
    fig.colorbar(points, ax=ax, label="restricted factors")
    ax.set_xlabel("coverage (share of the points of interest inside the box)")
    ax.set_ylabel("density (share of the box's points of interest)")
    ax.set_title("PRIM's peeling trajectory")
    ax.legend(loc="lower left", frameon=False)
    name = "figures/prim_trajectory.png"
    (result.directory / "figures").mkdir(exist_ok=True)
    style.save(fig, result.directory / name)
    plt.close(fig)
    return name
