"""Batched ensemble engine: many runs of one scenario advanced together.

The runs of a batch share the scenario's structure and differ in their factor values and seeds.
Every state array carries a leading run axis and `colabsim.model.engine.advance` applies the same rule
functions as the single-run Mesa model, so the rules exist once. Each run draws its random
numbers from its own streams, one per noise source, seeded from its own seed exactly as the Mesa
model's (`colabsim.model.streams`): a run's numbers depend only on its seed and factor values, never
on the batch it ran in (tests/test_batch.py checks that a run alone and inside a batch agree exactly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from colabsim.model.engine import Calendar, State, advance, initial_state
from colabsim.model.metrics import observe, summarise_series
from colabsim.model.streams import RunSeed, batch_streams
from colabsim.model.structure import Structure, build_structure
from colabsim.model.timeline import Timeline, apply_event
from colabsim.scenario.loader import Scenario

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


def run_batch(
    scenario: Scenario,
    seeds: Sequence[int],
    factor_sets: Sequence[Mapping[str, float]] | None = None,
    keep_series: bool = True,
    start_values: Sequence[Mapping[str, float]] | None = None,
    source_seeds: Sequence[Mapping[str, RunSeed]] | None = None,
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

    Returns:
        The batch's outputs; run r equals ``colabsim.simulate(scenario.with_factors(**factor_sets[r]),
        seeds[r], source_seeds=source_seeds[r])``.

    Raises:
        ScenarioError: If a factor name or value is invalid.
        ValueError: If `factor_sets`, `start_values` or `source_seeds` differ in length from `seeds`,
            `seeds` is empty, or a seed or noise source is invalid.
    """
    runs = len(seeds)
    if runs == 0:
        raise ValueError("a batch needs at least one seed")
    sets: Sequence[Mapping[str, float]] = factor_sets if factor_sets is not None else [{}] * runs
    if len(sets) != runs:
        raise ValueError(f"{len(sets)} factor sets for {runs} seeds")
    if start_values is not None and len(start_values) != runs:
        raise ValueError(f"{len(start_values)} sets of start values for {runs} seeds")
    levels, held, per_run = _levels(scenario, sets, start_values)
    structure = build_structure(scenario.spec)
    timeline = Timeline(scenario)
    streams = batch_streams(seeds, source_seeds)
    months = scenario.horizon_months
    current: dict[str, np.ndarray] = dict(levels)
    state = initial_state(structure, current, Calendar.at(scenario.start, 0), batch=runs)
    params = scenario.parameters
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
    summary = summarise_series(by_run, scenario.window)
    return BatchResult(
        seeds=tuple(int(seed) for seed in seeds),
        factors=tuple(per_run),
        summary=summary,
        series=by_run if keep_series else {},
        programmes=None if programme_values is None else np.ascontiguousarray(programme_values.transpose(1, 0, 2)),
        final=state,
        final_levels=current,
        structure=structure,
    )
