"""Process 1 (events): leadership turnover."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from colabsim.model import rules
from colabsim.scenario.parameters import Parameters

from .support import (
    EXAMPLES,
    FixedDraws,
    assert_unit,
    draw_inputs,
    unit_array,
)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_turnover_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    turnover = rules.turnover_level(s.turnover_override, x.levels)
    assert turnover.shape == (s.n_actors,)
    assert_unit(turnover, "turnover")
    baseline = np.where(np.isnan(s.commitment_override), x.levels["commitment"], s.commitment_override)
    newcomer = rules.newcomer_commitment(baseline, x.levels)
    assert_unit(newcomer, "newcomer commitment")
    draws = unit_array(data, (s.n_actors,))
    commitment, understanding, changed = rules.leadership_turnover(
        x.commitment, x.understanding, x.active, newcomer, turnover, (s.tie_src, s.tie_dst), x.params, FixedDraws(draws)
    )
    assert commitment.shape == x.commitment.shape and understanding.shape == x.understanding.shape
    assert_unit(commitment, "commitment")
    assert_unit(understanding, "understanding")
    assert not (changed & ~x.active).any(), "absent actors do not change leader"
    np.testing.assert_array_equal(commitment[~changed], x.commitment[~changed])
    touched = changed[s.tie_src] | changed[s.tie_dst]
    np.testing.assert_array_equal(understanding[~touched], x.understanding[~touched])
    assert (understanding <= x.understanding).all()


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_turnover_with_low_draws_changes_every_active_actor(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    params = Parameters()
    turnover = np.full(s.n_actors, data.draw(st.floats(0.01, 1.0)))
    newcomer = unit_array(data, (s.n_actors,))
    draws = np.zeros(s.n_actors)  # every draw below turnover_rate * turnover > 0
    commitment, understanding, changed = rules.leadership_turnover(
        x.commitment, x.understanding, x.active, newcomer, turnover, (s.tie_src, s.tie_dst), params, FixedDraws(draws)
    )
    np.testing.assert_array_equal(changed, x.active)
    loss = params.turnover_loss
    expected = np.where(x.active, (1 - loss) * x.commitment + loss * newcomer, x.commitment)
    np.testing.assert_allclose(commitment, expected)
    touched = x.active[s.tie_src] | x.active[s.tie_dst]
    np.testing.assert_allclose(understanding, np.where(touched, x.understanding * (1 - loss), x.understanding))


def test_turnover_with_high_draws_changes_nobody() -> None:
    n, e = 3, 2
    commitment, understanding, changed = rules.leadership_turnover(
        np.full(n, 0.7), np.full(e, 0.6), np.ones(n, bool), np.zeros(n), np.ones(n),
        (np.array([0, 1]), np.array([1, 2])), Parameters(), FixedDraws(np.full(n, 0.999)),
    )  # fmt: skip
    assert not changed.any()
    np.testing.assert_array_equal(commitment, 0.7)
    np.testing.assert_array_equal(understanding, 0.6)
