"""Process 3 (deliberation): consensus, viability, the legal flow and programme status."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colabsim.model import rules
from colabsim.model.structure import ACTIVE, DORMANT, OFF, PROPOSED, build_structure

from .support import (
    EXAMPLES,
    SHIPPED_SCENARIOS,
    assert_unit,
    draw_inputs,
)
from .tiny import TINY, explicit_levels, explicit_params, members_array, ties_array


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_deliberation_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    consensus, viable = rules.programme_consensus(s, x.levels, x.params, x.commitment, x.understanding, x.member_live)
    assert consensus.shape == viable.shape == (s.n_programmes,)
    assert_unit(consensus, "consensus")
    assert viable.dtype == np.bool_
    # Viable needs live members from at least two sides.
    for p in range(s.n_programmes):
        live = [m for m in range(s.n_members) if s.mem_prog[m] == p and x.member_live[m]]
        sides = {int(s.actor_side[s.mem_actor[m]]) for m in live}
        assert bool(viable[p]) == (len(sides) >= 2)

    flow = rules.legal_flow(x.levels, x.params)
    assert_unit(flow, "legal flow")

    status = rules.update_programme_status(x.status, viable)
    assert status.shape == x.status.shape
    assert set(np.unique(status)) <= {PROPOSED, DORMANT, ACTIVE, OFF}
    untouched = (x.status == PROPOSED) | (x.status == OFF)
    np.testing.assert_array_equal(status[untouched], x.status[untouched])
    # Only dormant <-> active moves; a non-viable programme is never active after the update.
    assert set(np.unique(status[~untouched])) <= {DORMANT, ACTIVE}
    assert not ((status == ACTIVE) & ~viable).any()


def test_update_programme_status_known_answers() -> None:
    status = np.array([PROPOSED, OFF, DORMANT, ACTIVE, DORMANT, ACTIVE])
    viable = np.array([True, True, True, True, False, False])
    new = rules.update_programme_status(status, viable)
    # A viable dormant programme starts (no threshold of agreement: consensus is a degree); only a
    # programme without members from two sides falls dormant; proposed and off are left alone.
    np.testing.assert_array_equal(new, [PROPOSED, OFF, ACTIVE, ACTIVE, DORMANT, DORMANT])


def test_a_dormant_programme_waits_only_for_members_from_two_sides() -> None:
    new = rules.update_programme_status(np.array([DORMANT, DORMANT]), np.array([False, True]))
    np.testing.assert_array_equal(new, [DORMANT, ACTIVE])


def test_legal_flow_is_smooth_and_never_zero() -> None:
    params = explicit_params(legal_floor=0.2)
    grid = np.linspace(0.0, 1.0, 101)
    flow = rules.legal_flow({"legal_frame": grid, "central_support": 0.5}, params)
    assert flow[0] == pytest.approx(0.2)
    assert flow[-1] == pytest.approx(0.8)  # 0.2 + 0.8 * 1 * (0.5 + 0.25)
    assert np.max(np.abs(np.diff(flow))) <= 0.01 + 1e-12, "no cliff: a slope of at most 1"


def test_programme_consensus_known_answer() -> None:
    """Darwin's required members: commitment 0.5, understanding 0.5 on their ties, no mediator."""
    s = build_structure(SHIPPED_SCENARIOS["darwin.toml"].spec)
    params = explicit_params(facilitation_weight=0.6, purpose_weight=0.4)
    levels = explicit_levels(leadership=0.5, mediation=0.9, shared_purpose=0.25)
    commitment = np.full(s.n_actors, 0.5)
    understanding = np.full(s.n_ties, 0.5)
    live = ~s.mem_optional
    consensus, viable = rules.programme_consensus(s, levels, params, commitment, understanding, live)
    # sqrt(0.5 * 0.5) * (0.4 + 0.6 * 0.5) * (0.6 + 0.4 * 0.25) = 0.5 * 0.7 * 0.7 (Darwin has no mediator).
    np.testing.assert_allclose(consensus, 0.245)
    assert viable.all()


# --- known answers on the tiny structure (tests/rules/tiny.py) --------------------------------


