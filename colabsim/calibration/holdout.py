"""What the calibration held out, per posterior draw: P4-P8, Table 1.1's scenarios, health and tourism, the coding swap.

The posterior draws and the documented parameters run every configuration these checks need on
the same ``replications`` seeds (common random numbers across draws and configurations), each
configuration as a few `colabsim.model.batch.run_batch` calls with per-run parameters, in the
executor's workers (`run_held_out`). From those runs:

- `pattern_table`: P4-P8 judged as docs/validation.md judges them (`colabsim.validation.measure`
  on each draw's runs, their CIs against the bands of `colabsim.validation.patterns`).
- `scenario_table`: each Table 1.1 scenario besides Vlissingen and Darwin, one by one
  (`SCENARIO_STATEMENTS`): its level while it runs, where that level falls against Vlissingen's
  and Darwin's, and the share of draws meeting what the study's wording supports for it, if the
  wording supports anything (UNIDO: nothing; the study does not evaluate it).
- `health_tourism_table`: conclusion 1, Vlissingen raises performance "above all in health"
  (*terutama di bidang kesehatan*) while Darwin (tourism, vocational education) brings little.
- `coding_swap_table`: how much of P1's gap (Vlissingen minus Darwin) the structure carries when
  each study scenario's structure runs with the other's coding (`colabsim.validation.coding`),
  split between the structure and the coding as a whole.

Every share over draws comes with a Wilson 95% interval, every figure with the documented
parameters' value on the same seeds beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colabsim.calibration.checks import wilson
from colabsim.calibration.simulator import CHUNK
from colabsim.experiments.progress import ProgressCallback, ProgressEvent
from colabsim.model.batch import BatchResult, run_batch
from colabsim.scenario.loader import Scenario
from colabsim.scenario.parameters import Parameters
from colabsim.stats import Estimate, mean_ci, welch_difference
from colabsim.validation.measure import PatternRuns, estimates_from, pattern_arms
from colabsim.validation.patterns import PATTERNS, Band, criterion, judge
from colabsim.validation.runs import Extract
from colabsim.validation.study import Study
from colabsim.validation.windows import STUDY_WINDOW, window_mean

__all__ = [
    "HELD_OUT_PATTERNS",
    "SCENARIO_STATEMENTS",
    "HeldOutChecks",
    "HeldOutRuns",
    "ScenarioStatement",
    "coding_swap_table",
    "health_tourism_table",
    "held_out_checks",
    "pattern_table",
    "run_held_out",
    "scenario_table",
]

#: The patterns never calibrated on (validation's held-out set).
HELD_OUT_PATTERNS: tuple[str, ...] = ("P4", "P5", "P6", "P7", "P8")
#: The patterns whose configurations the checks run (P1's gives Vlissingen and Darwin over the study window).
_MEASURED: tuple[str, ...] = ("P1", *HELD_OUT_PATTERNS)
#: The coding swap's configurations: each study scenario's structure with the other's coding.
WEAK_STRUCTURE, STRONG_STRUCTURE = "darwin structure, vlissingen coding", "vlissingen structure, darwin coding"
#: "Better" in the study's comparisons: the difference's 95% CI above 0 (as P1's "Vlissingen above Darwin").
ABOVE = Band(low=0.0, open=True)


@dataclass(frozen=True)
class ScenarioStatement:
    """What the study's wording supports for one Table 1.1 scenario.

    Attributes:
        scenario: The file stem.
        level: The per-run value its level is read from (``funded``: the donor's window, as P4
            measures it; ``study``: the study window clipped to the scenario's years).
        window: The level's months, in words.
        criteria: Criterion keys of `colabsim.validation.patterns` the wording supports for this
            scenario (empty: it supports none, and no band is made up for it).
        evidence: The study's words behind the criteria, or why there are none.
    """

    scenario: str
    level: str
    window: str
    criteria: tuple[str, ...]
    evidence: str


SCENARIO_STATEMENTS: tuple[ScenarioStatement, ...] = (
    ScenarioStatement(
        "apik",
        "funded",
        "2016-2020 (funded)",
        ("p4_apik_funded", "p4_apik_drop", "p4_apik_drop_ci"),
        "form 2 (chapter I): a donor programme is specific and time-limited (2-5 years): it performs while "
        "funded and drops after (P4's APIK criteria)",
    ),
    ScenarioStatement(
        "saiig",
        "funded",
        "2015-2016 (funded)",
        ("p4_saiig_funded", "p4_saiig_drop", "p4_saiig_drop_ci"),
        "form 2: as APIK, for AusAID's grant (P4's SAIIG criteria)",
    ),
    ScenarioStatement(
        "apik_ccbo",
        "funded",
        "2022-2025 (CCBO funded)",
        ("p4_follow_on", "p4_follow_on_level", "p4_follow_on_drop"),
        "form 2: a programme 'can be continued with another programme' (APIK, then CCBO): the follow-on "
        "keeps the level and then drops in its turn (P4's follow-on criteria)",
    ),
    ScenarioStatement(
        "unido",
        "study",
        "2019-2022",
        (),
        "none: the study does not evaluate UNIDO (Table 1.1 row 5 only; docs/coding.md), so no statement is checked",
    ),
    ScenarioStatement(
        "ambon_music",
        "study",
        "2019-2022",
        ("p6_reputation", "p6_sooner"),
        "form 1: sister cities' success led Havana and Metz to offer ties: the music city, less reputed than "
        "the strong city, draws them later (P6's music-city criteria)",
    ),
)


@dataclass(frozen=True)
class _Job:
    """One configuration: a pattern arm of `colabsim.validation.measure` by name, or a scenario of its own."""

    name: str
    scenario: Scenario | None = None
    start_values: Mapping[str, float] | None = None


def _study_window(scenario: Scenario, batch: BatchResult) -> dict[str, np.ndarray]:
    """Per run: mean performance, and each sector's (``sector:NAME``), over the study window."""
    kept = {"study": window_mean(scenario, batch.series["performance"], STUDY_WINDOW)}
    for name, series in batch.series.items():
        if name.startswith("performance_"):
            kept[f"sector:{name.removeprefix('performance_')}"] = window_mean(scenario, series, STUDY_WINDOW)
    return kept


def _run_job(
    study: Study, job: _Job, seeds: tuple[int, ...], parameters: Sequence[Parameters]
) -> dict[str, np.ndarray]:
    """Every parameter set on every seed (parameter-major) of one configuration, in one batch: per-run values."""
    scenario, factors = job.scenario, {}
    extracts: list[Extract] = [_study_window]
    if scenario is None:  # the validation's own configuration and extract (built here: closures do not pickle)
        names, arms, pattern_extracts = pattern_arms(study, seeds, STUDY_WINDOW, _MEASURED)
        arm = arms[names.index(job.name)]
        scenario, factors = arm.scenario, dict(arm.factors)
        extracts.append(pattern_extracts[names.index(job.name)])
    runs = len(parameters) * len(seeds)
    batch = run_batch(
        scenario,
        list(seeds) * len(parameters),
        [factors] * runs,
        start_values=[dict(job.start_values)] * runs if job.start_values else None,
        parameters=[p for p in parameters for _ in seeds],
    )
    kept: dict[str, np.ndarray] = {}
    for extract in extracts:
        kept |= extract(scenario, batch)
    return kept


@dataclass(frozen=True)
class HeldOutRuns:
    """Per-run values of every configuration, parameter set and seed.

    Attributes:
        values: By configuration (``vlissingen``, ``apik``, ``unido``, `WEAK_STRUCTURE`, ...) and value
            (``eval``, ``funded``, ``study``, ``sector:health``, ...): arrays of shape ``(sets, seeds)``.
            Set 0 is the documented parameters, sets 1 to the end the posterior draws.
    """

    values: Mapping[str, Mapping[str, np.ndarray]]

    @property
    def sets(self) -> int:
        """Parameter sets (the documented one and the draws)."""
        return len(next(iter(next(iter(self.values.values())).values())))

    def patterns(self, index: int) -> PatternRuns:
        """Parameter set `index`'s runs, as `colabsim.validation.measure.estimates_from` reads them."""
        return PatternRuns({arm: {k: v[index] for k, v in kept.items()} for arm, kept in self.values.items()})

    def level(self, configuration: str, value: str) -> np.ndarray:
        """Per parameter set, the mean over seeds of a per-run value (runs without a value left out)."""
        array = self.values[configuration][value]
        counted = np.isfinite(array)
        total = np.where(counted, array, 0.0).sum(axis=1)
        return np.where(counted.any(axis=1), total / np.maximum(counted.sum(axis=1), 1), np.nan)


def _jobs(study: Study, seeds: tuple[int, ...]) -> list[_Job]:
    names, _, _ = pattern_arms(study, seeds, STUDY_WINDOW, _MEASURED)
    strong, weak = study["vlissingen"], study["darwin"]
    return [
        *(_Job(name) for name in names),
        _Job("unido", study["unido"]),
        _Job(WEAK_STRUCTURE, weak, dict(strong.factors)),
        _Job(STRONG_STRUCTURE, strong, dict(weak.factors)),
    ]


def run_held_out(
    study: Study,
    parameters: Sequence[Parameters],
    seeds: Sequence[int],
    executor: Executor,
    progress: ProgressCallback | None = None,
) -> HeldOutRuns:
    """Run every configuration of the checks for each parameter set on the same seeds.

    Args:
        study: The study's scenarios.
        parameters: The parameter sets, the documented one first.
        seeds: Common seeds of every configuration and set.
        executor: Where the batches run (one task per configuration and chunk of sets).
        progress: Receives the runs done as phase ``held-out checks``.
    """
    chosen = tuple(int(s) for s in seeds)
    per_chunk = max(1, CHUNK // len(chosen))
    jobs = _jobs(study, chosen)
    starts = range(0, len(parameters), per_chunk)
    futures = {
        (job.name, start): executor.submit(_run_job, study, job, chosen, parameters[start : start + per_chunk])
        for job in jobs
        for start in starts
    }
    total, done = len(jobs) * len(parameters) * len(chosen), 0
    if progress:
        progress(ProgressEvent("held-out checks", 0, total))
    parts: dict[str, list[dict[str, np.ndarray]]] = {job.name: [] for job in jobs}
    for (name, start), future in futures.items():
        parts[name].append(future.result())
        done += len(parameters[start : start + per_chunk]) * len(chosen)
        if progress:
            progress(ProgressEvent("held-out checks", done, total, finished=done == total))
    shape = (len(parameters), len(chosen))
    joined = {name: {k: np.concatenate([c[k] for c in chunks]).reshape(shape) for k in chunks[0]}
              for name, chunks in parts.items()}  # fmt: skip
    return HeldOutRuns(joined)


def _share(holds: np.ndarray) -> dict[str, float]:
    """The share of draws for which something holds, and its Wilson interval."""
    passed, draws = int(np.sum(holds)), len(holds)
    low, high = wilson(passed, draws)
    return {"share_holds": passed / draws if draws else float("nan"), "ci_low": low, "ci_high": high}


def _spread(values: np.ndarray) -> dict[str, float]:
    finite = values[np.isfinite(values)]
    q = np.quantile(finite, (0.05, 0.5, 0.95)) if finite.size else [np.nan] * 3
    return {"q05": float(q[0]), "median": float(q[1]), "q95": float(q[2])}


def pattern_table(runs: HeldOutRuns) -> pd.DataFrame:
    """Per held-out pattern: whether it holds under the documented parameters, and the share of draws it holds for."""
    judged = [
        {r.pattern.id: r.passed for r in judge(estimates_from(runs.patterns(k), HELD_OUT_PATTERNS))}
        for k in range(runs.sets)
    ]
    names = {p.id: p.name for p in PATTERNS}
    rows = []
    for pattern, name in [*((p, names[p]) for p in HELD_OUT_PATTERNS), ("P4-P8", "every held-out pattern")]:
        holds = np.array([all(row.values()) if pattern == "P4-P8" else row[pattern] for row in judged])
        rows.append({"pattern": pattern, "name": name, "draws": runs.sets - 1, "documented": bool(holds[0]),
                     **_share(holds[1:])})  # fmt: skip
    return pd.DataFrame(rows)


def scenario_table(runs: HeldOutRuns) -> pd.DataFrame:
    """Per other Table 1.1 scenario (`SCENARIO_STATEMENTS`): level, place against Vlissingen and Darwin, statement.

    ``between``: its level lies above Darwin's and below Vlissingen's (both over the study window).
    The study grades only those two (*amat optimal*, *kurang optimal*); chapter I's "fairly
    significant and optimal" is about every collaboration, Darwin's too, so this is reported, not judged.
    """
    estimates = [estimates_from(runs.patterns(k), ("P4", "P6")) for k in range(runs.sets)]
    strong, weak = runs.level("vlissingen", "eval"), runs.level("darwin", "eval")
    rows = []
    for item in SCENARIO_STATEMENTS:
        level = runs.level(item.scenario, item.level)
        between = (level > weak) & (level < strong)
        row: dict[str, object] = {
            "scenario": item.scenario,
            "window": item.window,
            "draws": runs.sets - 1,
            "level_documented": float(level[0]),
            **{f"level_{k}": v for k, v in _spread(level[1:]).items()},
            "between_documented": bool(between[0]),
            "share_between": float(np.mean(between[1:])),
            "statement": item.evidence,
        }
        if item.criteria:
            holds = np.array([[criterion(key).band.holds(e[key]) for key in item.criteria] for e in estimates])
            weakest = int(np.argmin(holds[1:].sum(axis=0)))
            row |= {"documented": bool(holds[0].all()), **_share(holds[1:].all(axis=1))}
            row["weakest"] = f"{item.criteria[weakest]} ({holds[1:, weakest].mean():.0%})"
        else:
            row |= {"documented": None, "share_holds": np.nan, "ci_low": np.nan, "ci_high": np.nan, "weakest": ""}
        rows.append(row)
    return pd.DataFrame(rows)


def _sector(runs: HeldOutRuns, configuration: str, sector: str) -> np.ndarray:
    key = f"sector:{sector}"
    if key not in runs.values[configuration]:
        raise ValueError(f"{configuration}.toml has no programme in sector {sector!r}; the health against tourism "
                         "check needs Vlissingen's health and Darwin's tourism programmes")  # fmt: skip
    return runs.values[configuration][key]


def _paired(first: np.ndarray, second: np.ndarray) -> Callable[[int], Estimate]:
    """Parameter set k's paired difference of two per-run values (runs missing either left out by `mean_ci`)."""
    return lambda k: mean_ci(first[k] - second[k])


def health_tourism_table(runs: HeldOutRuns) -> pd.DataFrame:
    """Conclusion 1 per draw: Vlissingen's health above Darwin's tourism, and above Vlissingen's other sectors.

    Both over the study window (2017-2022), each judged as "CI above 0" (`ABOVE`): Welch across the
    two cities, paired within Vlissingen (runs in which a sector has no live programme left out).
    """
    health, tourism = _sector(runs, "vlissingen", "health"), _sector(runs, "darwin", "tourism")
    others = sorted(k.removeprefix("sector:") for k in runs.values["vlissingen"] if k.startswith("sector:"))
    readings: list[tuple[str, str, Callable[[int], Estimate]]] = [
        ("health above tourism", "Vlissingen's health minus Darwin's tourism (Welch)",
         lambda k: welch_difference(health[k], tourism[k])),
    ]  # fmt: skip
    for other in (o for o in others if o != "health"):
        readings.append((f"health above {other}", f"Vlissingen's health minus its {other} (paired)",
                         _paired(health, runs.values["vlissingen"][f"sector:{other}"])))  # fmt: skip
    rows, every = [], np.ones(runs.sets, dtype=bool)
    for name, statistic, measure in readings:
        found = [measure(k) for k in range(runs.sets)]
        holds = np.array([ABOVE.holds(e) for e in found])
        every &= holds
        values = np.array([e.value for e in found])
        rows.append({"reading": name, "statistic": statistic, "band": ABOVE.text(), "draws": runs.sets - 1,
                     "value_documented": values[0], **_spread(values[1:]), "documented": bool(holds[0]),
                     **_share(holds[1:])})  # fmt: skip
    rows.append({"reading": "every reading", "statistic": "all of the above", "band": "", "draws": runs.sets - 1,
                 "value_documented": np.nan, **_spread(np.array([])), "documented": bool(every[0]),
                 **_share(every[1:])})  # fmt: skip
    return pd.DataFrame(rows)


def coding_swap_table(runs: HeldOutRuns) -> pd.DataFrame:
    """Per draw, P1's gap and the share of it the structure carries (the rest is the coding's).

    With two players, the structure and the coding as a whole, the structure's Shapley value is
    the mean of what it adds under Darwin's coding (``alone``: Vlissingen's structure with Darwin's
    coding, minus Darwin) and under Vlissingen's (``last``: Vlissingen minus Darwin's structure with
    Vlissingen's coding); docs/validation.md splits the coding further, by dimension, so its
    structure share averages over more coalitions and need not equal this one.
    """
    strong, weak = runs.level("vlissingen", "eval"), runs.level("darwin", "eval")
    gap = strong - weak
    with np.errstate(divide="ignore", invalid="ignore"):
        alone = np.where(gap > 0, (runs.level(STRONG_STRUCTURE, "study") - weak) / gap, np.nan)
        last = np.where(gap > 0, (strong - runs.level(WEAK_STRUCTURE, "study")) / gap, np.nan)
    quantities = (
        ("gap", "Vlissingen minus Darwin, 2017-2022", gap),
        ("structure share", "the structure's Shapley value (against the coding) over the gap", (alone + last) / 2),
        ("structure alone", "Vlissingen's structure with Darwin's coding, minus Darwin, over the gap", alone),
        ("structure last", "Vlissingen minus Darwin's structure with Vlissingen's coding, over the gap", last),
    )  # fmt: skip
    return pd.DataFrame(
        [
            {"quantity": name, "what": what, "draws": runs.sets - 1, "documented": float(values[0]),
             **_spread(values[1:])}
            for name, what, values in quantities
        ]
    )  # fmt: skip


@dataclass(frozen=True)
class HeldOutChecks:
    """The held-out part of the posterior predictive check.

    Attributes:
        patterns: `pattern_table`.
        scenarios: `scenario_table`.
        health_tourism: `health_tourism_table`.
        coding_swap: `coding_swap_table`.
        runs: Engine runs they took.
    """

    patterns: pd.DataFrame
    scenarios: pd.DataFrame
    health_tourism: pd.DataFrame
    coding_swap: pd.DataFrame
    runs: int


def held_out_checks(
    study: Study,
    documented: Parameters,
    draws: Sequence[Parameters],
    seeds: Sequence[int],
    executor: Executor,
    progress: ProgressCallback | None = None,
) -> HeldOutChecks:
    """Every held-out check for the posterior `draws` and, beside them, the `documented` parameters.

    Args:
        study: The study's scenarios.
        documented: The documented parameters.
        draws: The posterior draws, as parameter sets.
        seeds: Common seeds of every configuration and parameter set.
        executor: Where the batches run.
        progress: Receives the runs done.
    """
    runs = run_held_out(study, [documented, *draws], seeds, executor, progress)
    count = len(runs.values) * runs.sets * len(seeds)
    return HeldOutChecks(
        pattern_table(runs), scenario_table(runs), health_tourism_table(runs), coding_swap_table(runs), count
    )
