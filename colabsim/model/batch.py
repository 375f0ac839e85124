"""Batched ensemble engine: many runs of one scenario advanced together.

The runs of a batch share the scenario's structure and differ in their factor values and seeds.
Every state array carries a leading run axis and `colabsim.model.engine.advance` applies the same rule
functions as the single-run Mesa model, so the rules exist once. Each run draws its random
numbers from its own generator, seeded by its own seed, in the same order and amounts as the Mesa
model does: a run's numbers depend only on its seed and factor values, never on the batch it ran
in (tests/test_batch.py checks that a run alone and inside a batch agree exactly).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from colabsim.model.engine import Calendar, State, advance, initial_state, uniforms_per_step
from colabsim.model.metrics import observe, summarise_series
from colabsim.model.rules.common import FloatArray
from colabsim.model.structure import Structure, build_structure
from colabsim.model.timeline import Timeline, apply_event
from colabsim.scenario.loader import Scenario

__all__ = ["BatchResult", "RunStreams", "run_batch"]


class RunStreams:
    """Uniform draws with a leading run axis, one numpy Generator per run.

    Each month the engine asks for a block of draws per run (`begin`), one generator call per run,
    and the rules take consecutive slices of it through `random`. A generator's doubles come out
    the same whether drawn in one call or several, so run r sees exactly the numbers the Mesa
    model seeded with ``seeds[r]`` sees.
    """

    def __init__(self, seeds: Sequence[int]) -> None:
        """Create one generator per seed."""
        self._generators = [np.random.default_rng(seed) for seed in seeds]
        self._block: FloatArray = np.empty((len(seeds), 0))
        self._offset = 0

    def begin(self, count: int) -> None:
        """Draw the next `count` uniforms of every run."""
        # A fresh block each time: draws handed out earlier (e.g. inclusion draws kept in the state) stay valid.
        self._block = np.empty((len(self._generators), count))
        for row, generator in zip(self._block, self._generators, strict=True):
            generator.random(out=row)
        self._offset = 0

    def random(self, size: tuple[int, ...]) -> FloatArray:
        """Serve draws of shape `size` (the first axis is the run axis) from the current block."""
        if size[0] != len(self._generators):
            raise ValueError(f"asked for draws of shape {size} from a batch of {len(self._generators)} runs")
        count = int(np.prod(size[1:]))
        if self._offset + count > self._block.shape[1]:
            raise RuntimeError("the rules drew more uniforms than uniforms_per_step() announced")
        out = self._block[:, self._offset : self._offset + count].reshape(size)
        self._offset += count
        return out

    def end(self) -> None:
        """Check that the block was used up exactly (the draw plan matches the rules)."""
        if self._offset != self._block.shape[1]:
            raise RuntimeError(
                f"the rules drew {self._offset} uniforms per run, uniforms_per_step() announced {self._block.shape[1]}"
            )

    def __len__(self) -> int:
        """Number of runs."""
        return len(self._generators)


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

    Returns:
        The batch's outputs; run r equals ``colabsim.simulate(scenario.with_factors(**factor_sets[r]),
        seeds[r])``.

    Raises:
        ScenarioError: If a factor name or value is invalid.
        ValueError: If `factor_sets` and `seeds` differ in length or `seeds` is empty.
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
    streams = RunStreams([int(seed) for seed in seeds])
    months = scenario.horizon_months
    draws = uniforms_per_step(structure)
    current: dict[str, np.ndarray] = dict(levels)
    streams.begin(structure.n_members)
    state = initial_state(structure, current, Calendar.at(scenario.start, 0), streams, batch=runs)
    streams.end()
    params = scenario.parameters
    series: dict[str, np.ndarray] = {}
    programme_values = np.empty((months, runs, structure.n_programmes)) if keep_series else None
    for month in range(months):
        calendar = Calendar.at(scenario.start, month)
        for event in timeline.at(month):
            state, current = apply_event(event, structure, state, current, calendar, held)
        streams.begin(draws)
        state = advance(structure, state, current, params, calendar, streams)
        streams.end()
        for name, value in observe(structure, state, full=keep_series).items():
            series.setdefault(name, np.empty((months, runs)))[month] = value
        if programme_values is not None:
            programme_values[month] = state.performance
    by_run = {name: np.ascontiguousarray(values.T) for name, values in series.items()}
    summary = summarise_series(by_run)
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
