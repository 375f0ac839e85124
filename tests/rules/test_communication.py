"""Process 2 (communication): closeness, contact probability, contact draws and their effect."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from colabsim.model import rules

from .support import (
    EXAMPLES,
    FixedDraws,
    assert_unit,
    draw_inputs,
)
from .tiny import ACTORS, TINY, edge, explicit_levels, explicit_params, ties_array


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
    params = explicit_params(contact_trust_gain=0.1, understanding_gain=0.2, purpose_understanding_weight=0.5)
    trust, understanding = rules.apply_contacts(
        np.array([0.2, 0.2]), np.array([0.5, 0.5]), np.array([True, False]), params
    )
    assert trust[0] == pytest.approx(0.28)  # 0.2 + 0.1 * (1 - 0.2)
    assert understanding[0] == pytest.approx(0.6)  # 0.5 + 0.2 * (1 - 0.5)
    assert (trust[1], understanding[1]) == (0.2, 0.5)


def test_apply_contacts_builds_understanding_only_up_to_its_reach() -> None:
    params = explicit_params(contact_trust_gain=0.1, understanding_gain=0.2, purpose_understanding_weight=0.5)
    u = np.array([0.5, 0.5, 0.8])
    # reach 0.9, 1 and 0.6: the gain closes 0.2 of the gap to the reach; above it nothing is added
    # (decay, process 7, brings it down).
    _, understanding = rules.apply_contacts(
        np.full(3, 0.2), u, np.ones(3, bool), params, reach=np.array([0.9, 1.0, 0.6])
    )
    np.testing.assert_allclose(understanding, [0.5 + 0.2 * 0.4, 0.5 + 0.2 * 0.5, 0.8])


# --- known answers on the tiny structure (tests/rules/tiny.py) --------------------------------


@pytest.mark.parametrize(
    ("kinship", "history", "expected"),
    [
        # q = (k_kind * kinship + h_kind * history) / 2 with k = h = (0.5, 0.75, 1.0, 0.5) by kind
        # (formal, informal, kinship, latent); within a side q = 0.5 whatever the factors.
        # formal: (0.5*0.4 + 0.5*0.6)/2 = 0.25; informal: 0.75*1.0/2 = 0.375; kinship: 1.0/2 = 0.5
        (0.4, 0.6, {"formal": 0.25, "informal": 0.375, "kinship": 0.5, "latent": 0.25, "within": 0.5}),
        # kinship alone: formal 0.5*0.8/2 = 0.2, informal 0.75*0.8/2 = 0.3, kinship 0.8/2 = 0.4
        (0.8, 0.0, {"formal": 0.2, "informal": 0.3, "kinship": 0.4, "latent": 0.2, "within": 0.5}),
        # history alone adds the same way (neither masks the other): the same numbers
        (0.0, 0.8, {"formal": 0.2, "informal": 0.3, "kinship": 0.4, "latent": 0.2, "within": 0.5}),
        # both at 1: (0.5 + 0.5)/2 = 0.5, (0.75 + 0.75)/2 = 0.75, (1 + 1)/2 = 1
        (1.0, 1.0, {"formal": 0.5, "informal": 0.75, "kinship": 1.0, "latent": 0.5, "within": 0.5}),
    ],
)
def test_tie_closeness_known_answers(kinship: float, history: float, expected: dict[str, float]) -> None:
    closeness = rules.tie_closeness(TINY, explicit_levels(kinship=kinship, history=history))
    assert closeness[edge("city", "partner")] == pytest.approx(expected["formal"])
    assert closeness[edge("ssva", "uni")] == pytest.approx(expected["formal"])  # formal, not a border tie
    assert closeness[edge("city", "ssva")] == pytest.approx(expected["informal"])
    assert closeness[edge("partner", "ssva")] == pytest.approx(expected["kinship"])
    assert closeness[edge("uni", "partner")] == pytest.approx(expected["latent"])
    assert closeness[edge("city", "uni")] == pytest.approx(expected["within"])  # informal, both local
    assert closeness[edge("uni", "city")] == pytest.approx(expected["within"])


@pytest.mark.parametrize(
    ("kinship", "history", "base", "expected"),
    [
        # reach = base + (1 - base) * q across the partnership, 1 within a side; q from
        # test_tie_closeness_known_answers: formal 0.25, informal 0.375, kinship 0.5, latent 0.25.
        (0.4, 0.6, 0.5, {"formal": 0.625, "informal": 0.6875, "kinship": 0.75, "latent": 0.625}),
        (0.0, 0.0, 0.3, {"formal": 0.3, "informal": 0.3, "kinship": 0.3, "latent": 0.3}),
        (1.0, 1.0, 0.2, {"formal": 0.6, "informal": 0.8, "kinship": 1.0, "latent": 0.6}),
    ],
)
def test_understanding_reach_known_answers(
    kinship: float, history: float, base: float, expected: dict[str, float]
) -> None:
    closeness = rules.tie_closeness(TINY, explicit_levels(kinship=kinship, history=history))
    reach = rules.understanding_reach(TINY, explicit_params(understanding_reach=base), closeness)
    assert reach[edge("city", "partner")] == pytest.approx(expected["formal"])
    assert reach[edge("city", "ssva")] == pytest.approx(expected["informal"])
    assert reach[edge("partner", "ssva")] == pytest.approx(expected["kinship"])
    assert reach[edge("uni", "partner")] == pytest.approx(expected["latent"])
    # Within one side (city and uni are both local) contact can build full understanding.
    assert reach[edge("city", "uni")] == 1.0
    assert reach[edge("ssva", "uni")] == pytest.approx(expected["formal"])  # ssva bridges: a cross-side tie


@pytest.mark.parametrize(
    ("legal_frame", "central_support", "expected"),
    [
        (0.5, 0.6, 0.52),  # 0.2 + 0.8 * 0.5 * (0.5 + 0.3) = 0.2 + 0.32
        (0.0, 1.0, 0.2),  # no current frame: only the floor flows
        (1.0, 0.0, 0.6),  # 0.2 + 0.8 * 1 * 0.5
        (1.0, 1.0, 1.0),  # 0.2 + 0.8 * 1 * 1
    ],
)
def test_legal_flow_known_answers(legal_frame: float, central_support: float, expected: float) -> None:
    params = explicit_params(legal_floor=0.2)
    levels = explicit_levels(legal_frame=legal_frame, central_support=central_support)
    assert float(rules.legal_flow(levels, params)) == pytest.approx(expected)


CONTACT_PARAMS = {"formal_rate": 0.5, "informal_rate": 0.4, "brokered_rate": 0.3, "legal_floor": 0.2}
#: Legal flow 0.2 + 0.8 * 0.5 * (0.5 + 0.5 * 0.6) = 0.52 on border ties.
CONTACT_LEVELS = {
    "formal_communication": 0.8,
    "admin_capacity": 0.5,
    "legal_frame": 0.5,
    "central_support": 0.6,
    "informal_communication": 0.5,
    "mediation": 0.5,
}
#: Closeness is an input here (tie_closeness has its own test): 0.25 except on two ties.
CONTACT_CLOSENESS = ties_array(0.25, ssva__uni=0.3, city__uni=0.5)
#: Trust in the mediator: city 0.6, partner 0.7, uni 0.8 (the brokered channel uses the lower end's).
CONTACT_TRUST = ties_array(0.5, city__ssva=0.6, partner__ssva=0.7, uni__ssva=0.8)


def _by_tie(rule: Callable[..., np.ndarray], active: tuple[str, ...], levels: dict[str, float]) -> dict[str, float]:
    """A per-tie rule's values on the tiny structure, by ``source__target`` tie name."""
    values = rule(
        TINY,
        explicit_levels(**(CONTACT_LEVELS | levels)),
        explicit_params(**CONTACT_PARAMS),
        CONTACT_TRUST,
        np.array([a in active for a in ACTORS]),
        CONTACT_CLOSENESS,
    )
    return {f"{a}__{b}": float(values[edge(a, b)]) for a, b in TINY.graph.edges}