@pytest.mark.parametrize(
    ("leadership", "mediation", "weight", "expected"),
    [
        (0.3, 0.9, 1.0, [0.3, 0.93]),  # alone: leadership; with a mediator: 1 - 0.7 * 0.1
        (0.8, 0.0, 1.0, [0.8, 0.8]),  # a mediator who does not mediate leaves leadership as it is
        (0.0, 1.0, 1.0, [0.0, 1.0]),
        (0.5, 0.8, 0.5, [0.5, 0.7]),  # half a leader's weight: 1 - 0.5 * (1 - 0.4)
        (0.5, 0.8, 0.0, [0.5, 0.5]),  # mediator_facilitation 0: the mediator does not facilitate
    ],
)
def test_facilitation_level_known_answers(
    leadership: float, mediation: float, weight: float, expected: list[float]
) -> None:
    levels = explicit_levels(leadership=leadership, mediation=mediation)
    got = rules.facilitation_level(levels, explicit_params(mediator_facilitation=weight), np.array([False, True]))
    np.testing.assert_allclose(got, expected)


def test_facilitation_level_ignores_mediation_where_no_mediator_takes_part() -> None:
    levels = explicit_levels(leadership=0.4)  # mediation NaN: it must not leak in
    got = rules.facilitation_level(levels, explicit_params(mediator_facilitation=1.0), np.array([False]))
    np.testing.assert_allclose(got, [0.4])


def test_programme_consensus_known_answer_on_the_tiny_structure() -> None:
    """``consensus = sqrt(support * understanding) * (0.5 + 0.5 * f) * (0.6 + 0.4 * shared_purpose)``.

    facilitation_weight 0.5, purpose_weight 0.4, shared_purpose 0.5 (purpose factor 0.8),
    leadership 0.2, mediation 0.8. uni is not included in eye and ssva not in market.
    """
    params = explicit_params(facilitation_weight=0.5, purpose_weight=0.4, mediator_facilitation=1.0)
    levels = explicit_levels(leadership=0.2, mediation=0.8, shared_purpose=0.5)
    commitment = np.array([0.9, 0.4, 0.5, 0.8])  # city, partner, ssva, uni
    # Among eye's live members (city, partner, ssva) the six ties average
    # (0.9 + 0.9 + 0.3 + 0.3 + 0.6 + 0.6) / 6 = 0.6; ties to uni (0) must not count there.
    understanding = ties_array(
        0.6, city__partner=0.9, partner__city=0.9, city__ssva=0.3, ssva__city=0.3,
        city__uni=0.0, uni__city=0.0, ssva__uni=0.0, uni__ssva=0.0,
    )  # fmt: skip
    live = members_array(True, eye__uni=False, market__ssva=False)
    consensus, viable = rules.programme_consensus(TINY, levels, params, commitment, understanding, live)
    # eye: support (0.9 + 0.4 + 0.5) / 3 = 0.6, sqrt(0.6 * 0.6) = 0.6; the mediator takes part:
    # f = 1 - (1 - 0.2) * (1 - 0.8) = 0.84, facilitation factor 0.92: 0.6 * 0.92 * 0.8 = 0.4416.
    assert consensus[0] == pytest.approx(0.4416)
    # school: support (0.8 + 0.4) / 2 = 0.6, the latent ties' understanding 0.6: sqrt 0.6;
    # no mediator: f = 0.2, factor 0.6: 0.6 * 0.6 * 0.8 = 0.288.
    assert consensus[1] == pytest.approx(0.288)
    # market: city alone, no tie between live members: understanding 0, consensus 0, one side.
    assert consensus[2] == 0.0
    np.testing.assert_array_equal(viable, [True, True, False])


def test_programme_consensus_weights_members_by_their_participation() -> None:
    """The university takes part in school at 0.5: its commitment and its ties count half.

    school: support (0.5 * 0.8 + 1 * 0.4) / 1.5 = 0.5333..., understanding on the latent ties
    between uni and partner 0.6; f = 0.2 (no mediator), factor 0.6; purpose factor 0.8.
    """
    params = explicit_params(facilitation_weight=0.5, purpose_weight=0.4, mediator_facilitation=1.0)
    levels = explicit_levels(leadership=0.2, mediation=0.8, shared_purpose=0.5)
    commitment = np.array([0.9, 0.4, 0.5, 0.8])
    participation = members_array(1.0, eye__uni=0.0, market__ssva=0.0, school__uni=0.5)
    consensus, viable = rules.programme_consensus(TINY, levels, params, commitment, ties_array(0.6), participation)
    assert consensus[1] == pytest.approx(np.sqrt(0.8 / 1.5 * 0.6) * 0.6 * 0.8)
    # A member taking part at all counts for viability: school has a local and a foreign member.
    assert viable[1]
