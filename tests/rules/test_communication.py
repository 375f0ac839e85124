"""Process 2 (communication): closeness, contact probability, contact draws and their effect."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from colabsim.model import rules
from colabsim.scenario.parameters import Parameters

from .support import (
    EXAMPLES,
    FixedDraws,
    assert_unit,
    draw_inputs,
)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_communication_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    closeness = rules.tie_closeness(s, x.levels)
    assert closeness.shape == (s.n_ties,)
    assert_unit(closeness, "closeness")
    np.testing.assert_allclose(closeness[~s.tie_cross], 0.5)  # within one side

    p = rules.contact_probability(s, x.levels, x.params, x.trust, x.active, rules.tie_closeness(s, x.levels))
    assert p.shape == (s.n_ties,)
    assert_unit(p, "contact probability")
    both = x.active[s.tie_src] & x.active[s.tie_dst]
    assert (p[~both] == 0.0).all(), "no contact on a tie with an absent end"

    draws = data.draw(hnp.arrays(np.float64, p.shape, elements=st.floats(0.0, 0.999)))
    contact = rules.draw_contacts(p, FixedDraws(draws))
    assert contact.dtype == np.bool_ and contact.shape == p.shape
    assert not contact[p == 0.0].any()

    trust, understanding = rules.apply_contacts(x.trust, x.understanding, contact, x.params)
    assert_unit(trust, "trust")
    assert_unit(understanding, "understanding")
    np.testing.assert_array_equal(trust[~contact], x.trust[~contact])
    np.testing.assert_array_equal(understanding[~contact], x.understanding[~contact])
    assert (trust[contact] >= x.trust[contact]).all() and (understanding[contact] >= x.understanding[contact]).all()


def test_draw_contacts_known_answers() -> None:
    p = np.array([0.0, 1.0, 0.5, 0.5])
    draws = np.array([0.0, 0.999, 0.49, 0.51])
    np.testing.assert_array_equal(rules.draw_contacts(p, FixedDraws(draws)), [False, True, True, False])


def test_apply_contacts_known_answer() -> None:
    params = Parameters()
    trust, understanding = rules.apply_contacts(
        np.array([0.2, 0.2]), np.array([0.5, 0.5]), np.array([True, False]), params
    )
    assert trust[0] == pytest.approx(0.2 + params.contact_trust_gain * 0.8)
    assert understanding[0] == pytest.approx(0.5 + params.understanding_gain * 0.5)
    assert (trust[1], understanding[1]) == (0.2, 0.5)