def contact(active: tuple[str, ...] = ACTORS, **levels: float) -> dict[str, float]:
    """Contact probability on the tiny structure, by ``source__target`` tie name."""
    return _by_tie(rules.contact_probability, active, levels)


def test_apply_contacts_purpose_and_depth_scale_the_understanding_gained() -> None:
    params = explicit_params(contact_trust_gain=0.1, understanding_gain=0.2, purpose_understanding_weight=0.5)
    u = np.array([0.5, 0.5, 0.5])
    contact_now = np.array([True, True, True])
    # purpose 0.4: g_u = 0.2 * (1 - 0.5 + 0.5 * 0.4) = 0.14; depths 1, 2 and 10 (capped at a gain of 1).
    trust, understanding = rules.apply_contacts(
        np.full(3, 0.2), u, contact_now, params, purpose=0.4, depth=np.array([1.0, 2.0, 10.0])
    )
    np.testing.assert_allclose(understanding, [0.5 + 0.14 * 0.5, 0.5 + 0.28 * 0.5, 1.0])
    np.testing.assert_allclose(trust, 0.28)  # trust's refresh does not depend on purpose or depth


def intensity(active: tuple[str, ...] = ACTORS, **levels: float) -> dict[str, float]:
    """Contact intensity on the tiny structure, by ``source__target`` tie name."""
    return _by_tie(rules.contact_intensity, active, levels)


