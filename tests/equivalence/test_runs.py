"""Whole runs in the kernel equal whole runs of the numpy engine; the Mesa step equals `simulate`.

The numpy engine (`colabsim.model.engine`, month by month over a batch) is the specification: the
kernel's runs must have the same discrete state (status, contacts, presence, counters) exactly and
the same floats up to rounding, on the shipped scenarios (with their events) and on generated
scenarios with random events. A Mesa model stepped month by month calls the kernel's month, so it
must equal the kernel's whole run to the last bit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules.support import SHIPPED_SCENARIOS, model_levels_st, scenario_dicts

import colabsim
from colabsim.model import kernel
from colabsim.model.batch import BatchResult, run_batch
from colabsim.model.engine import State
from colabsim.model.kernel.run import run_batch as whole_run_kernel
from colabsim.model.kernel.run import step as month_kernel
from colabsim.scenario.loader import scenario_from_dict

from .support import TOLERANCE  # noqa: F401  (skips without numba)

#: Floats of whole runs: rounding differences of a rule (numpy's ``power`` against the C library's
#: ``pow``, last bit) pass through up to 216 months of dynamics.
RUN_TOLERANCE = 1e-9
DISCRETE = ("since_contact", "contact", "active", "funded", "prospective", "status", "streak")
COUNTERS = ("partners_joined", "sectors_opened")


@contextmanager
def numpy_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with the numpy engine (as without numba) within the block."""
    with monkeypatch.context() as patch:
        patch.setattr(kernel, "available", lambda: False)
        yield


def assert_same_runs(want: BatchResult, got: BatchResult) -> None:
    for name in State.__dataclass_fields__:
        expected, value = np.asarray(getattr(want.final, name)), np.asarray(getattr(got.final, name))
        assert value.shape == expected.shape, name
        if name in DISCRETE or name in COUNTERS:
            np.testing.assert_array_equal(value, expected, err_msg=name)
        else:
            np.testing.assert_allclose(value, expected, rtol=RUN_TOLERANCE, atol=RUN_TOLERANCE, err_msg=name)
    assert want.series.keys() == got.series.keys()
    for name, values in want.series.items():
        np.testing.assert_allclose(got.series[name], values, rtol=RUN_TOLERANCE, atol=RUN_TOLERANCE, err_msg=name)
    assert list(want.summary) == list(got.summary)
    for name, values in want.summary.items():
        np.testing.assert_allclose(got.summary[name], values, rtol=RUN_TOLERANCE, atol=RUN_TOLERANCE, err_msg=name)
    for name, values in want.final_levels.items():
        np.testing.assert_array_equal(got.final_levels[name], values, err_msg=name)
    if want.programmes is not None:
        np.testing.assert_allclose(got.programmes, want.programmes, rtol=RUN_TOLERANCE, atol=RUN_TOLERANCE)


def both_engines(monkeypatch: pytest.MonkeyPatch, run: Callable[[], BatchResult]) -> tuple[BatchResult, BatchResult]:
    with numpy_engine(monkeypatch):
        want = run()
    return want, run()


@pytest.mark.parametrize("name", sorted(SHIPPED_SCENARIOS))
def test_shipped_scenarios_run_as_in_the_numpy_engine(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    scenario = SHIPPED_SCENARIOS[name]
    seeds = [3, 4, 5]
    factor_sets = [{}, {"legal_frame": 0.9, "funds": 0.3}, {"mediation": 0.0, "turnover": 1.0}]
    want, got = both_engines(monkeypatch, lambda: run_batch(scenario, seeds, factor_sets))
    assert_same_runs(want, got)
    starts = [{"legal_frame": 0.2}, {}, {"kinship": 0.9, "central_support": 0.1}]
    want, got = both_engines(monkeypatch, lambda: run_batch(scenario, seeds, None, False, starts))
    assert_same_runs(want, got)


@settings(max_examples=15)
@given(scenario_dicts(events=True), model_levels_st, st.integers(0, 2**32 - 1))
def test_generated_scenarios_with_events_run_as_in_the_numpy_engine(
    raw: dict[str, Any], levels: dict[str, float], seed: int
) -> None:
    scenario = scenario_from_dict(raw)
    sets = [levels, {}]
    with pytest.MonkeyPatch.context() as patch:
        want, got = both_engines(patch, lambda: run_batch(scenario, [seed, seed + 1], sets))
    assert_same_runs(want, got)


def test_parameters_per_run_equal_runs_of_scenarios_with_those_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = SHIPPED_SCENARIOS["darwin.toml"]
    other = scenario.with_parameters(ces_rho=-0.5, trust_decay=0.2, success_months=6)
    parameters = [other.parameters, scenario.parameters, other.parameters]
    for engine in ("numpy", "kernel"):
        with monkeypatch.context() as patch:
            if engine == "numpy":
                patch.setattr(kernel, "available", lambda: False)
            mixed = run_batch(scenario, [1, 2, 3], parameters=parameters)
            alone = run_batch(other, [3])
            plain = run_batch(scenario, [2])
        for name, values in mixed.summary.items():
            assert values[2] == alone.summary[name][0], (engine, name)
            assert values[1] == plain.summary[name][0], (engine, name)


@pytest.mark.parametrize("name", ["vlissingen.toml", "darwin_reformed.toml"])
def test_a_mesa_model_stepped_month_by_month_equals_simulate(name: str) -> None:
    scenario = SHIPPED_SCENARIOS[name]
    model = colabsim.CollaborationModel(scenario, rng=17)
    model.run()
    whole = colabsim.simulate(scenario, 17)
    series = model.timeseries()
    for column in whole.timeseries.columns:
        np.testing.assert_array_equal(series[column].to_numpy(), whole.timeseries[column].to_numpy(), err_msg=column)
    np.testing.assert_array_equal(model.state.trust, whole.ties["trust"].to_numpy())
    np.testing.assert_array_equal(model.state.commitment, whole.actors["commitment"].to_numpy())
    assert model.summary() == {k: v for k, v in whole.summary.items() if k != "seed"}


def test_the_entry_kernels_are_compiled_for_one_signature_each() -> None:
    for name in ("vlissingen.toml", "darwin_reformed.toml"):
        run_batch(SHIPPED_SCENARIOS[name], [1, 2], keep_series=False)
        colabsim.CollaborationModel(SHIPPED_SCENARIOS[name], rng=1).step()
    colabsim.simulate(SHIPPED_SCENARIOS["darwin.toml"], 3)
    assert len(whole_run_kernel.signatures) == 1, whole_run_kernel.signatures
    assert len(month_kernel.signatures) == 1, month_kernel.signatures
