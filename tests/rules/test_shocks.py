"""Process 1 (events): leadership turnover."""

from __future__ import annotations

import numpy as np
import pytest
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
from .tiny import TINY, explicit_levels, explicit_params


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
        (np.array([0, 1]), np.array([1, 2])), explicit_params(turnover_rate=0.5, turnover_loss=0.5),
        FixedDraws(np.full(n, 0.999)),
    )  # fmt: skip
    assert not changed.any()
    np.testing.assert_array_equal(commitment, 0.7)
    np.testing.assert_array_equal(understanding, 0.6)


def test_turnover_level_known_answer() -> None:
    """Uni has its own turnover (0.2); the others take the scenario's (0.7)."""
    np.testing.assert_allclose(rules.turnover_level(TINY.turnover_override, explicit_levels(turnover=0.7)),
                               [0.7, 0.7, 0.7, 0.2])  # fmt: skip


@pytest.mark.parametrize(("leadership", "expected"), [(0.5, [0.6, 0.3]), (0.0, [0.4, 0.2]), (1.0, [0.8, 0.4])])
def test_newcomer_commitment_known_answers(leadership: float, expected: list[float]) -> None:
    """``baseline * (0.5 + 0.5 * leadership)``: 0.8 and 0.4 times 0.75, 0.5 and 1."""
    got = rules.newcomer_commitment(np.array([0.8, 0.4]), explicit_levels(leadership=leadership))
    np.testing.assert_allclose(got, expected)


def test_leadership_turnover_known_answer() -> None:
    """turnover_rate 0.1, turnover_loss 0.4; chances 0.1 * (1, 0.5, 1) = (0.1, 0.05, 0.1).

    Draws (0.09, 0.06, 0.0): actor 0 changes; actor 1's draw is above its chance; actor 2 is absent.
    """
    commitment, understanding, changed = rules.leadership_turnover(
        np.array([0.8, 0.5, 0.3]),
        np.full(4, 0.5),
        np.array([True, True, False]),
        np.array([0.2, 0.6, 0.9]),  # a newcomer's commitment
        np.array([1.0, 0.5, 1.0]),
        (np.array([0, 1, 1, 2]), np.array([1, 0, 2, 1])),  # ties 0->1, 1->0, 1->2, 2->1
        explicit_params(turnover_rate=0.1, turnover_loss=0.4),
        FixedDraws(np.array([0.09, 0.06, 0.0])),
    )
    np.testing.assert_array_equal(changed, [True, False, False])
    # 0.6 * 0.8 + 0.4 * 0.2 = 0.56; the others keep theirs.
    np.testing.assert_allclose(commitment, [0.56, 0.5, 0.3])
    # Ties touching actor 0, either way, lose 40% of their understanding: 0.5 * 0.6 = 0.3.
    np.testing.assert_allclose(understanding, [0.3, 0.3, 0.5, 0.5])
