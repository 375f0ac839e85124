"""Batched ensemble engine: many runs of one scenario.

The runs of a batch share the scenario's structure and differ in their factor values, rule
parameters and seeds. With numba, a batch runs in the compiled whole-run kernel
(`colabsim.model.kernel`), one run after another to its horizon; without it (or with
``COLABSIM_KERNEL=off``) in the numpy engine, every state array carrying a leading run axis and
`colabsim.model.engine.advance` applying the rule functions to all runs at once. Each run draws its
random numbers from its own streams, one per noise source, seeded from its own seed exactly as the
Mesa model's (`colabsim.model.streams`): a run's numbers depend only on its seed, factor values and
parameters, never on the batch it ran in (tests/test_batch.py checks that a run alone and inside a
batch agree exactly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from colabsim.model import kernel
from colabsim.model.engine import Calendar, State, advance, initial_state
from colabsim.model.metrics import observe, summarise_series
from colabsim.model.streams import RunSeed, batch_streams
from colabsim.model.structure import Structure, build_structure
from colabsim.model.timeline import Timeline, apply_event
from colabsim.scenario.loader import Scenario
from colabsim.scenario.parameters import Parameters

__all__ = ["BatchResult", "run_batch"]


@dataclass(frozen=True)
class BatchResult:
    """The outputs of a batch of runs.

    Attributes:
        seeds: The runs' seeds, in order.
        factors: The factor values each run used at the start, one mapping per run.
        summary: Per-run summary metrics, each an array of shape ``(runs,)``.
        series: Monthly metrics, each an array of shape ``(runs, months)``; empty if not kept.
        programmes: Monthly performance by programme, shape ``(runs, months, programmes)``, or None.
        final: The batched state at the end.
        final_levels: The factor levels in force at the end (events may change them), each an
            array of shape ``(runs, 1)``.
        structure: The runs' shared structure.
    """

    seeds: tuple[int, ...]
    factors: tuple[dict[str, float], ...]
    summary: dict[str, np.ndarray]
    series: dict[str, np.ndarray]
    programmes: np.ndarray | None
    final: State
    final_levels: dict[str, np.ndarray]
    structure: Structure

    def run_state(self, run: int) -> State:
        """The final state of one run, without the run axis."""
        return State(**{name: getattr(self.final, name)[run] for name in State.__dataclass_fields__})

    def run_levels(self, run: int) -> dict[str, float]:
        """The factor levels in force at the end of one run."""
        return {
            name: float(np.broadcast_to(value, (len(self.seeds), 1))[run, 0])
            for name, value in self.final_levels.items()
        }


def _levels(
    scenario: Scenario,
    factor_sets: Sequence[Mapping[str, float]],
    start_values: Sequence[Mapping[str, float]] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[dict[str, float]]]:
    base = scenario.factors
    per_run = []
    for k, values in enumerate(factor_sets):
        checked = scenario.with_factors(**values) if values else scenario
        factors = checked.factors
        if start_values is not None and start_values[k]:
            scenario.with_factors(**start_values[k])  # the same checks of names and bounds
            # A start value is what the file would say: held factors and overrides still win.
            factors.update({n: float(v) for n, v in start_values[k].items() if n not in checked.overrides})
        per_run.append(factors)
    levels = {name: np.array([[run[name]] for run in per_run]) for name in base}
    held_names = set(scenario.overrides).union(*(set(v) for v in factor_sets))
    held = {
        name: np.array([[name in scenario.overrides or name in values] for values in factor_sets])
        for name in held_names
    }
    return levels, held, per_run


def _run_numpy(
    scenario: Scenario,
    structure: Structure,
    levels: dict[str, np.ndarray],
    held: dict[str, np.ndarray],
    params: Parameters,
    streams_of: tuple[Sequence[RunSeed], Sequence[Mapping[str, RunSeed]] | None],
    keep_series: bool,
) -> tuple[State, dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray | None]:
    """The numpy engine: every run of the batch advanced together, month by month."""
    seeds, source_seeds = streams_of
    runs = len(seeds)
    timeline = Timeline(scenario)
    streams = batch_streams(seeds, source_seeds)
    months = scenario.horizon_months
    current: dict[str, np.ndarray] = dict(levels)
    state = initial_state(structure, current, Calendar.at(scenario.start, 0), batch=runs)
    series: dict[str, np.ndarray] = {}
    programme_values = np.empty((months, runs, structure.n_programmes)) if keep_series else None
    for month in range(months):
        calendar = Calendar.at(scenario.start, month)
        for event in timeline.at(month):
            state, current = apply_event(event, structure, state, current, calendar, held)
        state = advance(structure, state, current, params, calendar, streams)
        for name, value in observe(structure, state, full=keep_series).items():
            series.setdefault(name, np.empty((months, runs)))[month] = value
        if programme_values is not None:
            programme_values[month] = state.performance
    by_run = {name: np.ascontiguousarray(values.T) for name, values in series.items()}
    programmes = None if programme_values is None else np.ascontiguousarray(programme_values.transpose(1, 0, 2))
    return state, current, summarise_series(by_run, scenario.window), by_run if keep_series else {}, programmes


def _take(value: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return np.asarray(value)[rows]


def _run_numpy_grouped(
    scenario: Scenario,
    structure: Structure,
    levels: dict[str, np.ndarray],
    held: dict[str, np.ndarray],
    parameters: Sequence[Parameters],
    streams_of: tuple[Sequence[RunSeed], Sequence[Mapping[str, RunSeed]] | None],
    keep_series: bool,
) -> tuple[State, dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray | None]:
    """The numpy engine with parameters per run: one batch per distinct parameter set, reassembled."""
    seeds, source_seeds = streams_of
    groups: dict[Parameters, list[int]] = {}
    for run, params in enumerate(parameters):
        groups.setdefault(params, []).append(run)
    parts = []
    for params, members in groups.items():
        rows = np.array(members)
        part_seeds = [seeds[r] for r in members]
        part_sources = None if source_seeds is None else [source_seeds[r] for r in members]
        part = _run_numpy(
            scenario,
            structure,
            {name: _take(value, rows) for name, value in levels.items()},
            {name: _take(value, rows) for name, value in held.items()},
            params,
            (part_seeds, part_sources),
            keep_series,
        )
        parts.append((rows, part))
    order = np.argsort(np.concatenate([rows for rows, _ in parts]), kind="stable")

    def joined(pieces: list[np.ndarray]) -> np.ndarray:
        return np.concatenate([np.asarray(piece) for piece in pieces])[order]

    states = [part[0] for _, part in parts]
    state = State(**{name: joined([getattr(s, name) for s in states]) for name in State.__dataclass_fields__})
    final_levels = {name: joined([part[1][name] for _, part in parts]) for name in parts[0][1][1]}
    summary = {name: joined([part[2][name] for _, part in parts]) for name in parts[0][1][2]}
    series = {name: joined([part[3][name] for _, part in parts]) for name in parts[0][1][3]}
    programmes = joined([part[4] for _, part in parts]) if keep_series else None  # type: ignore[misc]
    return state, final_levels, summary, series, programmes


def run_batch(
    scenario: Scenario,
    seeds: Sequence[int],
    factor_sets: Sequence[Mapping[str, float]] | None = None,
    keep_series: bool = True,
    start_values: Sequence[Mapping[str, float]] | None = None,
    source_seeds: Sequence[Mapping[str, RunSeed]] | None = None,
    parameters: Sequence[Parameters] | None = None,
) -> BatchResult:
    """Run len(seeds) runs of `scenario` together.

    Args:
        scenario: The scenario; its overrides apply to every run.
        seeds: One seed per run.
        factor_sets: Per run, factor values to set on top of the scenario's (held for the whole
            run, like `Scenario.with_factors`); None for the scenario's own values.
        keep_series: Keep the monthly metrics and programme performance (memory: runs x months).
        start_values: Per run, factor values that replace the scenario file's own, as another
            coding of the same evidence would: the timeline's events still change them, unlike
            `factor_sets`. None for the file's values.
        source_seeds: Per run, seeds for some noise sources (names of
            `colabsim.model.streams.NOISE_SOURCES`) that replace the run's seed for those sources
            only: ``{"contacts": t}`` draws the contacts of the run seeded ``t`` and every other
            source of ``seeds[r]``. Holding a run's seed and varying one source's seed across runs
            isolates that source's share of the variance. None for none.
        parameters: Per run, the rule parameters (e.g. ``scenario.with_parameters(...).parameters``
            for a calibration or a robustness check of the model's own assumptions); None for the
            scenario's.

    Returns:
        The batch's outputs; run r equals ``colabsim.simulate(scenario.with_factors(**factor_sets[r]),
        seeds[r], source_seeds=source_seeds[r])``.

    Raises:
        ScenarioError: If a factor name or value is invalid.
        ValueError: If `factor_sets`, `start_values`, `source_seeds` or `parameters` differ in
            length from `seeds`, `seeds` is empty, or a seed or noise source is invalid.
        TypeError: If an entry of `parameters` is not a `Parameters`.
    """
    runs = len(seeds)
    if runs == 0:
        raise ValueError("a batch needs at least one seed")
    sets: Sequence[Mapping[str, float]] = factor_sets if factor_sets is not None else [{}] * runs
    if len(sets) != runs:
        raise ValueError(f"{len(sets)} factor sets for {runs} seeds")
    if start_values is not None and len(start_values) != runs:
        raise ValueError(f"{len(start_values)} sets of start values for {runs} seeds")
    if source_seeds is not None and len(source_seeds) != runs:
        raise ValueError(f"{len(source_seeds)} sets of noise-source seeds for {runs} seeds")
    if parameters is not None:
        if len(parameters) != runs:
            raise ValueError(f"{len(parameters)} parameter sets for {runs} seeds")
        wrong = [type(p).__name__ for p in parameters if not isinstance(p, Parameters)]
        if wrong:
            raise TypeError(f"parameters must be colabsim Parameters objects, got {wrong[0]}")
    levels, held, per_run = _levels(scenario, sets, start_values)
    structure = build_structure(scenario.spec)
    streams_of = (seeds, source_seeds)
    if kernel.available():
        from colabsim.model.kernel.bridge import run_kernel_batch

        ran = run_kernel_batch(
            scenario, structure, levels, held, parameters or scenario.parameters, seeds, source_seeds, keep_series
        )
        outputs = (ran.final, ran.final_levels, ran.summary, ran.series, ran.programmes)
    elif parameters is None or len(set(parameters)) == 1:
        params = scenario.parameters if parameters is None else parameters[0]
        outputs = _run_numpy(scenario, structure, levels, held, params, streams_of, keep_series)
    else:
        outputs = _run_numpy_grouped(scenario, structure, levels, held, parameters, streams_of, keep_series)
    state, final_levels, summary, series, programmes = outputs
    return BatchResult(
        seeds=tuple(int(seed) for seed in seeds),
        factors=tuple(per_run),
        summary=summary,
        series=series,
        programmes=programmes,
        final=state,
        final_levels=final_levels,
        structure=structure,
    )