def test_contact_chances_gives_the_probability_and_the_intensity_of_one_pass() -> None:
    """The pair the step uses: ``(p, lambda)`` as in the two tests of the parts below."""
    probability = _by_tie(lambda *args: rules.contact_chances(*args)[0], ACTORS, {})
    lam = _by_tie(lambda *args: rules.contact_chances(*args)[1], ACTORS, {})
    assert probability["city__partner"] == pytest.approx(1 - (1 - 0.104) * (1 - 0.05) * (1 - 0.12))
    assert lam["city__partner"] == pytest.approx(0.104 + 0.05 + 0.12)
    # A latent tie has the brokered channel only: probability and intensity agree.
    assert probability["uni__partner"] == pytest.approx(0.1275)
    assert lam["uni__partner"] == pytest.approx(0.1275)


def test_contact_intensity_adds_the_channels() -> None:
    """``lambda = p_formal + p_informal + p_brokered`` (the parts of the tests below)."""
    lam = intensity()
    assert lam["city__partner"] == pytest.approx(0.104 + 0.05 + 0.12)  # all three channels: 0.274
    assert lam["ssva__uni"] == pytest.approx(0.2 + 0.06)  # no broker
    assert lam["uni__partner"] == pytest.approx(0.1275)  # latent: brokered only, as the probability
    # One channel alone: the intensity is the probability.
    assert intensity(informal_communication=0.0, mediation=0.0)["city__partner"] == pytest.approx(0.104)
    absent = intensity(active=("city", "ssva", "uni"))
    assert absent["city__partner"] == 0.0 and absent["uni__partner"] == 0.0


def test_contact_probability_formal_part() -> None:
    """Informal and brokered channels off: ``p = formal_rate * formal_comm * admin_capacity * L_e``."""
    p = contact(informal_communication=0.0, mediation=0.0)
    assert p["city__partner"] == pytest.approx(0.5 * 0.8 * 0.5 * 0.52)  # border tie: 0.104
    assert p["partner__city"] == pytest.approx(0.104)
    assert p["ssva__uni"] == pytest.approx(0.5 * 0.8 * 0.5)  # no border (bridging end): L = 1, 0.2
    assert p["city__uni"] == pytest.approx(0.2)  # within the local side: L = 1
    assert p["uni__partner"] == 0.0 and p["partner__uni"] == 0.0  # latent: no direct channel


def test_contact_probability_informal_part() -> None:
    """Formal and brokered channels off: ``p = informal_rate * informal_comm * closeness``."""
    p = contact(formal_communication=0.0, mediation=0.0)
    assert p["city__partner"] == pytest.approx(0.4 * 0.5 * 0.25)  # 0.05
    assert p["ssva__uni"] == pytest.approx(0.4 * 0.5 * 0.3)  # 0.06
    assert p["city__uni"] == pytest.approx(0.4 * 0.5 * 0.5)  # 0.1
    assert p["uni__partner"] == 0.0, "a latent tie has closeness but no informal channel"


def test_contact_probability_brokered_part() -> None:
    """Direct channels off: ``p = brokered_rate * mediation * (0.5 + 0.5 * min(trust(i->m), trust(j->m)))``."""
    p = contact(formal_communication=0.0, informal_communication=0.0)
    assert p["city__partner"] == pytest.approx(0.3 * 0.5 * (0.5 + 0.5 * 0.6))  # min(0.6, 0.7): 0.12
    assert p["partner__city"] == pytest.approx(0.12)  # min(0.7, 0.6)
    assert p["uni__partner"] == pytest.approx(0.3 * 0.5 * (0.5 + 0.5 * 0.7))  # latent, min(0.8, 0.7): 0.1275
    assert p["partner__uni"] == pytest.approx(0.1275)
    # Ties to the mediator itself and ties within a side have no broker.
    assert p["city__ssva"] == p["ssva__partner"] == p["city__uni"] == 0.0


def test_contact_probability_combines_the_channels() -> None:
    """``p = 1 - (1 - p_formal)(1 - p_informal)(1 - p_brokered)``."""
    p = contact()
    assert p["city__partner"] == pytest.approx(1 - (1 - 0.104) * (1 - 0.05) * (1 - 0.12))  # 0.250944
    assert p["ssva__uni"] == pytest.approx(1 - (1 - 0.2) * (1 - 0.06))  # no broker: 0.248
    assert p["uni__partner"] == pytest.approx(0.1275)  # brokered only


def test_contact_probability_latent_tie_needs_a_present_mediator() -> None:
    without = contact(active=("city", "partner", "uni"))
    assert without["uni__partner"] == 0.0 and without["partner__uni"] == 0.0
    # The direct tie keeps its direct channels: 1 - (1 - 0.104)(1 - 0.05) = 0.1488.
    assert without["city__partner"] == pytest.approx(1 - 0.896 * 0.95)
    assert without["city__ssva"] == without["ssva__uni"] == 0.0  # the absent mediator's own ties


def test_contact_probability_is_zero_with_an_absent_end() -> None:
    p = contact(active=("city", "ssva", "uni"))
    for name, value in p.items():
        if "partner" in name:
            assert value == 0.0, name
    assert p["city__uni"] == pytest.approx(1 - (1 - 0.2) * (1 - 0.1))  # untouched: 0.28
