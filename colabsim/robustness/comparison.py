"""Coding robustness of a comparison (``colabsim compare --coding-robustness N``).

`plan_codings` checks the option and samples N codings of every compared scenario file within its
coded ranges, the same way a robustness study does (`colabsim.robustness.sampling`: a Latin
hypercube, each range's distribution, co-moving groups in every arm that codes them). A factor a
``--set`` holds is not sampled. A factor two related files code with the same line (one extends
the other, or both extend one file, e.g. Darwin and Darwin reformed) is one reading of one coding
and takes the same value in both. `run_codings` runs every arm's codings x replications through
the experiment runner (batched engine, chunked over the executor) with the same seeds in every arm
(common random numbers), and estimates, for each scenario against the baseline, the share of
codings in which its ``performance`` is higher, with its Monte Carlo error and misclassification
rate, and the quantiles of the difference; and P1's share when the study's strong/weak pair is
compared. ``performance`` averages over the compared scenario's window in both, as compare's own
table does: the baseline is run again over another scenario's window where the windows differ.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from colabsim.experiments.experiment import RunPlan
from colabsim.experiments.options import ExecutionOptions
from colabsim.experiments.progress import relabel
from colabsim.experiments.runner import run_experiment
from colabsim.robustness import analysis
from colabsim.robustness.analysis import ShareEstimate
from colabsim.robustness.pipeline import arm_outcomes
from colabsim.robustness.sampling import BOOTSTRAP_STREAM, SAMPLING_STREAM, sample_codings, stream_seed
from colabsim.robustness.spec import MAX_RUNS
from colabsim.scenario.loader import Scenario, ScenarioError, read_toml, scenario_from_dict
from colabsim.scenario.schema import FactorCoding

__all__ = [
    "DEFAULT_REPLICATIONS",
    "CodingComparison",
    "CodingPlan",
    "CodingRobustness",
    "CodingRobustnessError",
    "PairCheck",
    "ScenarioVerdict",
    "plan_codings",
    "run_codings",
]

#: Replications per coding and arm unless asked otherwise: a robustness study's default.
DEFAULT_REPLICATIONS = 10
_METRIC = "performance"


class CodingRobustnessError(ValueError):
    """The coding-robustness option cannot be run as asked (too few codings, too many runs)."""


@dataclass(frozen=True)
class CodingRobustness:
    """What ``--coding-robustness`` asks for.

    Attributes:
        codings: Codings sampled from the compared files' coded ranges (at least 2).
        replications: Runs per coding and scenario (at least 2: a coding's verdict needs its noise).

    Raises:
        CodingRobustnessError: If a number is not a whole number of at least 2.
    """

    codings: int
    replications: int = DEFAULT_REPLICATIONS

    def __post_init__(self) -> None:
        for name in ("codings", "replications"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 2:
                raise CodingRobustnessError(
                    f"coding robustness: {name} must be a whole number of at least 2, got {value!r}"
                )


@dataclass(frozen=True)
class PairCheck:
    """The study's strong/weak pair: P1 holds for a coding when the strong mean is `band` times the weak one.

    Attributes:
        strong: Label (file stem) of the strong collaboration.
        weak: Label of the weak one.
        band: The (low, high) band of the ratio of their means; their Welch 95% interval must also
            lie above zero (`colabsim.robustness.analysis.pattern_p1`).
    """

    strong: str
    weak: str
    band: tuple[float, float]


@dataclass(frozen=True)
class CodingPlan:
    """The checked option with its sampled codings and arms, ready to run (see `plan_codings`).

    Attributes:
        settings: Codings and replications.
        seed: Root seed (the comparison's): run ``c * R + r`` of every arm has its seed.
        baseline: The label the others are compared with.
        arms: Per arm (a label, or the baseline over another's window), its scenario and codings.
        measured_on: Per compared label, the arm of the baseline it is compared with.
        notes: Per label, what the reader should know (no ranges, held by ``--set``, not comparable).
        pair: The strong/weak pair whose P1 is checked, when both are compared.
    """

    settings: CodingRobustness
    seed: int
    baseline: str
    arms: dict[str, tuple[Scenario, pd.DataFrame]]
    measured_on: dict[str, str]
    notes: dict[str, str]
    pair: PairCheck | None

    @property
    def labels(self) -> list[str]:
        """The compared scenarios that are run (the arms that are not the baseline over another window)."""
        return [self.baseline, *(a for a in self.arms if a in self.measured_on or a in self._pair_labels)]

    @property
    def _pair_labels(self) -> tuple[str, ...]:
        return (self.pair.strong, self.pair.weak) if self.pair is not None else ()

    @property
    def asks_something(self) -> bool:
        """Whether a scenario can be compared with the baseline, or P1 checked."""
        return bool(self.measured_on) or self.pair is not None

    @property
    def total_runs(self) -> int:
        """Runs of every arm: codings x replications x arms."""
        return self.settings.codings * self.settings.replications * len(self.arms)


@dataclass(frozen=True)
class ScenarioVerdict:
    """One scenario against the baseline over the coding space.

    Attributes:
        label: The scenario.
        higher: Share of codings in which its mean ``performance`` is above the baseline's.
        clearly_higher: Share in which the paired 95% interval of the difference lies above zero.
        clearly_lower: Share in which it lies below zero.
        quantiles: Quantiles of the difference (scenario minus baseline) over the codings (``q05`` ...).
    """

    label: str
    higher: ShareEstimate
    clearly_higher: ShareEstimate
    clearly_lower: ShareEstimate
    quantiles: dict[str, float]


@dataclass(frozen=True)
class CodingComparison:
    """What the coding robustness of a comparison found.

    Attributes:
        plan: What was run.
        verdicts: One per compared scenario that could be compared with the baseline.
        p1: P1's share of the coding space, when the pair was compared (else None).
        per_coding: One row per coding: each arm's mean, each difference with its interval, P1.
        codings: The sampled codings (``label.factor`` columns).
        seconds: Wall time of the runs and estimates.
    """

    plan: CodingPlan
    verdicts: list[ScenarioVerdict]
    p1: ShareEstimate | None
    per_coding: pd.DataFrame
    codings: pd.DataFrame
    seconds: float

    @property
    def sampled(self) -> bool:
        """Whether any compared file codes a range (else there is no coding uncertainty)."""
        return not self.codings.empty

    @property
    def ran(self) -> bool:
        """Whether anything was run: a file codes a range and a scenario or P1 could be compared."""
        return self.sampled and self.plan.asks_something

    def summary(self) -> list[str]:
        """A few lines for the terminal: each scenario's share against the baseline, P1's share."""
        plan = self.plan
        if not self.sampled:
            return ["coding robustness: no compared file codes a range, so there is no coding uncertainty"]
        if not self.ran:
            return ["coding robustness: nothing could be compared", *(f"  {k}: {v}" for k, v in plan.notes.items())]
        head = f"coding robustness ({plan.settings.codings} codings x {plan.settings.replications} replications"
        lines = [f"{head}, {self.seconds:.0f} s):"]
        for v in self.verdicts:
            lines.append(
                f"  {v.label} above {plan.baseline} in {v.higher.share:.0%} of the coding space "
                f"(± {v.higher.mc_error:.1%}); difference 5/50/95%: "
                f"{v.quantiles['q05']:+.3f} / {v.quantiles['q50']:+.3f} / {v.quantiles['q95']:+.3f}"
            )
        if self.p1 is not None:
            lines.append(f"  P1 holds in {self.p1.share:.0%} of the coding space (± {self.p1.mc_error:.1%})")
        return lines + [f"  {label}: {note}" for label, note in plan.notes.items()]

    def table(self) -> pd.DataFrame:
        """The tidy summary: one row per scenario and statement, with its share, errors and quantiles."""
        rows = []
        for verdict in self.verdicts:
            for statement, estimate in (
                ("higher", verdict.higher),
                ("clearly higher", verdict.clearly_higher),
                ("clearly lower", verdict.clearly_lower),
            ):
                rows.append(_row(verdict.label, statement, estimate, verdict.quantiles))
        if self.p1 is not None and self.plan.pair is not None:
            rows.append(_row(f"{self.plan.pair.strong} vs {self.plan.pair.weak}", "P1", self.p1, {}))
        table = pd.DataFrame(rows)
        if not table.empty:
            table.insert(1, "baseline", self.plan.baseline)
        return table


def _row(label: str, statement: str, estimate: ShareEstimate, quantiles: dict[str, float]) -> dict[str, object]:
    return {
        "scenario": label,
        "statement": statement,
        "share": estimate.share,
        "mc_error": estimate.mc_error,
        "ci_low": estimate.low,
        "ci_high": estimate.high,
        "misclassification": estimate.misclassification,
        "codings": estimate.codings,
        **{f"difference_{k}": quantiles.get(k, float("nan")) for k in ("q05", "q50", "q95")},
    }


def _lineage_root(path: Path | None) -> Path | None:
    """The first file of `path`'s ``extends`` chain: two files with the same root share its lines."""
    if path is None:
        return None
    seen: list[Path] = []
    current = path.resolve()
    while current not in seen and current.is_file():
        seen.append(current)
        parent = read_toml(current)[1].get("extends")
        if not isinstance(parent, str):
            break
        current = (current.parent / parent).resolve()
    return seen[-1] if seen else None


def _with_window(scenario: Scenario, window: list[str] | None) -> Scenario:
    """`scenario` judged over `window` (None: every month): ``performance`` averages over these months.

    Raises:
        ScenarioError: If `window` is not inside the scenario's horizon.
    """
    raw = scenario.spec.model_dump()
    raw["scenario"]["window"] = window
    changed = scenario_from_dict(raw, scenario.path)
    return Scenario(changed.spec, scenario.path, changed.sha256, dict(scenario.overrides))


def _one_reading(scenarios: Sequence[tuple[str, Scenario]]) -> dict[str, dict[str, FactorCoding]]:
    """Each label's sampled factors (a ``--set`` factor is held, not sampled), one reading per shared line.

    An ungrouped factor coded alike by files of one lineage is the same line of the same file, so
    it gets a group of its own that makes it move together in those arms.
    """
    coded: dict[str, dict[str, FactorCoding]] = {}
    for label, scenario in scenarios:
        root = _lineage_root(scenario.path)
        coded[label] = {}
        for name, coding in scenario.codings.items():
            if name in scenario.overrides:
                continue
            if coding.group is None and root is not None:
                coding = coding.model_copy(update={"group": f"{root.name}:{name}:{coding.model_dump_json()}"})
            coded[label][name] = coding
    # A line shared by no other arm stays an independent dimension.
    used: dict[str, int] = {}
    for codings in coded.values():
        for coding in codings.values():
            if coding.group is not None:
                used[coding.group] = used.get(coding.group, 0) + 1
    return {
        label: {
            name: coding
            if coding.group is None or ":" not in coding.group or used[coding.group] > 1
            else coding.model_copy(update={"group": None})
            for name, coding in codings.items()
        }
        for label, codings in coded.items()
    }


def plan_codings(
    scenarios: Sequence[tuple[str, Scenario]], seed: int, settings: CodingRobustness, pair: PairCheck | None = None
) -> CodingPlan:
    """Check the option and sample the codings of a comparison, before anything runs.

    Args:
        scenarios: (label, scenario) pairs as compared; the first is the baseline.
        seed: The comparison's root seed (the sampling has its own stream under it).
        settings: Codings and replications.
        pair: The study's strong/weak pair; P1 is checked when both of its labels are compared.

    Raises:
        CodingRobustnessError: If the runs would exceed `colabsim.robustness.spec.MAX_RUNS`.
    """
    baseline_label, baseline = scenarios[0]
    coded = _one_reading(scenarios)
    notes: dict[str, str] = {}
    for label, scenario in scenarios:
        held = sorted(set(scenario.codings) & set(scenario.overrides))
        if not scenario.codings:
            notes[label] = "codes no factor with a range: no coding uncertainty, its file's values in every coding"
        elif held:
            notes[label] = f"{', '.join(held)} held by --set, not sampled"
    runs: dict[str, tuple[str, Scenario]] = {label: (label, scenario) for label, scenario in scenarios}
    measured_on: dict[str, str] = {}
    for label, scenario in scenarios[1:]:
        window = scenario.spec.scenario.window
        if window == baseline.spec.scenario.window:
            measured_on[label] = baseline_label
            continue
        arm = f"{baseline_label}_over_{'_'.join(window) if window else 'the_whole_run'}"
        if arm not in runs:
            try:
                runs[arm] = (baseline_label, _with_window(baseline, window))
            except ScenarioError:
                covered = " to ".join(window or [])
                notes[label] = f"not compared: {baseline_label}'s runs do not cover its window ({covered})"
                if pair is None or label not in (pair.strong, pair.weak):
                    del runs[label]  # its runs would answer nothing
                continue
        measured_on[label] = arm
    total = settings.codings * settings.replications * len(runs)
    if total > MAX_RUNS:  # checked before sampling: a huge sample is itself slow
        raise CodingRobustnessError(
            f"coding robustness: {total:,} runs ({settings.codings} codings x {settings.replications} "
            f"replications x {len(runs)} arms) is more than the limit of {MAX_RUNS:,}; ask for fewer codings"
        )
    sampled = sample_codings(coded, settings.codings, stream_seed(seed, SAMPLING_STREAM))
    arms = {arm: (scenario, sampled[coding]) for arm, (coding, scenario) in runs.items()}
    check = pair if pair is not None and pair.strong in arms and pair.weak in arms else None
    plan = CodingPlan(settings, seed, baseline_label, arms, measured_on, notes, check)
    return plan


def _run_plan(plan: CodingPlan, arm: str, scenario: Scenario, points: pd.DataFrame) -> RunPlan:
    identity = json.dumps([arm, scenario.sha256, scenario.overrides, plan.seed, points.round(12).to_json()])
    return RunPlan(
        name=f"coding robustness [{arm}]",
        points=points,
        replications=plan.settings.replications,
        seed=plan.seed,
        sha256=hashlib.sha256(identity.encode()).hexdigest(),
        scenario=scenario.through_window(),
        summary_metrics=[_METRIC],
        hold_factors=False,
        description={
            "scenario": {"name": scenario.name, "path": str(scenario.path), "sha256": scenario.sha256},
            "design": {"method": "coding lhs", "points": len(points), "replications": plan.settings.replications},
        },
    )


def run_codings(plan: CodingPlan, directory: Path, options: ExecutionOptions) -> CodingComparison:
    """Run every arm of `plan` into `directory` (one folder per arm) and estimate the shares.

    Nothing is run when no compared file codes a range: there is no coding uncertainty.
    """
    started = time.perf_counter()
    settings = plan.settings
    labels = list(dict.fromkeys(plan.labels))
    codings = pd.concat([plan.arms[label][1].add_prefix(f"{label}.") for label in labels], axis=1)
    codings = codings.rename_axis("coding")
    if codings.empty or not plan.asks_something:
        return CodingComparison(plan, [], None, pd.DataFrame(), codings, time.perf_counter() - started)
    directory.mkdir(parents=True, exist_ok=True)
    outcomes: dict[str, np.ndarray] = {}
    for arm, (scenario, points) in plan.arms.items():
        arm_options = replace(options, progress=relabel(options.callback, f"coding robustness: {arm}"))
        run_experiment(_run_plan(plan, arm, scenario, points), directory / arm, arm_options)
        outcomes[arm] = arm_outcomes(directory / arm, _METRIC, settings.codings, settings.replications)
    rng = np.random.default_rng(stream_seed(plan.seed, BOOTSTRAP_STREAM))
    per_coding = pd.DataFrame({f"{arm}_mean": np.nanmean(v, axis=1) for arm, v in outcomes.items()})
    per_coding.index.name = "coding"
    verdicts = []
    for label, base_arm in plan.measured_on.items():
        base, mine = outcomes[base_arm], outcomes[label]
        effects = analysis.paired_effects(base, mine)
        per_coding = per_coding.join(effects.add_prefix(f"{label}_minus_{plan.baseline}_"))
        flips = analysis.verdict_flips(analysis.higher, mine, base, rng)
        verdicts.append(
            ScenarioVerdict(
                label=label,
                higher=analysis.share(analysis.higher(mine, base), flips),
                clearly_higher=analysis.share(effects["low"].to_numpy() > 0),
                clearly_lower=analysis.share(effects["high"].to_numpy() < 0),
                quantiles=analysis.effect_quantiles(effects["effect"]),
            )
        )
    p1 = None
    if plan.pair is not None:
        strong, weak = outcomes[plan.pair.strong], outcomes[plan.pair.weak]
        holds = analysis.pattern_p1(strong, weak, plan.pair.band)
        per_coding["p1_holds"] = holds
        per_coding["p1_flip_probability"] = analysis.flip_probability(strong, weak, plan.pair.band, rng)
        p1 = analysis.share(holds, per_coding["p1_flip_probability"].to_numpy())
    codings.reset_index().to_parquet(directory / "codings.parquet", index=False)
    per_coding.to_csv(directory / "per_coding.csv")
    return CodingComparison(plan, verdicts, p1, per_coding, codings, time.perf_counter() - started)
