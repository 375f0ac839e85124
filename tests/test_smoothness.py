"""No cliffs (issue 14, item 7): performance moves smoothly with every factor.

On the common-random-numbers mean of 32 seeds, mean programme performance over the evaluation
window must change by at most 0.02 between neighbouring factor values 0.01 apart (a slope of 2
per unit, thirty times the average slope the OFAT bands ask for), for every factor of the registry
in Vlissingen and in Darwin.

Sweeping all 19 factors at 0.01 steps (101 values) in both scenarios is about 120,000 runs, too
many for the test command; the sweep here is adaptive and loses nothing a cliff could hide in: each
factor on a 0.05 grid, then at 0.01 steps inside every 0.05 interval whose change exceeds the bound
(a jump of more than 0.02 within 0.01 shows in its 0.05 interval unless a fall cancels it there),
inside the steepest interval in any case, and inside the first and last (where saturation and the
CES production are steepest). Runs stop at the window's last month: what comes after it does not
enter the mean. `docs/validation.md` reports the full 0.01 sweep.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import colabsim
from colabsim.model.batch import run_batch
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SEEDS = [20221201 + k for k in range(32)]
BOUND = 0.02
COARSE = np.round(np.linspace(0.0, 1.0, 21), 10)


def _to_window_end(name: str) -> Scenario:
    """The shipped scenario run only to the end of its evaluation window."""
    return colabsim.load_scenario(SCENARIOS / f"{name}.toml").through_window()


def _means(scenario: Scenario, factor: str, values: np.ndarray) -> np.ndarray:
    """Mean performance over SEEDS at each value of `factor` (held for the whole run)."""
    sets = [{factor: float(v)} for v in values for _ in SEEDS]
    runs = run_batch(scenario, SEEDS * len(values), sets, keep_series=False)
    return runs.summary["performance"].reshape(len(values), len(SEEDS)).mean(axis=1)


def _fine_intervals(coarse: np.ndarray) -> list[int]:
    """Indices of the 0.05 intervals to sweep at 0.01 (see the module docstring)."""
    steps = np.abs(np.diff(coarse))
    chosen = {0, len(steps) - 1, int(np.argmax(steps))} | {int(k) for k in np.flatnonzero(steps > BOUND)}
    return sorted(chosen)


def _largest_step(scenario: Scenario, factor: str) -> tuple[float, float]:
    """The largest change between neighbouring values 0.01 apart that the adaptive sweep finds, and where."""
    coarse = _means(scenario, factor, COARSE)
    worst, where = 0.0, 0.0
    for k in _fine_intervals(coarse):
        grid = np.round(np.linspace(COARSE[k], COARSE[k + 1], 6), 10)
        inner = _means(scenario, factor, grid[1:-1])
        curve = np.concatenate([[coarse[k]], inner, [coarse[k + 1]]])
        steps = np.abs(np.diff(curve))
        if steps.max() > worst:
            worst, where = float(steps.max()), float(grid[int(np.argmax(steps))])
    return worst, where


@pytest.fixture(scope="module", params=["vlissingen", "darwin"])
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return _to_window_end(request.param)


def test_the_truncated_runs_give_the_window_mean_of_the_full_runs() -> None:
    full = colabsim.load_scenario(SCENARIOS / "darwin.toml")
    short = _to_window_end("darwin")
    assert short.horizon_months < full.horizon_months
    seeds = SEEDS[:4]
    a = run_batch(full, seeds, keep_series=False).summary["performance"]
    b = run_batch(short, seeds, keep_series=False).summary["performance"]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("factor", list(FACTORS))
def test_no_factor_has_a_cliff(scenario: Scenario, factor: str) -> None:
    step, at = _largest_step(scenario, factor)
    where = f"between {at:.2f} and {at + 0.01:.2f}"
    assert step <= BOUND, f"{scenario.name}: {factor} moves performance by {step:.3f} {where}"


def test_the_adaptive_sweep_finds_a_cliff() -> None:
    """The sweep's own power: the plain CES (no shift) has the cliff at funds 0 that the shift removes."""
    plain = _to_window_end("vlissingen").with_parameters(ces_shift=0.0)
    step, at = _largest_step(plain, "funds")
    assert step > BOUND and at == 0.0
