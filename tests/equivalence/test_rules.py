"""Every kernel rule equals its numpy rule on random valid inputs (one test per public rule).

Each test draws a structure (generated or shipped), factor levels, parameters and a valid state
(`rules.support.draw_inputs`), calls the numpy rule and its kernel counterpart, and compares:
discrete results exactly, floats to `support.TOLERANCE`. A random rule draws from a numpy Generator
and the kernel from a copy of its PCG64 state, so both see the same numbers.
tests/equivalence/test_layout.py checks that every public rule has a test here.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rules.support import EXAMPLES, bool_array, draw_inputs, stock_array, unit_array

from colabsim.model import rules
from colabsim.model.kernel import (
    communication,
    contribution,
    deliberation,
    growth,
    learning,
    production,
    renewal,
    shocks,
)
from colabsim.model.structure import ACTIVE, DORMANT

from .support import Kernel, assert_same, stream_pair

rule_test = settings(max_examples=EXAMPLES)


def _setup(data: st.DataObject):  # type: ignore[no-untyped-def]
    x = draw_inputs(data)
    return x, Kernel(x.s, x.levels, x.params)


# --- communication ---------------------------------------------------------------------------


@rule_test
@given(st.data())
def test_tie_closeness_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    got = communication.tie_closeness(k.s, k.levels, k.floats(x.s.n_ties))
    assert_same(rules.tie_closeness(x.s, x.levels), got, "tie_closeness")


@rule_test
@given(st.data())
def test_legal_flow_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    assert_same(rules.legal_flow(x.levels, x.params), communication.legal_flow(k.levels, k.params), "legal_flow")


def _chances_inputs(data: st.DataObject):  # type: ignore[no-untyped-def]
    x, k = _setup(data)
    closeness = unit_array(data, (x.s.n_ties,))
    return x, k, closeness


@rule_test
@given(st.data())
def test_contact_chances_matches_numpy(data: st.DataObject) -> None:
    x, k, closeness = _chances_inputs(data)
    probability, intensity = k.floats(x.s.n_ties), k.floats(x.s.n_ties)
    communication.contact_chances(k.s, k.levels, k.params, x.trust, x.active, closeness, probability, intensity)
    want = rules.contact_chances(x.s, x.levels, x.params, x.trust, x.active, closeness)
    assert_same(want[0], probability, "probability")
    assert_same(want[1], intensity, "intensity")


@rule_test
@given(st.data())
def test_contact_probability_matches_numpy(data: st.DataObject) -> None:
    x, k, closeness = _chances_inputs(data)
    got = communication.contact_probability(
        k.s, k.levels, k.params, x.trust, x.active, closeness, k.floats(x.s.n_ties), k.work
    )
    assert_same(rules.contact_probability(x.s, x.levels, x.params, x.trust, x.active, closeness), got, "p")


@rule_test
@given(st.data())
def test_contact_intensity_matches_numpy(data: st.DataObject) -> None:
    x, k, closeness = _chances_inputs(data)
    got = communication.contact_intensity(
        k.s, k.levels, k.params, x.trust, x.active, closeness, k.floats(x.s.n_ties), k.work
    )
    assert_same(rules.contact_intensity(x.s, x.levels, x.params, x.trust, x.active, closeness), got, "intensity")


@rule_test
@given(st.data(), st.integers(0, 2**63 - 1))
def test_draw_contacts_matches_numpy(data: st.DataObject, seed: int) -> None:
    x, k = _setup(data)
    probability = unit_array(data, (x.s.n_ties,))
    generator, stream = stream_pair(seed)
    got = communication.draw_contacts(probability, stream, k.bools(x.s.n_ties))
    assert_same(rules.draw_contacts(probability, generator), got, "draw_contacts")


@rule_test
@given(st.data())
def test_apply_contacts_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    e = x.s.n_ties
    contact = bool_array(data, (e,))
    depth = data.draw(st.floats(1.0, 4.0)) * (1.0 + unit_array(data, (e,)))
    purpose = x.levels["shared_purpose"]
    reach = unit_array(data, (e,))
    trust, understanding = k.floats(e), k.floats(e)
    communication.apply_contacts(
        x.trust, x.understanding, contact, k.params, purpose, depth, reach, trust, understanding
    )
    want = rules.apply_contacts(x.trust, x.understanding, contact, x.params, purpose, depth, reach)
    assert_same(want[0], trust, "trust")
    assert_same(want[1], understanding, "understanding")


@rule_test
@given(st.data())
def test_understanding_reach_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    closeness = unit_array(data, (x.s.n_ties,))
    got = communication.understanding_reach(k.s, k.params, closeness, k.floats(x.s.n_ties))
    assert_same(rules.understanding_reach(x.s, x.params, closeness), got, "understanding_reach")


def _participation(data: st.DataObject, x) -> np.ndarray:  # type: ignore[no-untyped-def]
    """How fully each membership takes part: 0 for some, a share or all for the others."""
    return unit_array(data, (x.s.n_members,)) * x.member_live


# --- shocks ----------------------------------------------------------------------------------


@rule_test
@given(st.data())
def test_turnover_level_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    got = shocks.turnover_level(x.s.turnover_override, k.levels, k.floats(x.s.n_actors))
    assert_same(rules.turnover_level(x.s.turnover_override, x.levels), got, "turnover_level")


@rule_test
@given(st.data())
def test_newcomer_commitment_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    baseline = unit_array(data, (x.s.n_actors,))
    got = shocks.newcomer_commitment(baseline, k.levels, k.floats(x.s.n_actors))
    assert_same(rules.newcomer_commitment(baseline, x.levels), got, "newcomer_commitment")


@rule_test
@given(st.data(), st.integers(0, 2**63 - 1))
def test_leadership_turnover_matches_numpy(data: st.DataObject, seed: int) -> None:
    x, k = _setup(data)
    n, e = x.s.n_actors, x.s.n_ties
    newcomer, turnover = unit_array(data, (n,)), unit_array(data, (n,))
    generator, stream = stream_pair(seed)
    want = rules.leadership_turnover(
        x.commitment, x.understanding, x.active, newcomer, turnover, (x.s.tie_src, x.s.tie_dst), x.params, generator
    )
    commitment, understanding, changed = k.floats(n), k.floats(e), k.bools(n)
    shocks.leadership_turnover(
        x.commitment, x.understanding, x.active, newcomer, turnover, (k.s.tie_src, k.s.tie_dst), k.params, stream,
        commitment, understanding, changed,
    )  # fmt: skip
    for name, expected, got in zip(
        ("commitment", "understanding", "changed"), want, (commitment, understanding, changed), strict=True
    ):
        assert_same(expected, got, name)


# --- deliberation ----------------------------------------------------------------------------


@rule_test
@given(st.data())
def test_facilitation_level_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    mediated = bool_array(data, (x.s.n_programmes,))
    got = deliberation.facilitation_level(k.levels, k.params, mediated, k.floats(x.s.n_programmes))
    assert_same(rules.facilitation_level(x.levels, x.params, mediated), got, "facilitation_level")


@rule_test
@given(st.data())
def test_programme_consensus_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    p = x.s.n_programmes
    participation = _participation(data, x)
    consensus, viable = k.floats(p), k.bools(p)
    deliberation.programme_consensus(
        k.s, k.levels, k.params, x.commitment, x.understanding, participation, consensus, viable, k.work
    )
    want = rules.programme_consensus(x.s, x.levels, x.params, x.commitment, x.understanding, participation)
    assert_same(want[0], consensus, "consensus")
    assert_same(want[1], viable, "viable")


@rule_test
@given(st.data())
def test_update_programme_status_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    viable = bool_array(data, (x.s.n_programmes,))
    got = deliberation.update_programme_status(x.status, viable, k.ints(x.s.n_programmes))
    assert_same(rules.update_programme_status(x.status, viable), got, "update_programme_status")


# --- contribution ----------------------------------------------------------------------------


@rule_test
@given(st.data(), st.integers(0, 2**63 - 1))
def test_contributions_matches_numpy(data: st.DataObject, seed: int) -> None:
    x, k = _setup(data)
    m = x.s.n_members
    consensus = unit_array(data, (x.s.n_programmes,))
    engaged = _participation(data, x) * (x.status == ACTIVE)[x.s.mem_prog]
    holdings = (x.commitment, x.trust, x.stock, x.budget)
    generator, stream = stream_pair(seed)
    want = rules.contributions(x.s, x.levels, x.params, holdings, consensus, engaged, x.months_left, generator)
    amount, reciprocity, observed = k.floats(m, 4), k.floats(m), k.bools(m)
    contribution.contributions(
        k.s, k.levels, k.params, holdings, consensus, engaged, x.months_left, stream, amount, reciprocity, observed,
        k.work,
    )  # fmt: skip
    for name, expected, got in zip(
        ("amount", "reciprocity", "observed"), want, (amount, reciprocity, observed), strict=True
    ):
        assert_same(expected, got, name)


@rule_test
@given(st.data())
def test_pool_by_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    amount = stock_array(data, (x.s.n_members, 4))
    for ids, n in ((x.s.mem_actor, x.s.n_actors), (x.s.mem_prog, x.s.n_programmes)):
        got = contribution.pool_by(amount, ids.astype(np.int64), n, k.floats(n, 4))
        assert_same(rules.pool_by(amount, ids, n), got, "pool_by")


@rule_test
@given(st.data())
def test_spend_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    amount = stock_array(data, (x.s.n_members, 4))
    got = contribution.spend(x.stock, amount, k.s, k.floats(x.s.n_actors, 4), k.work)
    assert_same(rules.spend(x.stock, amount, x.s), got, "spend")


# --- production ------------------------------------------------------------------------------


@rule_test
@given(st.data())
def test_actor_capacity_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    got = production.actor_capacity(k.s, k.levels, k.floats(x.s.n_actors))
    assert_same(rules.actor_capacity(x.s, x.levels), got, "actor_capacity")


@rule_test
@given(st.data())
def test_ces_output_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    inputs = stock_array(data, (x.s.n_programmes, 4)) / 10.0
    weights = np.array(x.params.resource_weights, dtype=np.float64)
    rho = x.params.ces_rho
    for shift in (0.0, x.params.ces_shift, data.draw(st.floats(0.0, 0.5))):
        got = production.ces_output(inputs, weights, rho, shift, k.floats(x.s.n_programmes))
        assert_same(rules.ces_output(inputs, x.params.resource_weights, rho, shift), got, "ces_output")


@rule_test
@given(st.data())
def test_joint_capacity_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    capacity, participation = unit_array(data, (x.s.n_actors,)), _participation(data, x)
    got = production.joint_capacity(
        k.s, k.levels, k.params, capacity, participation, k.floats(x.s.n_programmes), k.work
    )
    assert_same(rules.joint_capacity(x.s, x.levels, x.params, capacity, participation), got, "joint_capacity")


@rule_test
@given(st.data())
def test_coordination_efficiency_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    capacity, joint = unit_array(data, (x.s.n_actors,)), unit_array(data, (x.s.n_programmes,))
    participation = _participation(data, x)
    got = production.coordination_efficiency(
        k.s, k.params, capacity, x.understanding, participation, joint, k.floats(x.s.n_programmes), k.work
    )
    want = rules.coordination_efficiency(x.s, x.params, capacity, x.understanding, participation, joint)
    assert_same(want, got, "coordination_efficiency")


@rule_test
@given(st.data())
def test_programme_performance_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    p = x.s.n_programmes
    pooled = stock_array(data, (p, 4)) / 10.0
    efficiency, running = unit_array(data, (p,)), bool_array(data, (p,))
    got = production.programme_performance(pooled, x.s.prog_need, efficiency, running, k.params, k.floats(p), k.work)
    want = rules.programme_performance(pooled, x.s.prog_need, efficiency, running, x.params)
    assert_same(want, got, "programme_performance")


# --- learning --------------------------------------------------------------------------------


@rule_test
@given(st.data())
def test_update_trust_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    m, e = x.s.n_members, x.s.n_ties
    reciprocity, observed, engaged = unit_array(data, (m,)), bool_array(data, (m,)), _participation(data, x)
    floor = unit_array(data, (e,)) * 0.8
    got = learning.update_trust(
        k.s, k.levels, k.params, x.trust, reciprocity, observed, engaged, floor, k.floats(e), k.work
    )
    want = rules.update_trust(x.s, x.levels, x.params, x.trust, reciprocity, observed, engaged, floor)
    assert_same(want, got, "update_trust")


@rule_test
@given(st.data())
def test_realised_benefit_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    n = x.s.n_actors
    live_programme = (x.status == ACTIVE) | (x.status == DORMANT)
    benefit, involved = k.floats(n), k.bools(n)
    learning.realised_benefit(k.s, x.performance, x.member_live, live_programme, benefit, involved, k.work)
    want = rules.realised_benefit(x.s, x.performance, x.member_live, live_programme)
    assert_same(want[0], benefit, "benefit")
    assert_same(want[1], involved, "involved")


@rule_test
@given(st.data())
def test_facilitation_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    live_programme = bool_array(data, (x.s.n_programmes,))
    got = learning.facilitation(k.s, k.levels, k.params, x.member_live, live_programme, k.floats(x.s.n_actors), k.work)
    assert_same(rules.facilitation(x.s, x.levels, x.params, x.member_live, live_programme), got, "facilitation")


@rule_test
@given(st.data())
def test_affective_setpoint_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    mandate, closeness = unit_array(data, (x.s.n_actors,)), unit_array(data, (x.s.n_ties,))
    got = learning.affective_setpoint(k.s, k.params, mandate, closeness, k.floats(x.s.n_actors), k.work)
    assert_same(rules.affective_setpoint(x.s, x.params, mandate, closeness), got, "affective_setpoint")


@rule_test
@given(st.data())
def test_update_commitment_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    n = x.s.n_actors
    benefit, involved = unit_array(data, (n,)), bool_array(data, (n,))
    facilitated, setpoint = unit_array(data, (n,)), unit_array(data, (n,))
    got = learning.update_commitment(
        k.levels, k.params, x.commitment, benefit, involved, facilitated, setpoint, k.floats(n)
    )
    want = rules.update_commitment(x.levels, x.params, x.commitment, benefit, involved, facilitated, setpoint)
    assert_same(want, got, "update_commitment")


# --- renewal ---------------------------------------------------------------------------------


@rule_test
@given(st.data())
def test_budget_lines_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    got = renewal.budget_lines(k.s, x.status.astype(np.int64), k.floats(x.s.n_actors))
    assert_same(rules.budget_lines(x.s, x.status), got, "budget_lines")


@rule_test
@given(st.data())
def test_trust_floor_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    closeness = unit_array(data, (x.s.n_ties,))
    got = renewal.trust_floor(closeness, k.params, k.floats(x.s.n_ties))
    assert_same(rules.trust_floor(closeness, x.params), got, "trust_floor")


@rule_test
@given(st.data())
def test_decay_ties_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    e = x.s.n_ties
    contact, floor, memory = bool_array(data, (e,)), unit_array(data, (e,)) * 0.8, unit_array(data, (e,)) * 0.5
    trust, understanding = k.floats(e), k.floats(e)
    renewal.decay_ties(x.trust, x.understanding, contact, floor, k.params, memory, trust, understanding)
    want = rules.decay_ties(x.trust, x.understanding, contact, floor, x.params, memory)
    assert_same(want[0], trust, "trust")
    assert_same(want[1], understanding, "understanding")


@rule_test
@given(st.data())
def test_yearly_endowment_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    n = x.s.n_actors
    funded = bool_array(data, (n,))
    lines = 1.0 + data.draw(st.integers(0, 3)) * unit_array(data, (n,)).round()
    got = renewal.yearly_endowment(k.s, k.levels, x.active, funded, lines, k.floats(n, 4))
    assert_same(rules.yearly_endowment(x.s, x.levels, x.active, funded, lines), got, "yearly_endowment")


# --- growth ----------------------------------------------------------------------------------


@rule_test
@given(st.data())
def test_update_streaks_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    streak = data.draw(st.lists(st.integers(0, 40), min_size=x.s.n_programmes, max_size=x.s.n_programmes))
    streak_array = np.array(streak, dtype=np.int64)
    got = growth.update_streaks(streak_array, x.performance, x.status, k.params, k.ints(x.s.n_programmes))
    assert_same(rules.update_streaks(streak_array, x.performance, x.status, x.params), got, "update_streaks")


@rule_test
@given(st.data(), st.integers(0, 2**63 - 1))
def test_open_new_sector_matches_numpy(data: st.DataObject, seed: int) -> None:
    x, k = _setup(data)
    p = x.s.n_programmes
    streak = np.array(data.draw(st.lists(st.integers(0, 40), min_size=p, max_size=p)), dtype=np.int64)
    ready = bool_array(data, (p,))
    status = x.status.astype(np.int64)
    generator, stream = stream_pair(seed)
    want = rules.open_new_sector(status, streak, x.levels, x.params, generator, ready)
    new_status, new_streak = k.ints(p), k.ints(p)
    opened = growth.open_new_sector(status, streak, k.levels, k.params, stream, ready, new_status, new_streak)
    for name, expected, got in zip(("status", "streak", "opened"), want, (new_status, new_streak, opened), strict=True):
        assert_same(expected, got, name)


@rule_test
@given(st.data())
def test_update_reputation_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    reputation = data.draw(st.floats(0.0, 1.0))
    got = growth.update_reputation(reputation, x.performance, x.status, k.params, k.work)
    assert_same(rules.update_reputation(reputation, x.performance, x.status, x.params), got, "update_reputation")


@rule_test
@given(st.data(), st.integers(0, 2**63 - 1))
def test_partners_join_matches_numpy(data: st.DataObject, seed: int) -> None:
    x, k = _setup(data)
    n = x.s.n_actors
    prospective = bool_array(data, (n,))
    reputation = data.draw(st.floats(0.0, 1.0))
    generator, stream = stream_pair(seed)
    want = rules.partners_join(x.active, prospective, reputation, x.params, generator)
    active, joined = k.bools(n), k.bools(n)
    growth.partners_join(x.active, prospective, reputation, k.params, stream, active, joined)
    assert_same(want[0], active, "active")
    assert_same(want[1], joined, "joined")


@rule_test
@given(st.data())
def test_open_partner_programmes_matches_numpy(data: st.DataObject) -> None:
    x, k = _setup(data)
    joined = bool_array(data, (x.s.n_actors,))
    status = x.status.astype(np.int64)
    got = growth.open_partner_programmes(status, joined, k.s, k.ints(x.s.n_programmes), k.work)
    assert_same(rules.open_partner_programmes(status, joined, x.s), got, "open_partner_programmes")
