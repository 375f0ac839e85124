"""Process 4 (contribution): what members give, reciprocity and spending."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from colabsim.model import rules
from colabsim.model.structure import ACTIVE, build_structure
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.parameters import Parameters

from .support import (
    EXAMPLES,
    SHIPPED_SCENARIOS,
    FixedDraws,
    assert_nonneg,
    assert_unit,
    draw_inputs,
    stock_array,
    structures,
    unit_array,
)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_contribution_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    engaged = x.member_live & (x.status == ACTIVE)[s.mem_prog]
    rng = FixedDraws(unit_array(data, (s.n_members,)))
    consensus = unit_array(data, (s.n_programmes,))
    amount, reciprocity, observed = rules.contributions(
        s, x.levels, x.params, (x.commitment, x.trust, x.stock, x.budget), consensus, engaged, x.months_left, rng
    )
    assert amount.shape == (s.n_members, 4)
    assert reciprocity.shape == observed.shape == (s.n_members,)
    assert_nonneg(amount, "contribution")
    assert_unit(reciprocity, "reciprocity")
    assert not amount[~engaged].any(), "a membership that is not engaged gives nothing"
    assert not observed[~engaged].any()
    # Contributions never exceed what the stock allows this month.
    given_by_actor = rules.pool_by(amount, s.mem_actor, s.n_actors)
    assert given_by_actor.shape == (s.n_actors, 4)
    assert (given_by_actor <= x.stock / x.months_left + 1e-9).all()
    assert (given_by_actor <= x.stock + 1e-9).all()

    stock = rules.spend(x.stock, amount, s)
    assert stock.shape == x.stock.shape
    assert_nonneg(stock, "stock")
    np.testing.assert_allclose(stock, x.stock - given_by_actor, atol=1e-9)  # no clipping was needed

    pooled = rules.pool_by(amount, s.mem_prog, s.n_programmes)
    assert pooled.shape == (s.n_programmes, 4)
    assert_nonneg(pooled, "pooled")
    assert pooled.sum() == pytest.approx(amount.sum())


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_spend_never_makes_stock_negative(data: st.DataObject) -> None:
    s = data.draw(structures)
    stock = stock_array(data, (s.n_actors, 4))
    amount = data.draw(hnp.arrays(np.float64, (s.n_members, 4), elements=st.floats(0.0, 100.0)))
    left = rules.spend(stock, amount, s)
    assert_nonneg(left, "stock")
    assert (left <= stock).all()


@pytest.mark.parametrize(
    ("months_left", "budget_factor"),
    [(1, 12.0), (4, 12.0), (12, 12.0), (4, 1.0)],  # the stock binds, except in the last case
)
def test_contributions_known_answer_full_willingness(months_left: int, budget_factor: float) -> None:
    """Full commitment, trust, mutuality and legal frame, no defection: each gives its monthly means.

    Monthly means are ``min(stock / months_left, budget / 12)`` shared over the actor's programmes.
    """
    s = build_structure(SHIPPED_SCENARIOS["darwin.toml"].spec)
    levels = {name: 1.0 for name in FACTORS}
    n, m = s.n_actors, s.n_members
    stock = np.arange(1.0, 1.0 + 4 * n).reshape(n, 4)
    budget = budget_factor * stock
    engaged = np.ones(m, dtype=bool)
    never_defect = FixedDraws(np.full(m, 0.999))
    consensus = np.ones(s.n_programmes)
    amount, reciprocity, observed = rules.contributions(
        s,
        levels,
        Parameters(),
        (np.ones(n), np.ones(s.n_ties), stock, budget),
        consensus,
        engaged,
        months_left,
        never_defect,
    )
    n_active = np.bincount(s.mem_actor, minlength=n)
    monthly = stock / months_left if budget_factor == 12.0 else budget / 12.0
    np.testing.assert_allclose(amount, (monthly / n_active[:, None])[s.mem_actor])
    np.testing.assert_allclose(reciprocity, 1.0)
    assert observed.all()
    np.testing.assert_allclose(rules.spend(stock, amount, s), stock - monthly, atol=1e-12)


def test_contributions_defection_gives_nothing() -> None:
    s = build_structure(SHIPPED_SCENARIOS["darwin.toml"].spec)
    # Zero norms, half commitment: a member defects with probability free_ride_rate * 0.5 > 0.
    levels = {name: 0.0 for name in FACTORS} | {"legal_frame": 1.0}
    n, m = s.n_actors, s.n_members
    stock, engaged = np.ones((n, 4)), np.ones(m, bool)
    state = (np.full(n, 0.5), np.ones(s.n_ties), stock, 12 * stock)
    agreed = np.ones(s.n_programmes)
    amount, reciprocity, _ = rules.contributions(
        s, levels, Parameters(), state, agreed, engaged, 6, FixedDraws(np.zeros(m))
    )
    assert not amount.any()
    assert not reciprocity.any()
    # The same members give when their draws are above the defection probability.
    rng = FixedDraws(np.full(m, 0.99))
    amount, reciprocity, _ = rules.contributions(s, levels, Parameters(), state, agreed, engaged, 6, rng)
    assert (amount > 0).all()
    assert (reciprocity > 0).all()
