"""The robustness pipeline: sample codings, run every arm with common random numbers, estimate.

`run_robustness` takes a robustness file (`colabsim.robustness.spec`). Each arm (the strong and the
weak scenario of the pair, the what-if's base and the what-if itself) becomes a run plan of the
same codings x replications, run through `colabsim.experiments.runner` into its own folder, so
executors, durable Parquet parts and ``--resume`` work as for a sweep. Run ``c * R + r`` of every
arm has the same seed: the arms differ only in what is compared. The sampled values replace the
scenario files' own (the timeline's events still change them, as they would the file's value);
a what-if's factors hold for the whole run. Measured on ``performance``, a run ends with its
scenario's evaluation window (`colabsim.robustness.spec.run_scenario`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colabsim._version import __version__
from colabsim.experiments.experiment import RunPlan
from colabsim.experiments.options import ExecutionOptions
from colabsim.experiments.progress import relabel
from colabsim.experiments.rundir import new_run_dir, write_manifest
from colabsim.experiments.runner import run_experiment
from colabsim.experiments.store import load_results
from colabsim.robustness import analysis
from colabsim.robustness.boxes import DiscoveryUnavailableError, prim_box
from colabsim.robustness.report import write_report
from colabsim.robustness.result import FailureBox, RobustnessResult, WhatIfResult
from colabsim.robustness.sampling import (
    BOOTSTRAP_STREAM,
    SAMPLING_STREAM,
    sample_codings,
    sampled_dimensions,
    stream_seed,
)
from colabsim.robustness.spec import RobustnessStudy, load_robustness, run_scenario

__all__ = ["MIN_EACH_SIDE", "arm_outcomes", "run_robustness", "where_p1_fails"]

#: Spawn key of PRIM's own stream (the sampling's and the bootstrap's are in `sampling`).
_FAILURES_STREAM = 2**32 - 7
#: Fewest codings on each side of P1's verdict for a box of where it fails to mean something.
MIN_EACH_SIDE = 20


def _arms(study: RobustnessStudy, sampled: dict[str, pd.DataFrame]) -> dict[str, tuple[Any, pd.DataFrame]]:
    """Each arm's scenario and design: the pair's scenarios, the what-if's base and the what-if."""
    arms = {role: (scenario, sampled[role]) for role, scenario in study.scenarios.items()}
    if study.what_if_of is not None and study.spec.what_if is not None:
        factors = study.spec.what_if.factors
        base_scenario, base_points = arms[study.what_if_of]
        points = base_points.drop(columns=[c for c in base_points.columns if c in factors])
        arms["what_if"] = (base_scenario.with_factors(**factors), points)
    return arms


def where_p1_fails(study: RobustnessStudy, codings: pd.DataFrame, holds: np.ndarray) -> FailureBox:
    """PRIM's box of the codings in which P1 fails (scenario discovery within the coded ranges).

    A group's factors take the same quantile of their ranges, so each group enters PRIM once, as
    its first member's column; `FailureBox.stands_for` says which factors it stands for.
    """
    layout = sampled_dimensions({role: s.codings for role, s in study.scenarios.items()})
    stands_for: dict[str, list[str]] = {}
    columns = []
    for members in layout.values():
        first = f"{members[0][0]}.{members[0][1]}"
        columns.append(first)
        if len(members) > 1:
            stands_for[first] = [f"{arm}.{name}" for arm, name in members]
    fails = ~np.asarray(holds, dtype=bool)
    if min(int(fails.sum()), int((~fails).sum())) < MIN_EACH_SIDE:
        note = (
            f"P1 fails in {int(fails.sum())} codings and holds in {int((~fails).sum())}: too few on one side "
            f"to find where it fails (at least {MIN_EACH_SIDE} each)"
        )
        return FailureBox(None, stands_for, note)
    seed = stream_seed(study.spec.robustness.seed, _FAILURES_STREAM)
    try:
        box, _ = prim_box(codings[columns], fails, seed)
    except DiscoveryUnavailableError as exc:
        return FailureBox(None, stands_for, str(exc))
    return FailureBox(box, {k: v for k, v in stands_for.items() if k in box.limits}, "")


def arm_outcomes(directory: Path, metric: str, codings: int, replications: int) -> np.ndarray:
    """One arm's `metric` as a (codings, replications) array read from its results; a failed run is NaN."""
    table = load_results(directory)
    values = table[metric].to_numpy(dtype=np.float64).copy()
    values[table["status"].to_numpy() != "ok"] = np.nan
    return values.reshape(codings, replications)


def _plan(study: RobustnessStudy, arm: str, scenario: Any, points: pd.DataFrame) -> RunPlan:
    meta = study.spec.robustness
    what_if = study.spec.what_if.factors if study.spec.what_if is not None else {}
    identity = json.dumps([study.sha256, arm, what_if, meta.codings], sort_keys=True)
    return RunPlan(
        name=f"{meta.name} [{arm}]",
        points=points,
        replications=meta.replications,
        seed=meta.seed,
        sha256=hashlib.sha256(identity.encode()).hexdigest(),
        scenario=run_scenario(scenario, meta.metric),
        summary_metrics=[meta.metric],
        hold_factors=False,
        description={
            "robustness": {"name": meta.name, "arm": arm, "path": str(study.path), "sha256": study.sha256},
            "scenario": {"name": scenario.name, "path": str(scenario.path), "sha256": scenario.sha256},
            "design": {"method": "coding lhs", "points": len(points), "replications": meta.replications},
        },
    )


