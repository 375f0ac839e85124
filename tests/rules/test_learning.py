"""Process 6 (learning): trust from observed reciprocity, benefits, facilitation, commitment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colabsim.model import rules
from colabsim.model.structure import ACTIVE, DORMANT
from colabsim.scenario.parameters import Parameters

from .support import (
    EXAMPLES,
    assert_unit,
    bool_array,
    draw_inputs,
    levels_st,
    structures,
    unit,
    unit_array,
)
from .tiny import TINY, by_actor, edge, explicit_levels, explicit_params, members_array, ties_array


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_learning_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    m = s.n_members
    engaged = bool_array(data, (m,))
    observed = bool_array(data, (m,)) & engaged
    reciprocity = unit_array(data, (m,))
    floor = rules.trust_floor(rules.tie_closeness(s, x.levels), x.params)
    trust = rules.update_trust(s, x.levels, x.params, x.trust, reciprocity, observed, engaged, floor)
    assert trust.shape == x.trust.shape
    assert_unit(trust, "trust")
    # A tie whose target was not observed in a shared programme keeps its trust.
    seen = np.zeros(s.n_ties, dtype=bool)
    for k in range(len(s.pair_edge)):
        if engaged[s.pair_src_mem[k]] and observed[s.pair_dst_mem[k]]:
            seen[s.pair_edge[k]] = True
    np.testing.assert_array_equal(trust[~seen], x.trust[~seen])

    live_programme = (x.status == ACTIVE) | (x.status == DORMANT)
    benefit, involved = rules.realised_benefit(s, x.performance, x.member_live, live_programme)
    assert benefit.shape == involved.shape == (s.n_actors,)
    assert_unit(benefit, "benefit")
    assert not benefit[~involved].any()

    facilitated = rules.facilitation(s, x.levels, x.params, x.member_live, live_programme)
    assert facilitated.shape == (s.n_actors,)
    assert_unit(facilitated, "facilitation")
    # A mediator adds to leadership and never dilutes it; either facilitator alone is a lower bound.
    assert (facilitated >= x.levels["leadership"] - 1e-12).all()
    assert (facilitated <= x.levels["leadership"] + x.levels["mediation"] + 1e-12).all()

    setpoint = x.levels["commitment"]
    commitment = rules.update_commitment(x.levels, x.params, x.commitment, benefit, involved, facilitated, setpoint)
    assert commitment.shape == x.commitment.shape
    assert_unit(commitment, "commitment")
    # More benefit never means less commitment.
    low = rules.update_commitment(
        x.levels, x.params, x.commitment, np.zeros_like(benefit), involved, facilitated, setpoint
    )
    high = rules.update_commitment(
        x.levels, x.params, x.commitment, np.ones_like(benefit), involved, facilitated, setpoint
    )
    assert (low <= commitment + 1e-12).all() and (commitment <= high + 1e-12).all()


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_trust_moves_toward_observed_reciprocity(data: st.DataObject) -> None:
    """With the default parameters (step below 1) trust moves toward its target, never past it.

    The target is ``floor + (1 - floor) * reciprocity``.
    """
    s = data.draw(structures)
    levels = data.draw(levels_st)
    m = s.n_members
    trust0 = unit_array(data, (s.n_ties,))
    r = data.draw(unit)
    engaged = np.ones(m, dtype=bool)
    floor = rules.trust_floor(rules.tie_closeness(s, levels), Parameters())
    new = rules.update_trust(s, levels, Parameters(), trust0, np.full(m, r), engaged, engaged, floor)
    target = floor + (1 - floor) * r
    lo, hi = np.minimum(trust0, target), np.maximum(trust0, target)
    assert (new >= lo - 1e-12).all() and (new <= hi + 1e-12).all()


# --- known answers on the tiny structure (tests/rules/tiny.py) --------------------------------

#: eta = learning_base + learning_norms_weight * reciprocity_norms = 0.1 + 0.2 * 0.5 = 0.2.
TRUST_PARAMS = {"learning_base": 0.1, "learning_norms_weight": 0.2, "loss_aversion": 2.0}
#: Reciprocity by membership. The market programme is not active (nobody engaged in it), so its
#: high reciprocity must not count.
RECIPROCITY = members_array(
    0.1, eye__partner=0.9, school__uni=0.3, school__partner=0.5, market__city=0.9, market__ssva=0.9
)
ENGAGED = members_array(True, market__city=False, market__ssva=False)
TRUST_FLOOR = ties_array(0.2, uni__partner=0.1)
TRUST0 = ties_array(0.5, uni__partner=0.3)


def trust_after(
    norms: float = 0.5, kinship: float = 0.4, params: dict[str, float] | None = None, **masks: np.ndarray
) -> np.ndarray:
    engaged = masks.get("engaged", ENGAGED)
    observed = masks.get("observed", engaged)
    return rules.update_trust(
        TINY,
        explicit_levels(reciprocity_norms=norms, kinship=kinship),
        explicit_params(**(params or TRUST_PARAMS)),
        TRUST0,
        RECIPROCITY,
        observed,
        engaged,
        TRUST_FLOOR,
    )


def test_update_trust_moves_toward_its_target() -> None:
    """``target = floor + (1 - floor) * r``; a rise is not weighted: ``tau + eta * (target - tau)``."""
    trust = trust_after()
    # city->partner: partner gave 0.9 in eye, the one programme they share: target 0.2 + 0.8 * 0.9 = 0.92.
    assert trust[edge("city", "partner")] == pytest.approx(0.5 + 0.2 * (0.92 - 0.5))  # 0.584
    # uni->partner (latent): the mean over eye (0.9) and school (0.5) is 0.7; floor 0.1:
    # target 0.1 + 0.9 * 0.7 = 0.73, from 0.3.
    assert trust[edge("uni", "partner")] == pytest.approx(0.3 + 0.2 * (0.73 - 0.3))  # 0.386


def test_update_trust_loss_aversion_is_softened_by_kinship_on_cross_side_ties() -> None:
    """A fall is weighted ``lambda = loss_aversion * (1 - 0.5 * kin)``, ``kin = k_kind * kinship`` across sides.

    Each tie below sees reciprocity 0.1: target 0.2 + 0.8 * 0.1 = 0.28, from 0.5 (a gap of -0.22).
    """
    trust = trust_after(kinship=0.4)
    # partner->city, formal (k = 0.5): kin 0.2, lambda 2 * 0.9 = 1.8.
    assert trust[edge("partner", "city")] == pytest.approx(0.5 - 0.2 * 1.8 * 0.22)  # 0.4208
    # city->ssva, informal (k = 0.75): kin 0.3, lambda 2 * 0.85 = 1.7; market (0.9) is not active.
    assert trust[edge("city", "ssva")] == pytest.approx(0.5 - 0.2 * 1.7 * 0.22)  # 0.4252
    # partner->ssva, kinship (k = 1): kin 0.4, lambda 2 * 0.8 = 1.6.
    assert trust[edge("partner", "ssva")] == pytest.approx(0.5 - 0.2 * 1.6 * 0.22)  # 0.4296
    # city->uni lies within the local side: no kinship, lambda = 2.
    assert trust[edge("city", "uni")] == pytest.approx(0.5 - 0.2 * 2.0 * 0.22)  # 0.412
    # Without kinship every fall weighs the full loss aversion.
    flat = trust_after(kinship=0.0)
    assert flat[edge("partner", "ssva")] == pytest.approx(0.412)


@pytest.mark.parametrize(("norms", "eta"), [(0.0, 0.1), (0.5, 0.2), (1.0, 0.3)])
def test_update_trust_learning_rate_rises_with_reciprocity_norms(norms: float, eta: float) -> None:
    """``eta = 0.1 + 0.2 * reciprocity_norms``; city->partner closes the share eta of its gap 0.42."""
    trust = trust_after(norms=norms)
    assert trust[edge("city", "partner")] == pytest.approx(0.5 + eta * 0.42)
    assert trust[edge("partner", "city")] == pytest.approx(0.5 - eta * 1.8 * 0.22)


def test_update_trust_leaves_unobserved_ties_unchanged() -> None:
    # Partner's eye membership unobserved (no means to give): city->partner has nothing to go on.
    trust = trust_after(observed=members_array(True, eye__partner=False, market__city=False, market__ssva=False))
    assert trust[edge("city", "partner")] == 0.5
    # uni->partner still sees school (0.5): target 0.1 + 0.9 * 0.5 = 0.55.
    assert trust[edge("uni", "partner")] == pytest.approx(0.3 + 0.2 * (0.55 - 0.3))  # 0.35
    # City not engaged in eye: it judges nobody and nobody judges it there.
    off = members_array(True, eye__city=False, market__city=False, market__ssva=False)
    trust = trust_after(engaged=off)
    for tie in [("city", "partner"), ("city", "ssva"), ("city", "uni"), ("partner", "city"), ("uni", "city")]:
        assert trust[edge(*tie)] == TRUST0[edge(*tie)], tie
    assert trust[edge("partner", "ssva")] == pytest.approx(0.4296)  # the others still learn


def test_update_trust_is_clipped_to_the_unit_interval() -> None:
    """A step past 0: ``0.5 + 1 * 3 * (0.28 - 0.5) = -0.16`` becomes 0 (eta 1, loss aversion 3, no kinship)."""
    params = {"learning_base": 1.0, "learning_norms_weight": 0.0, "loss_aversion": 3.0}
    trust = trust_after(kinship=0.0, params=params)
    assert trust[edge("partner", "city")] == 0.0
    assert trust[edge("city", "partner")] == pytest.approx(0.92)  # a rise with eta 1 lands on the target


PERFORMANCE = np.array([0.6, 0.2, 0.9])  # eye, school, market


@pytest.mark.parametrize(
    ("member_live", "live_programme", "performance", "benefit", "involved"),
    [
        # Everything live: city eye 0.6 + market 0.9 -> 0.75; partner eye + school -> 0.4;
        # ssva eye + market -> 0.75; uni eye (optional, included) + school -> 0.4.
        (members_array(True), [True, True, True], PERFORMANCE, [0.75, 0.4, 0.75, 0.4], [True] * 4),
        # uni not included in eye and market not live: city 0.6, partner 0.4, ssva 0.6, uni school 0.2.
        (members_array(True, eye__uni=False), [True, True, False], PERFORMANCE, [0.6, 0.4, 0.6, 0.2], [True] * 4),
        # A dormant school (live, performance 0) is frustration: partner (0.6 + 0) / 2, uni likewise.
        (members_array(True), [True, True, True], [0.6, 0.0, 0.9], [0.75, 0.3, 0.75, 0.3], [True] * 4),
        # uni in nothing live: benefit 0 and not involved.
        (members_array(True, eye__uni=False), [True, False, True], PERFORMANCE, [0.75, 0.6, 0.75, 0.0],
         [True, True, True, False]),
    ],
)  # fmt: skip
def test_realised_benefit_known_answers(
    member_live: np.ndarray,
    live_programme: list[bool],
    performance: list[float],
    benefit: list[float],
    involved: list[bool],
) -> None:
    got, got_involved = rules.realised_benefit(TINY, np.asarray(performance), member_live, np.array(live_programme))
    np.testing.assert_allclose(got, benefit)
    np.testing.assert_array_equal(got_involved, involved)


@pytest.mark.parametrize(
    ("member_live", "live_programme", "mediated"),
    [
        # ssva takes part in live eye: its co-members, and ssva itself, are mediated.
        (members_array(True), [True, True, True], {"city": True, "partner": True, "ssva": True, "uni": True}),
        # eye not live: only market has the mediator (city, ssva); school has none.
        (members_array(True), [False, True, True], {"city": True, "partner": False, "ssva": True, "uni": False}),
        # ssva not live anywhere (absent): nobody is mediated.
        (members_array(True, eye__ssva=False, market__ssva=False), [True, True, True],
         {"city": False, "partner": False, "ssva": False, "uni": False}),
        # uni not included in eye: it only meets partner in school.
        (members_array(True, eye__uni=False), [True, True, True],
         {"city": True, "partner": True, "ssva": True, "uni": False}),
    ],
)  # fmt: skip
def test_facilitation_known_answers(
    member_live: np.ndarray, live_programme: list[bool], mediated: dict[str, bool]
) -> None:
    """``f_i = leadership = 0.3``, or ``1 - 0.7 * (1 - 0.9) = 0.93`` when mediated (mediation 0.9)."""
    levels = explicit_levels(leadership=0.3, mediation=0.9)
    params = explicit_params(mediator_facilitation=1.0)
    f = rules.facilitation(TINY, levels, params, member_live, np.array(live_programme))
    assert by_actor(f) == pytest.approx({a: 0.93 if m else 0.3 for a, m in mediated.items()})


COMMITMENT_PARAMS = {
    "commitment_gain": 0.2,
    "commitment_loss": 0.1,
    "patience_weight": 0.5,
    "setpoint_rate": 0.05,
    "leadership_upkeep": 0.04,
}


@pytest.mark.parametrize(
    ("c", "benefit", "involved", "f", "setpoint", "expected"),
    [
        # gain 0.2 * 0.8 * (0.5 + 0.3) * 0.8 * 0.5 = 0.0512 (mutuality 0.6: 0.5 + 0.3 = 0.8);
        # loss 0.1 * (1 - 0.5 * 0.4) * 0.2 * 0.5 = 0.008; pull 0.05 * (0.7 - 0.5) = 0.01;
        # upkeep 0.04 * 0.6 * 0.5 = 0.012: 0.5 + 0.0512 - 0.008 + 0.01 + 0.012.
        (0.5, 0.8, True, 0.6, 0.7, 0.5652),
        # Frustration only: loss 0.1 * 0.8 * 1 * 0.5 = 0.04 (no gain, at the set-point, no facilitation).
        (0.5, 0.0, True, 0.0, 0.5, 0.46),
        # Gain only, at the set-point without facilitation: 0.2 * 0.8 * 0.5 * 1 * 0.5 = 0.04.
        (0.5, 1.0, True, 0.0, 0.5, 0.54),
        # Set-point pull alone, downward: 0.05 * (0.2 - 0.6) = -0.02 (no benefit gain, not involved).
        (0.6, 0.0, False, 0.0, 0.2, 0.58),
        # Not involved: benefit ignored; pull 0.05 * (0.6 - 0.2) = 0.02, upkeep 0.04 * 0.5 * 0.8 = 0.016.
        (0.2, 0.9, False, 0.5, 0.6, 0.236),
        # Upkeep alone at full facilitation: 0.04 * 1 * (1 - 0.5) = 0.02 (not involved, at the set-point).
        (0.5, 0.0, False, 1.0, 0.5, 0.52),
    ],
)
def test_update_commitment_known_answers(
    c: float, benefit: float, involved: bool, f: float, setpoint: float, expected: float
) -> None:
    new = rules.update_commitment(
        explicit_levels(mutuality=0.6, time_horizon=0.4),
        explicit_params(**COMMITMENT_PARAMS),
        np.array([c]),
        np.array([benefit]),
        np.array([involved]),
        np.array([f]),
        setpoint,
    )
    assert float(new[0]) == pytest.approx(expected)


def test_update_commitment_takes_a_set_point_per_actor_and_clips() -> None:
    """Per-actor set-points; a pull below 0 is clipped (setpoint_rate 1: c jumps to the set-point)."""
    params = explicit_params(**(COMMITMENT_PARAMS | {"setpoint_rate": 1.0, "leadership_upkeep": 0.0}))
    levels = explicit_levels(mutuality=0.6, time_horizon=0.4)
    c = np.array([0.5, 0.5])
    no = np.zeros(2, dtype=bool)
    new = rules.update_commitment(levels, params, c, np.zeros(2), no, np.zeros(2), np.array([0.9, 0.1]))
    np.testing.assert_allclose(new, [0.9, 0.1])
    # Involved and frustrated at c = 0.05 with set-point 0: 0.05 - 0.1 * 0.8 * 1 * 0.05 - 0.05 = -0.004 -> 0.
    new = rules.update_commitment(levels, params, np.array([0.05]), np.zeros(1), np.ones(1, bool), np.zeros(1), 0.0)
    assert float(new[0]) == 0.0


def test_affective_setpoint_known_answers() -> None:
    """``s_i = mandate_i + affect_weight * (1 - mandate_i) * bond_i``, bond over direct cross-side ties.

    city's direct cross-side ties: city->partner (0.2) and city->ssva (0.6): bond 0.4; city->uni is
    within the local side. uni's: uni->ssva (0.3) only (uni->partner is latent, uni->city within a
    side). partner's and ssva's keep the default 0.5.
    """
    closeness = ties_array(0.5, city__partner=0.2, city__ssva=0.6, city__uni=0.9, uni__partner=1.0, uni__ssva=0.3)
    mandate = np.array([0.5, 0.8, 0.6, 0.0])
    setpoint = by_actor(rules.affective_setpoint(TINY, explicit_params(affect_weight=0.5), mandate, closeness))
    assert setpoint["city"] == pytest.approx(0.5 + 0.5 * 0.5 * 0.4)  # 0.6
    assert setpoint["partner"] == pytest.approx(0.8 + 0.5 * 0.2 * 0.5)  # 0.85
    assert setpoint["ssva"] == pytest.approx(0.6 + 0.5 * 0.4 * 0.5)  # 0.7
    assert setpoint["uni"] == pytest.approx(0.0 + 0.5 * 1.0 * 0.3)  # 0.15
    # No affective part at affect_weight 0: the set-point is the mandate.
    plain = rules.affective_setpoint(TINY, explicit_params(affect_weight=0.0), mandate, closeness)
    np.testing.assert_allclose(plain, mandate)
