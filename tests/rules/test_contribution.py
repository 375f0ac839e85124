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
from .tiny import TINY, explicit_levels, explicit_params, member, members_array, ties_array


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


#: Explicit parameters of the contribution rule (tests/rules/tiny.py: no default leaks in).
GIVE_PARAMS = {
    "mediator_buffer": 0.5,
    "trust_weight": 0.4,
    "joint_action_weight": 0.5,
    "free_ride_rate": 0.5,
    "fair_share": 0.5,
    "legal_floor": 0.2,
}


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
    params = explicit_params(**GIVE_PARAMS)
    n, m = s.n_actors, s.n_members
    stock = np.arange(1.0, 1.0 + 4 * n).reshape(n, 4)
    budget = budget_factor * stock
    engaged = np.ones(m, dtype=bool)
    never_defect = FixedDraws(np.full(m, 0.999))
    consensus = np.ones(s.n_programmes)
    amount, reciprocity, observed = rules.contributions(
        s,
        levels,
        params,
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
    # Zero norms, half commitment: a member defects with probability 0.5 * (1 - 0) * (1 - 0.5) = 0.25
    # (free_ride_rate 0.5).
    params = explicit_params(**GIVE_PARAMS)
    levels = {name: 0.0 for name in FACTORS} | {"legal_frame": 1.0}
    n, m = s.n_actors, s.n_members
    stock, engaged = np.ones((n, 4)), np.ones(m, bool)
    state = (np.full(n, 0.5), np.ones(s.n_ties), stock, 12 * stock)
    agreed = np.ones(s.n_programmes)
    amount, reciprocity, _ = rules.contributions(
        s, levels, params, state, agreed, engaged, 6, FixedDraws(np.full(m, 0.249))
    )
    assert not amount.any()
    assert not reciprocity.any()
    # The same members give when their draws are above the defection probability.
    rng = FixedDraws(np.full(m, 0.251))
    amount, reciprocity, _ = rules.contributions(s, levels, params, state, agreed, engaged, 6, rng)
    assert (amount > 0).all()
    assert (reciprocity > 0).all()


# --- known answers on the tiny structure (tests/rules/tiny.py) --------------------------------

#: Legal flow 0.2 + 0.8 * 0.5 * (0.5 + 0.3) = 0.52; mutuality factor 0.5 + 0.5 * 0.6 = 0.8.
GIVE_LEVELS = {"mediation": 0.6, "mutuality": 0.6, "reciprocity_norms": 0.5, "legal_frame": 0.5, "central_support": 0.6}
#: eye and market are running; uni is not included in eye and school is not active.
GIVE_ENGAGED = members_array(False, eye__city=True, eye__partner=True, eye__ssva=True, market__city=True,
                             market__ssva=True)  # fmt: skip

#: Trust on the ties the known answers use; 0.5 elsewhere.
GIVE_TRUST = ties_array(0.5, city__partner=0.2, city__ssva=0.6, partner__city=0.4, partner__ssva=0.8)


def give(engaged: np.ndarray = GIVE_ENGAGED, **levels: float) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Contributions and reciprocity on the tiny structure, by ``programme__actor`` membership name.

    Stocks and budgets are 12 of each type with 12 months left: monthly means 1 per type, shared
    over the actor's engaged programmes (city and ssva have two: 0.5 each; partner one: 1).
    Commitment: city 0.5, partner 0.8, ssva 1. Draws of 0.99 are above every defection chance.
    """
    n = TINY.n_actors
    stock = np.full((n, 4), 12.0)
    state = (np.array([0.5, 0.8, 1.0, 0.0]), GIVE_TRUST, stock, stock.copy())
    amount, reciprocity, observed = rules.contributions(
        TINY,
        explicit_levels(**(GIVE_LEVELS | levels)),
        explicit_params(**GIVE_PARAMS),
        state,
        np.array([0.8, 0.4, 0.6]),  # consensus: joint-action factors 0.9 (eye), 0.8 (market)
        engaged,
        12,
        FixedDraws(np.full(TINY.n_members, 0.99)),
    )
    np.testing.assert_array_equal(observed, engaged > 0)  # everyone engaged had means to give
    pairs = zip(TINY.mem_prog, TINY.mem_actor, strict=True)
    names = [f"{TINY.programme_ids[p]}__{TINY.actor_ids[a]}" for p, a in pairs]
    return dict(zip(names, amount, strict=True)), dict(zip(names, reciprocity.tolist(), strict=True))


def test_contributions_known_answer_with_mediator_buffer_and_legal_flow() -> None:
    amount, reciprocity = give()
    # ``w = c * t**0.4 * consensus**0.5 * 0.8`` (trust_weight 0.4, joint_action_weight 0.5, mutuality 0.6).
    # eye/city: trust in partner 0.2 and ssva 0.6, mean 0.4; the mediator buffers it:
    # 0.4 + 0.5 * 0.6 * (1 - 0.4) = 0.58; consensus 0.8. q = 0.5 a type; funds and people of a public
    # body in an international programme times the legal flow 0.52. Fair share 0.5 * 2 (q summed).
    w = 0.5 * 0.58**0.4 * 0.8**0.5 * 0.8
    np.testing.assert_allclose(amount["eye__city"], 0.5 * w * np.array([0.52, 1.0, 0.52, 1.0]))
    assert reciprocity["eye__city"] == pytest.approx(0.5 * w * 3.04 / 1.0)
    # market/city: trust in ssva 0.6 -> 0.6 + 0.3 * 0.4 = 0.72; consensus 0.6; no foreign member: no flow.
    w = 0.5 * 0.72**0.4 * 0.6**0.5 * 0.8
    np.testing.assert_allclose(amount["market__city"], [0.5 * w] * 4)
    assert reciprocity["market__city"] == pytest.approx(0.5 * w * 4 / 1.0)
    # eye/partner: trust (0.4 + 0.8) / 2 = 0.6 -> 0.72; q = 1; a foreign public body: funds and people x 0.52.
    w = 0.8 * 0.72**0.4 * 0.8**0.5 * 0.8
    np.testing.assert_allclose(amount["eye__partner"], w * np.array([0.52, 1.0, 0.52, 1.0]))
    assert reciprocity["eye__partner"] == pytest.approx(w * 3.04 / 2.0)
    # eye/ssva (not a public body): trust 0.5 -> 0.65, q = 0.5; it gives more than the fair share:
    # reciprocity is capped at 1.
    w = 1.0 * 0.65**0.4 * 0.8**0.5 * 0.8
    np.testing.assert_allclose(amount["eye__ssva"], [0.5 * w] * 4)
    assert reciprocity["eye__ssva"] == 1.0
    # Memberships that are not engaged give nothing and show no reciprocity.
    for name in ("eye__uni", "school__uni", "school__partner"):
        assert not amount[name].any() and reciprocity[name] == 0.0


def test_contributions_scale_with_participation_and_so_does_the_fair_share() -> None:
    # eye/partner takes part at 0.4 (an optional member's inclusion): it gives 0.4 of what it would,
    # and partners expect 0.4 of the fair share, so its reciprocity is unchanged. City's trust in it
    # counts with weight 0.4: (0.4 * 0.2 + 1 * 0.6) / 1.4, buffered by the mediator.
    full_amount, full_recip = give()
    partial = GIVE_ENGAGED.astype(float)
    partial[member("eye", "partner")] = 0.4
    amount, reciprocity = give(partial)
    np.testing.assert_allclose(amount["eye__partner"], 0.4 * full_amount["eye__partner"])
    assert reciprocity["eye__partner"] == pytest.approx(full_recip["eye__partner"])
    t = (0.4 * 0.2 + 0.6) / 1.4
    t = t + 0.5 * 0.6 * (1 - t)
    w = 0.5 * t**0.4 * 0.8**0.5 * 0.8
    np.testing.assert_allclose(amount["eye__city"], 0.5 * w * np.array([0.52, 1.0, 0.52, 1.0]))


def test_contributions_mediator_buffer_needs_mediation_and_an_engaged_mediator() -> None:
    # mediation 0: eye/city keeps its mean trust 0.4; materials 0.5 * w.
    amount, _ = give(mediation=0.0)
    assert amount["eye__city"][1] == pytest.approx(0.5 * 0.5 * 0.4**0.4 * 0.8**0.5 * 0.8)
    # ssva not engaged anywhere: eye/city trusts partner only, 0.2, unbuffered; market/city has no
    # co-participant: trust 0, so it gives nothing (willingness is a product: no trust, no gift).
    no_mediator = GIVE_ENGAGED.copy()
    no_mediator[[member("eye", "ssva"), member("market", "ssva")]] = False
    amount, _ = give(no_mediator)
    assert amount["eye__city"][1] == pytest.approx(0.5 * 0.5 * 0.2**0.4 * 0.8**0.5 * 0.8)
    assert amount["market__city"][1] == 0.0


@pytest.mark.parametrize(("legal_frame", "central_support", "flow"), [(0.0, 0.6, 0.2), (1.0, 1.0, 1.0)])
def test_contributions_legal_flow_holds_back_public_funds_and_people(
    legal_frame: float, central_support: float, flow: float
) -> None:
    amount, _ = give(legal_frame=legal_frame, central_support=central_support)
    # Public bodies in the international eye programme: funds and people scaled by the flow.
    partner = 0.8 * 0.72**0.4 * 0.8**0.5 * 0.8
    city = 0.5 * 0.5 * 0.58**0.4 * 0.8**0.5 * 0.8
    np.testing.assert_allclose(amount["eye__partner"], [partner * flow, partner, partner * flow, partner])
    np.testing.assert_allclose(amount["eye__city"], [city * flow, city, city * flow, city])
    # The city in a local programme, and the foundation anywhere, are not held back.
    np.testing.assert_allclose(amount["market__city"], [0.5 * 0.5 * 0.72**0.4 * 0.6**0.5 * 0.8] * 4)
    np.testing.assert_allclose(amount["eye__ssva"], [0.5 * 0.65**0.4 * 0.8**0.5 * 0.8] * 4)


def test_pool_by_and_spend_known_answers() -> None:
    amount = np.zeros((TINY.n_members, 4))
    amount[member("eye", "city")] = [0.3, 0.0, 0.0, 0.0]
    amount[member("market", "city")] = [0.5, 0.1, 0.0, 0.0]
    amount[member("eye", "partner")] = [0.0, 0.0, 0.2, 0.0]
    by_programme = rules.pool_by(amount, TINY.mem_prog, TINY.n_programmes)
    np.testing.assert_allclose(by_programme, [[0.3, 0.0, 0.2, 0.0], [0.0] * 4, [0.5, 0.1, 0.0, 0.0]])
    by_actor = rules.pool_by(amount, TINY.mem_actor, TINY.n_actors)
    np.testing.assert_allclose(by_actor, [[0.8, 0.1, 0.0, 0.0], [0.0, 0.0, 0.2, 0.0], [0.0] * 4, [0.0] * 4])
    # Stock 0.6 of each type: city's funds would go to 0.6 - 0.8 < 0 and stop at 0.
    left = rules.spend(np.full((TINY.n_actors, 4), 0.6), amount, TINY)
    np.testing.assert_allclose(left, [[0.0, 0.5, 0.6, 0.6], [0.6, 0.6, 0.4, 0.6], [0.6] * 4, [0.6] * 4])
