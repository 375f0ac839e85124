"""Process 8 (growth): success streaks, new sectors, reputation and new partners."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from colabsim.model import rules
from colabsim.model.structure import ACTIVE, DORMANT, OFF, PROPOSED

from .support import (
    EXAMPLES,
    FixedDraws,
    assert_unit,
    draw_inputs,
    unit,
    unit_array,
)
from .tiny import ACTORS, TINY, explicit_levels, explicit_params


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_growth_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    p = s.n_programmes
    streak0 = data.draw(hnp.arrays(np.intp, (p,), elements=st.integers(0, 40)))
    streak = rules.update_streaks(streak0, x.performance, x.status, x.params)
    assert streak.shape == (p,)
    assert ((streak == 0) | (streak == streak0 + 1)).all()
    assert not streak[x.status != ACTIVE].any()

    rng = FixedDraws(data.draw(unit), unit_array(data, (p,)))
    status, streak2, opened = rules.open_new_sector(x.status, streak, x.levels, x.params, rng)
    changed = status != x.status
    assert changed.sum() <= 1, "at most one programme opens per month"
    assert (x.status[changed] == PROPOSED).all() and (status[changed] == DORMANT).all()
    assert bool(opened) == bool(changed.any())
    if opened:
        assert (streak >= x.params.success_months).any()
        assert not streak2.any()
    else:
        np.testing.assert_array_equal(streak2, streak)

    reputation0 = data.draw(unit)
    reputation = rules.update_reputation(np.asarray(reputation0), x.performance, x.status, x.params)
    assert_unit(reputation, "reputation")

    prospective_rng = FixedDraws(unit_array(data, (s.n_actors,)))
    active, joined = rules.partners_join(x.active, s.prospective, reputation, x.params, prospective_rng)
    assert active.shape == joined.shape == x.active.shape
    assert not (joined & ~s.prospective).any(), "only prospective partners join"
    assert not (active & ~x.active & ~s.prospective).any()
    assert (active >= x.active).all(), "nobody leaves by this rule"
    np.testing.assert_array_equal(active, x.active | joined)


def test_partners_join_known_answers() -> None:
    params = explicit_params(partner_rate=0.1, reputation_threshold=0.3)
    active = np.array([True, False, False, False])
    prospective = np.array([False, True, False, True])
    # Full reputation (chance 0.1) and draws of 0: every prospective absent partner joins, nobody else.
    new, joined = rules.partners_join(active, prospective, np.asarray(1.0), params, FixedDraws(np.zeros(4)))
    np.testing.assert_array_equal(joined, [False, True, False, True])
    np.testing.assert_array_equal(new, [True, True, False, True])
    # Reputation at the threshold: nobody joins.
    _, joined = rules.partners_join(active, prospective, np.asarray(0.3), params, FixedDraws(np.zeros(4)))
    assert not joined.any()
    # Reputation 0.65: chance 0.1 * (0.65 - 0.3) / 0.7 = 0.05; draws 0.049 join, 0.051 do not.
    _, joined = rules.partners_join(
        active, prospective, np.asarray(0.65), params, FixedDraws(np.array([0.0, 0.049, 0.0, 0.051]))
    )
    np.testing.assert_array_equal(joined, [False, True, False, False])


def test_open_new_sector_needs_sustained_success() -> None:
    # Chance growth_rate * (0.5 + 0.5 * shared_purpose) = 0.08 once a streak reaches 24 months.
    params = explicit_params(success_months=24, growth_rate=0.08)
    levels = explicit_levels(shared_purpose=1.0)
    status = np.array([ACTIVE, PROPOSED, PROPOSED])
    short = np.array([23, 0, 0])
    new, streak, opened = rules.open_new_sector(status, short, levels, params, FixedDraws(0.0, np.array([0, 0.2, 0.9])))
    assert not opened
    np.testing.assert_array_equal(new, status)
    long = np.array([24, 0, 0])
    new, streak, opened = rules.open_new_sector(status, long, levels, params, FixedDraws(0.0, np.array([0, 0.2, 0.9])))
    assert opened
    np.testing.assert_array_equal(new, [ACTIVE, PROPOSED, DORMANT])  # the proposed one with the largest key
    assert not streak.any()
    # A draw above the chance 0.08: nothing opens, streaks run on.
    rng = FixedDraws(0.081, np.array([0, 0.2, 0.9]))
    new, streak, opened = rules.open_new_sector(status, long, levels, params, rng)
    assert not opened
    np.testing.assert_array_equal(streak, long)


def test_update_reputation_known_answer() -> None:
    params = explicit_params(reputation_rate=0.05)
    status = np.array([ACTIVE, DORMANT, PROPOSED, OFF])
    performance = np.array([0.8, 0.4, 1.0, 1.0])  # only live programmes count: mean 0.6
    new = rules.update_reputation(np.asarray(0.2), performance, status, params)
    assert float(new) == pytest.approx(0.22)  # 0.2 + 0.05 * (0.6 - 0.2)


def test_update_streaks_known_answer() -> None:
    """+1 while active with performance >= success_level (0.5), else back to 0."""
    streak = rules.update_streaks(
        np.array([3, 3, 3, 3, 0]),
        np.array([0.5, 0.49, 0.9, 0.9, 0.7]),
        np.array([ACTIVE, ACTIVE, DORMANT, PROPOSED, ACTIVE]),
        explicit_params(success_level=0.5),
    )
    np.testing.assert_array_equal(streak, [4, 0, 0, 0, 1])


def joined(*names: str) -> np.ndarray:
    return np.array([a in names for a in ACTORS])


@pytest.mark.parametrize(
    ("status", "who", "expected"),
    [
        # partner is required in eye and school, not in market.
        ([PROPOSED] * 3, ("partner",), [DORMANT, DORMANT, PROPOSED]),
        # uni is optional in eye and required in school: only school comes to the table.
        ([PROPOSED] * 3, ("uni",), [PROPOSED, DORMANT, PROPOSED]),
        # Programmes that are not proposed are left alone (a switched-off one stays off).
        ([ACTIVE, OFF, PROPOSED], ("partner",), [ACTIVE, OFF, PROPOSED]),
        # Nobody joined: nothing moves.
        ([PROPOSED] * 3, (), [PROPOSED] * 3),
    ],
)
def test_open_partner_programmes_known_answers(status: list[int], who: tuple[str, ...], expected: list[int]) -> None:
    np.testing.assert_array_equal(rules.open_partner_programmes(np.array(status), joined(*who), TINY), expected)
