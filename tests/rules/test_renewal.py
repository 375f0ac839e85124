"""Process 7 (decay and renewal): trust and understanding fade; budgets renew each year."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colabsim.model import rules

from .support import (
    EXAMPLES,
    assert_nonneg,
    assert_unit,
    bool_array,
    draw_inputs,
)
from .tiny import TINY, explicit_levels, explicit_params


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
    params = explicit_params(trust_decay=0.1, understanding_decay=0.2)
    trust, understanding = rules.decay_ties(
        np.array([0.9, 0.9, 0.1]), np.array([0.5, 0.5, 0.5]), np.array([True, False, False]), np.full(3, 0.4), params
    )
    assert trust[0] == 0.9 and understanding[0] == 0.5  # contact: unchanged
    assert trust[1] == pytest.approx(0.85)  # 0.9 - 0.1 * (0.9 - 0.4)
    assert trust[2] == 0.1  # below its floor: not raised
    assert understanding[1] == pytest.approx(0.4)  # 0.5 * (1 - 0.2)


def test_decay_ties_understanding_fades_toward_its_floor() -> None:
    params = explicit_params(trust_decay=0.1, understanding_decay=0.2)
    no_contact = np.zeros(3, bool)
    _, understanding = rules.decay_ties(
        np.full(3, 0.5), np.array([0.5, 0.5, 0.1]), no_contact, np.zeros(3), params, np.array([0.0, 0.3, 0.3])
    )
    assert understanding[0] == pytest.approx(0.4)  # no floor: 0.5 - 0.2 * 0.5
    assert understanding[1] == pytest.approx(0.46)  # 0.5 - 0.2 * (0.5 - 0.3)
    assert understanding[2] == pytest.approx(0.1)  # below its floor: not raised


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
    assert not budget[~funded].any(), "outside a donor's window none of its resources flow"
    assert (budget <= 12.0 + 1e-9).all()
    # Known answer for actors that are not the city's own agencies: 12 * endowment * level.
    level = np.array([x.levels[k] for k in rules.RESOURCE_FACTORS])
    other = x.active & ~s.is_local_public
    expected = 12.0 * s.endowment * level * funded[:, None]
    np.testing.assert_allclose(budget[other], expected[other])


# --- known answers ---------------------------------------------------------------------------


def test_trust_floor_known_answer() -> None:
    """``floor = floor_weight * closeness`` with floor_weight 0.6."""
    floor = rules.trust_floor(np.array([0.0, 0.25, 0.5, 1.0]), explicit_params(floor_weight=0.6))
    np.testing.assert_allclose(floor, [0.0, 0.15, 0.3, 0.6])


def test_yearly_endowment_known_answer_on_the_tiny_structure() -> None:
    """``B = 12 * e * level * L`` (L for funds and materials), funds co-funded for the city's agencies.

    Levels funds 0.5, materials 0.4, staff 0.6, time_horizon 0.8; central_support 0.6 (co-funding
    0.5 + 0.3 = 0.8). Endowments (tests/rules/tiny.py): city 0.5 each; partner (1, 0.5, 0.25, 0.75)
    and unfunded (outside a donor's window: none of its four types flows); ssva (0.25, 0.25, 1, 1);
    uni absent.
    """
    levels = explicit_levels(funds=0.5, materials=0.4, staff=0.6, time_horizon=0.8, central_support=0.6)
    active = np.array([True, True, True, False])
    budget = rules.yearly_endowment(TINY, levels, active, TINY.initially_funded)
    expected = [
        [12 * 0.5 * 0.5 * 0.8, 12 * 0.5 * 0.4, 12 * 0.5 * 0.6, 12 * 0.5 * 0.8],  # 2.4, 2.4, 3.6, 4.8
        [0.0, 0.0, 0.0, 0.0],  # unfunded: its window is closed
        [12 * 0.25 * 0.5, 12 * 0.25 * 0.4, 12 * 0.6, 12 * 0.8],  # 1.5, 1.2, 7.2, 9.6 (no co-funding)
        [0.0, 0.0, 0.0, 0.0],
    ]
    np.testing.assert_allclose(budget, expected)
    # Two lines for the city, three for ssva: funds and materials double and triple.
    lined = rules.yearly_endowment(TINY, levels, active, TINY.initially_funded, np.array([2.0, 1.0, 3.0, 1.0]))
    np.testing.assert_allclose(lined[0], [4.8, 4.8, 3.6, 4.8])
    np.testing.assert_allclose(lined[2], [4.5, 3.6, 7.2, 9.6])
    np.testing.assert_allclose(lined[1], expected[1])
