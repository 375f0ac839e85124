"""Process 7 (decay and renewal): trust and understanding fade; budgets renew each year."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colabsim.model import rules
from colabsim.scenario.parameters import Parameters

from .support import (
    EXAMPLES,
    assert_nonneg,
    assert_unit,
    bool_array,
    draw_inputs,
)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_decay_ties(data: st.DataObject) -> None:
    x = draw_inputs(data)
    e = x.s.n_ties
    contact = bool_array(data, (e,))
    floor = rules.trust_floor(rules.tie_closeness(x.s, x.levels), x.params)
    assert_unit(floor, "floor")
    assert (floor <= x.params.floor_weight + 1e-12).all()
    trust, understanding = rules.decay_ties(x.trust, x.understanding, contact, floor, x.params)
    assert trust.shape == understanding.shape == (e,)
    assert_unit(trust, "trust")
    assert_unit(understanding, "understanding")
    # Contacted ties are unchanged.
    np.testing.assert_array_equal(trust[contact], x.trust[contact])
    np.testing.assert_array_equal(understanding[contact], x.understanding[contact])
    # Others move toward the floor, never past it, and never rise above where they were.
    old, new, f = x.trust[~contact], trust[~contact], floor[~contact]
    assert (new <= old).all()
    assert (np.abs(new - f) <= np.abs(old - f) + 1e-12).all()
    above = old > f
    assert (new[above] >= f[above] - 1e-12).all()
    np.testing.assert_array_equal(new[~above], old[~above])  # at or below the floor: unchanged
    assert (understanding[~contact] <= x.understanding[~contact]).all()


def test_decay_ties_known_answer() -> None:
    params = Parameters()
    trust, understanding = rules.decay_ties(
        np.array([0.9, 0.9, 0.1]), np.array([0.5, 0.5, 0.5]), np.array([True, False, False]), np.full(3, 0.4), params
    )
    assert trust[0] == 0.9 and understanding[0] == 0.5
    assert trust[1] == pytest.approx(0.9 - params.trust_decay * 0.5)
    assert trust[2] == 0.1
    assert understanding[1] == pytest.approx(0.5 * (1 - params.understanding_decay))


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_yearly_endowment(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    funded = bool_array(data, (s.n_actors,))
    budget = rules.yearly_endowment(s, x.levels, x.active, funded)
    assert budget.shape == (s.n_actors, 4)
    assert_nonneg(budget, "budget")
    assert not budget[~x.active].any()
    assert not budget[~funded, 0].any()
    assert (budget <= 12.0 + 1e-9).all()
    # Known answer for actors that are not the city's own agencies: 12 * endowment * level.
    level = np.array([x.levels[k] for k in rules.RESOURCE_FACTORS])
    other = x.active & ~s.is_local_public
    expected = 12.0 * s.endowment * level
    expected[:, 0] *= funded
    np.testing.assert_allclose(budget[other], expected[other])