def run_robustness(
    study: RobustnessStudy | str | Path,
    out: str | Path | None = None,
    *,
    what_if: Mapping[str, float] | None = None,
    options: ExecutionOptions | None = None,
    resume: bool = False,
) -> RobustnessResult:
    """Run a robustness study and write its tables, figures and report.

    Args:
        study: A robustness file's path, or a loaded `RobustnessStudy`.
        out: Results directory (default ``runs/robustness-<UTC time>``); new unless resuming.
        what_if: Factor values of a what-if, replacing the file's ``[what_if]`` factors (its
            scenario defaults to the pair's weak one).
        options: How every arm's runs execute (`ExecutionOptions`; a progress callback gets each
            arm's runs under its own label).
        resume: Continue the study in `out`, running only what is not yet written.

    Returns:
        The shares, the effects and where they were written.

    Raises:
        ScenarioError: If the file or a scenario is invalid.
        RunDirError: If `out` is not empty and not resumed.
        StoreError: If resuming a folder that holds another study.
    """
    started = time.perf_counter()
    if not isinstance(study, RobustnessStudy):
        study = load_robustness(study)
    if what_if:
        study = study.with_what_if(dict(what_if))
    options = ExecutionOptions.check(options)
    if resume and out is not None and Path(out).is_dir():
        directory = Path(out)
        (directory / "figures").mkdir(exist_ok=True)
    else:
        directory = new_run_dir(Path(out) if out is not None else None, "robustness")
    meta = study.spec.robustness
    sampled = sample_codings(
        {role: s.codings for role, s in study.scenarios.items()},
        meta.codings,
        stream_seed(meta.seed, SAMPLING_STREAM),
    )
    arms = _arms(study, sampled)
    outcomes: dict[str, np.ndarray] = {}
    for arm, (scenario, points) in arms.items():
        arm_options = replace(options, progress=relabel(options.callback, f"runs: {arm}"))
        run_experiment(_plan(study, arm, scenario, points), directory / arm, arm_options, resume=resume)
        outcomes[arm] = arm_outcomes(directory / arm, meta.metric, meta.codings, meta.replications)
    codings = pd.concat([frame.add_prefix(f"{role}.") for role, frame in sampled.items()], axis=1).rename_axis("coding")
    codings.reset_index().to_parquet(directory / "codings.parquet", index=False)
    per_coding = pd.DataFrame({f"{arm}_mean": np.nanmean(v, axis=1) for arm, v in outcomes.items()})
    per_coding.index.name = "coding"
    p1, failures = None, None
    if study.spec.pair is not None:
        band = (study.spec.pair.ratio[0], study.spec.pair.ratio[1])
        holds = analysis.pattern_p1(outcomes["strong"], outcomes["weak"], band)
        rng = np.random.default_rng(stream_seed(meta.seed, BOOTSTRAP_STREAM))
        flips = analysis.flip_probability(outcomes["strong"], outcomes["weak"], band, rng)
        per_coding["p1_holds"] = holds
        per_coding["p1_flip_probability"] = flips
        p1 = analysis.share(holds, flips)
        failures = where_p1_fails(study, codings, holds)
    effect = None
    if study.what_if_of is not None and study.spec.what_if is not None:
        effects = analysis.paired_effects(outcomes[study.what_if_of], outcomes["what_if"])
        per_coding = per_coding.join(effects.add_prefix("what_if_"))
        effect = WhatIfResult(
            factors=dict(study.spec.what_if.factors),
            scenario=study.scenarios[study.what_if_of].name,
            helps=analysis.share(effects["effect"].to_numpy() > 0),
            helps_surely=analysis.share(effects["low"].to_numpy() > 0),
            quantiles=analysis.effect_quantiles(effects["effect"]),
        )
    per_coding.to_csv(directory / "per_coding.csv")
    seconds = time.perf_counter() - started
    result = RobustnessResult(directory, codings, per_coding, p1, effect, seconds, failures)
    write_manifest(directory, _manifest(study, result, datetime.now(UTC), options, resume))
    write_report(study, result)
    return result


def _manifest(
    study: RobustnessStudy, result: RobustnessResult, finished: datetime, options: ExecutionOptions, resume: bool
) -> dict[str, Any]:
    meta = study.spec.robustness
    return {
        "colabsim_version": __version__,
        "kind": "robustness",
        "robustness": {"name": meta.name, "path": str(study.path), "sha256": study.sha256},
        "scenarios": {
            role: {"name": s.name, "path": str(s.path), "sha256": s.sha256, "coded": sorted(s.codings)}
            for role, s in study.scenarios.items()
        },
        "root_seed": meta.seed,
        "sampling_seed": stream_seed(meta.seed, SAMPLING_STREAM),
        "codings": meta.codings,
        "replications": meta.replications,
        "metric": meta.metric,
        "what_if": study.spec.what_if.model_dump() if study.spec.what_if is not None else None,
        "run_options": {**{k: v for k, v in asdict(options).items() if k != "progress"}, "resume": resume},
        "timings": {"finished": finished.isoformat(), "seconds": round(result.seconds, 3)},
    }
