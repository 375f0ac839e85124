"""End to end: whole-model runs of shipped and generated scenarios keep the state's invariants."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import colabsim
from colabsim.model.engine import State
from colabsim.model.structure import ACTIVE, DORMANT, OFF, PROPOSED
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import scenario_from_dict

from .support import (
    SHIPPED_SCENARIOS,
    assert_nonneg,
    assert_unit,
    model_levels_st,
    model_unit,
    scenario_dicts,
)


def check_state(model: colabsim.CollaborationModel, shapes: dict[str, tuple[int, ...]]) -> None:
    state = model.state
    for field in dataclasses.fields(State):
        value = np.asarray(getattr(state, field.name))
        assert value.shape == shapes[field.name], field.name
        if np.issubdtype(value.dtype, np.floating):
            assert np.isfinite(value).all(), f"{field.name}: NaN or infinite at month {model.month}"
    for name in ("trust", "understanding", "commitment", "consensus", "performance", "reputation"):
        assert_unit(getattr(state, name), f"{name} at month {model.month}")
    for name in ("stock", "budget", "pooled"):
        if hasattr(state, name):
            assert_nonneg(getattr(state, name), f"{name} at month {model.month}")
    assert set(np.unique(state.status)) <= {PROPOSED, DORMANT, ACTIVE, OFF}
    assert (state.streak >= 0).all()
    assert (state.since_contact >= 0).all()
    # Absent actors hold nothing (they cannot contribute), and inactive programmes produce nothing.
    assert not state.stock[~state.active].any()
    assert not state.performance[state.status != ACTIVE].any()


def run_checked(scenario: colabsim.Scenario, seed: int, months: int | None = None) -> colabsim.CollaborationModel:
    model = colabsim.CollaborationModel(scenario, rng=seed)
    shapes = {f.name: np.shape(getattr(model.state, f.name)) for f in dataclasses.fields(State)}
    check_state(model, shapes)
    steps = model.horizon if months is None else min(months, model.horizon)
    for _ in range(steps):
        model.step()
        check_state(model, shapes)
    return model


@pytest.mark.parametrize("name", sorted(SHIPPED_SCENARIOS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shipped_scenarios_keep_invariants(name: str, seed: int) -> None:
    model = run_checked(SHIPPED_SCENARIOS[name], seed)
    frame = model.timeseries()
    assert len(frame) == model.horizon
    core = [c for c in frame.columns if not c.startswith("performance_") and c != "date"]
    assert not frame[core].isna().any().any()


@pytest.mark.parametrize("name", sorted(SHIPPED_SCENARIOS))
@pytest.mark.parametrize("level", [0.0, 1.0])
def test_shipped_scenarios_keep_invariants_at_extreme_factors(name: str, level: float) -> None:
    scenario = SHIPPED_SCENARIOS[name].with_factors(**{f: level for f in FACTORS})
    run_checked(scenario, seed=3, months=60)


@settings(max_examples=15)
@given(st.sampled_from(sorted(SHIPPED_SCENARIOS)), model_levels_st, st.integers(0, 2**32 - 1))
def test_shipped_scenarios_keep_invariants_for_random_factors(name: str, levels: dict, seed: int) -> None:
    run_checked(SHIPPED_SCENARIOS[name].with_factors(**levels), seed=seed, months=48)


@settings(max_examples=25)
@given(
    scenario_dicts(events=True, values=model_unit),
    st.integers(0, 2**32 - 1),
    model_levels_st,
    st.sets(st.sampled_from(list(FACTORS))),
)
def test_generated_scenarios_keep_invariants(raw: dict, seed: int, levels: dict, overridden: set[str]) -> None:
    overrides = {name: levels[name] for name in overridden}
    scenario = scenario_from_dict(raw).with_factors(**overrides)
    model = run_checked(scenario, seed=seed)
    assert model.month == scenario.horizon_months == 24
    # The factor levels in force at the end: the last set_factors event, except where overridden.
    expected = dict(scenario.factors)
    for event in sorted(scenario.spec.events, key=lambda ev: scenario.month_index(ev.at)):  # stable: file order
        expected.update({k: v for k, v in event.factors.items() if k not in overrides})
    assert {k: float(v) for k, v in model.levels.items()} == expected


def test_resource_event_after_tiny_budget_keeps_stock_finite() -> None:
    # Regression: the stock was rescaled by new_budget / old_budget, which overflowed to inf when
    # the old budget was subnormal (a valid but tiny resource level).
    raw = {
        "scenario": {"name": "tiny funds", "start": "2020-01", "horizon_years": 1},
        "factors": {"funds": 1e-310},
        "actors": [
            {"id": "city", "name": "City", "kind": "agency"},
            {"id": "partner", "name": "Partner", "kind": "municipality"},
        ],
        "programmes": [{"id": "p", "name": "P", "sector": "health", "participants": ["city", "partner"]}],
        "events": [{"at": 1, "action": "set_factors", "factors": {"funds": 1.0}}],
    }
    with np.errstate(over="raise"):
        model = run_checked(scenario_from_dict(raw), seed=0, months=3)
    assert model.state.budget[:, 0].max() > 1.0  # the event raised the budget to the full level
