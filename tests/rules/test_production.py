"""Process 5 (production): CES output, capacity, coordination efficiency and performance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from colabsim.model import rules
from colabsim.model.structure import ACTIVE, build_structure
from colabsim.scenario.parameters import Parameters

from .support import (
    EXAMPLES,
    SHIPPED_SCENARIOS,
    assert_unit,
    draw_inputs,
)
from .tiny import TINY, explicit_levels, explicit_params, members_array, ties_array

weights_st = st.tuples(*[st.floats(0.01, 1.0)] * 4)
rho_st = st.floats(-6.0, -0.5)


@settings(max_examples=60)
@given(st.floats(1e-6, 100.0), weights_st, rho_st)
def test_ces_of_equal_inputs_is_the_input(x: float, weights: tuple[float, ...], rho: float) -> None:
    assert float(rules.ces_output(np.full(4, x), weights, rho)) == pytest.approx(x, rel=1e-9)


@settings(max_examples=60)
@given(hnp.arrays(np.float64, 4, elements=st.floats(0.01, 10.0)), st.integers(0, 3), rho_st)
def test_ces_with_a_zero_input_is_about_zero(inputs: np.ndarray, zero: int, rho: float) -> None:
    inputs = inputs.copy()
    inputs[zero] = 0.0
    out = float(rules.ces_output(inputs, Parameters().resource_weights, rho))
    assert 0.0 <= out < 1e-6


@settings(max_examples=60)
@given(hnp.arrays(np.float64, (3, 4), elements=st.floats(1e-3, 10.0)), weights_st, rho_st)
def test_ces_lies_between_smallest_and_largest_input(
    inputs: np.ndarray, weights: tuple[float, ...], rho: float
) -> None:
    out = rules.ces_output(inputs, weights, rho)
    assert out.shape == (3,)
    assert (out >= inputs.min(axis=-1) * (1 - 1e-9)).all()
    assert (out <= inputs.max(axis=-1) * (1 + 1e-9)).all()


def test_ces_default_substitutes_in_part_a_missing_type_lowers_but_does_not_zero() -> None:
    """Known answer at the default rho = 0.25 (elasticity of substitution 1/(1 - rho) = 4/3)."""
    params = Parameters()
    weights = params.resource_weights
    full = float(rules.ces_output(np.ones(4), weights, params.ces_rho))
    no_people = float(rules.ces_output(np.array([1.0, 1.0, 0.0, 1.0]), weights, params.ces_rho))
    w = np.asarray(weights) / np.sum(weights)
    assert full == pytest.approx(1.0)
    assert no_people == pytest.approx((1.0 - w[2]) ** (1.0 / params.ces_rho))
    assert 0.0 < no_people < 0.25 * full, "money without people delivers little, but not nothing"


def test_programme_performance_known_answer_saturates_below_one() -> None:
    params = explicit_params(ces_rho=0.25, resource_weights=(0.35, 0.15, 0.35, 0.15), saturation_exponent=0.5,
                             half_saturation=0.25, ces_shift=0.0)  # fmt: skip
    pooled = np.array([[1.0, 1.0, 1.0, 1.0], [100.0, 100.0, 100.0, 100.0]])
    need = np.ones(2)
    out = rules.programme_performance(pooled, need, np.full(2, 0.8), np.ones(2, bool), params)
    assert out[0] == pytest.approx(0.8 / 1.5)  # X = 1: 0.8 * 1 / (1 + 0.25 ** 0.5)
    assert out[1] == pytest.approx(0.8 * 10 / 10.5)  # X = 100: 100 ** 0.5 = 10
    assert out[0] < out[1] < 0.8, "performance saturates below coordination efficiency: no ceiling at 1"


def test_coordination_efficiency_known_answer() -> None:
    """Every member with capacity 0.5, understanding 0.5 on every tie, no university taking part."""
    s = build_structure(SHIPPED_SCENARIOS["darwin.toml"].spec)
    params = explicit_params(efficiency_floor=0.5, understanding_floor=0.5, knowledge_bonus=0.15)
    live = ~s.mem_optional
    efficiency = rules.coordination_efficiency(s, params, np.full(s.n_actors, 0.5), np.full(s.n_ties, 0.5), live)
    np.testing.assert_allclose(efficiency, 0.75 * 0.75 * 0.85)  # (0.5 + 0.5 * 0.5) ** 2 * (1 - 0.15)
    # Understanding binds: with none, the understanding factor falls from 0.75 to its floor 0.5.
    none = rules.coordination_efficiency(s, params, np.full(s.n_actors, 0.5), np.zeros(s.n_ties), live)
    np.testing.assert_allclose(none, 0.75 * 0.5 * 0.85)


@pytest.mark.parametrize("rho", [-0.02, -0.5, -1.0, -5.0])
def test_ces_with_a_zero_input_is_zero_even_near_cobb_douglas(rho: float) -> None:
    # Regression: inputs were floored at 1e-12, which gave visible output near rho = 0.
    out = rules.ces_output(np.array([[0.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]), (0.15, 0.35, 0.35, 0.15), rho)
    assert out[0] < 1e-6
    assert out[1] == pytest.approx(1.0)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_production_invariants(data: st.DataObject) -> None:
    x = draw_inputs(data)
    s = x.s
    capacity = rules.actor_capacity(s, x.levels)
    assert capacity.shape == (s.n_actors,)
    assert_unit(capacity, "capacity")
    efficiency = rules.coordination_efficiency(s, x.params, capacity, x.understanding, x.member_live)
    assert efficiency.shape == (s.n_programmes,)
    assert_unit(efficiency, "efficiency")
    pooled = data.draw(hnp.arrays(np.float64, (s.n_programmes, 4), elements=st.floats(0.0, 20.0)))
    running = x.status == ACTIVE
    performance = rules.programme_performance(pooled, s.prog_need, efficiency, running, x.params)
    assert performance.shape == (s.n_programmes,)
    assert_unit(performance, "performance")
    assert (performance[~running] == 0.0).all()


# --- known answers on the tiny structure (tests/rules/tiny.py) --------------------------------


def test_actor_capacity_known_answer() -> None:
    """City has no capacity of its own (an agency): admin_capacity; the others their own."""
    capacity = rules.actor_capacity(TINY, explicit_levels(admin_capacity=0.4))
    np.testing.assert_allclose(capacity, [0.4, 0.9, 0.8, 0.3])  # city, partner, ssva, uni


EFFICIENCY_PARAMS = {"efficiency_floor": 0.5, "understanding_floor": 0.4, "knowledge_bonus": 0.2}
CAPACITY = np.array([0.4, 0.9, 0.8, 0.3])  # city, partner, ssva, uni


@pytest.mark.parametrize(
    ("live", "understanding", "expected"),
    [
        # Everyone live, understanding 0.5: eye capacity (0.4 + 0.9 + 0.8 + 0.3) / 4 = 0.6,
        # (0.5 + 0.5 * 0.6) * (0.4 + 0.6 * 0.5) * 1 (uni takes part) = 0.8 * 0.7 = 0.56;
        # school (uni, partner): capacity 0.6, a university: 0.56; market (city, ssva):
        # capacity 0.6, no university: 0.8 * 0.7 * 0.8 = 0.448.
        (members_array(True), ties_array(0.5), [0.56, 0.56, 0.448]),
        # uni not included in eye: capacity (0.4 + 0.9 + 0.8) / 3 = 0.7, no university:
        # 0.85 * 0.7 * 0.8 = 0.476.
        (members_array(True, eye__uni=False), ties_array(0.5), [0.476, 0.56, 0.448]),
        # uni takes part in eye at 0.5 (an optional member's inclusion): capacity
        # (0.4 + 0.9 + 0.8 + 0.5 * 0.3) / 3.5 = 0.6428..., half the university's knowledge:
        # (0.5 + 0.5 * 0.642857) * 0.7 * (0.8 + 0.2 * 0.5).
        (members_array(1.0, eye__uni=0.5), ties_array(0.5), [(0.5 + 0.5 * 2.25 / 3.5) * 0.7 * 0.9, 0.56, 0.448]),
        # Understanding 1 between city and partner, 0.2 elsewhere: eye's six live ties average
        # (1 + 1 + 4 * 0.2) / 6 = 0.4666..., factor 0.4 + 0.6 * 0.4666 = 0.68: 0.85 * 0.68 * 0.8.
        (members_array(True, eye__uni=False), ties_array(0.2, city__partner=1.0, partner__city=1.0),
         [0.4624, 0.8 * 0.52, 0.8 * 0.52 * 0.8]),
    ],
)  # fmt: skip
def test_coordination_efficiency_known_answers_on_the_tiny_structure(
    live: np.ndarray, understanding: np.ndarray, expected: list[float]
) -> None:
    params = explicit_params(**EFFICIENCY_PARAMS)
    np.testing.assert_allclose(rules.coordination_efficiency(TINY, params, CAPACITY, understanding, live), expected)


@pytest.mark.parametrize(
    ("inputs", "rho", "expected"),
    [
        ([1.0, 4.0, 0.0, 0.0], 0.5, 0.5625),  # (0.25 * (1 + 2 + 0 + 0)) ** 2
        ([4.0, 4.0, 4.0, 4.0], 0.5, 4.0),
        ([1.0, 1.0, 4.0, 4.0], -1.0, 1.6),  # (0.25 * (1 + 1 + 0.25 + 0.25)) ** -1 = 1 / 0.625
        ([1.0, 1.0, 0.0, 4.0], -1.0, 0.0),  # complements: a missing type is no output
    ],
)
def test_ces_output_known_answers(inputs: list[float], rho: float, expected: float) -> None:
    assert float(rules.ces_output(np.array(inputs), (2.0, 2.0, 2.0, 2.0), rho)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("inputs", "rho", "shift", "expected"),
    [
        ([0.0, 0.0, 0.0, 0.0], 0.5, 0.25, 0.0),  # nothing pooled, nothing made
        ([0.75, 0.75, 0.75, 0.75], 0.5, 0.25, 0.75),  # equal inputs give the input
        ([0.0, 0.75, 0.75, 0.75], 0.5, 0.25, 0.515625),  # (0.25 * (0.5 + 3 * 1)) ** 2 - 0.25 = 0.875 ** 2 - 0.25
        # complements, but the shift keeps a missing type from zeroing: (0.25 * (4 + 3 * 0.25)) ** -1 - 0.25
        ([0.0, 3.75, 3.75, 3.75], -1.0, 0.25, 1.0 / 1.1875 - 0.25),
    ],
)
def test_shifted_ces_output_known_answers(inputs: list[float], rho: float, shift: float, expected: float) -> None:
    got = float(rules.ces_output(np.array(inputs), (1.0, 1.0, 1.0, 1.0), rho, shift))
    assert got == pytest.approx(expected)


def test_shifted_ces_has_a_finite_slope_at_zero() -> None:
    """A missing type's first units are worth ``w * s**(rho - 1) * A**(1 - rho)`` each, not infinitely much."""
    rho, shift, weights = 0.25, 0.05, (0.35, 0.15, 0.35, 0.15)
    base = np.array([0.0, 1.0, 1.0, 1.0])
    step = 1e-7
    nudge = np.array([step, 0.0, 0.0, 0.0])
    slope = (rules.ces_output(base + nudge, weights, rho, shift) - rules.ces_output(base, weights, rho, shift)) / step
    aggregate = float(rules.ces_output(base, weights, rho, shift)) + shift
    assert float(slope) == pytest.approx(0.35 * shift ** (rho - 1) * aggregate ** (1 - rho), rel=1e-4)
    unshifted = (rules.ces_output(base + nudge, weights, rho) - rules.ces_output(base, weights, rho)) / step
    assert float(unshifted) > 100 * float(slope), "the plain CES is (nearly) vertical at 0"


def test_programme_performance_known_answer_with_explicit_parameters() -> None:
    """``E * X^g / (X^g + h^g)``, ``X = CES(pooled / need)``; rho 0.5, equal weights, h 0.5, g 1.

    Programme 0: pooled 1 of each type against need 2: X = 0.5, 0.8 * 0.5 / (0.5 + 0.5) = 0.4.
    Programme 1: pooled (4, 4, 0, 0) against need 1: X = (0.25 * (2 + 2)) ** 2 = 1, 0.5 * 1 / 1.5.
    Programme 2: as programme 0 but not running: 0.
    """
    params = explicit_params(ces_rho=0.5, resource_weights=(1.0, 1.0, 1.0, 1.0), half_saturation=0.5,
                             saturation_exponent=1.0, ces_shift=0.0)  # fmt: skip
    pooled = np.array([[1.0, 1.0, 1.0, 1.0], [4.0, 4.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    out = rules.programme_performance(
        pooled, np.array([2.0, 1.0, 2.0]), np.array([0.8, 0.5, 0.8]), np.array([True, True, False]), params
    )
    np.testing.assert_allclose(out, [0.4, 0.5 / 1.5, 0.0])


def _by_programme(values: np.ndarray) -> dict[str, float]:
    return {p: float(values[k]) for k, p in enumerate(TINY.programme_ids)}


def test_joint_capacity_known_answers() -> None:
    """``J_p = (1 - w_l - w_a) * cap_p + w_l * leadership + w_a * standing_p``.

    Capacities: city 0.5 (the admin_capacity factor), partner 0.9, ssva 0.8, uni 0.3. legal_flow
    = 0.2 + 0.8 * 0.5 * (0.5 + 0.5 * 1.0) = 0.6 for the international programmes (eye, school);
    market has no foreign member, so its standing is 1.
    """
    levels = explicit_levels(admin_capacity=0.5, leadership=0.6, legal_frame=0.5, central_support=1.0)
    params = explicit_params(leadership_weight=0.2, arrangement_weight=0.3, legal_floor=0.2)
    capacity = rules.actor_capacity(TINY, levels)
    joint = _by_programme(rules.joint_capacity(TINY, levels, params, capacity, members_array(True)))
    assert joint["eye"] == pytest.approx(0.5 * 0.625 + 0.2 * 0.6 + 0.3 * 0.6)  # cap (0.5+0.9+0.8+0.3)/4
    assert joint["school"] == pytest.approx(0.5 * 0.6 + 0.12 + 0.18)  # cap (0.3+0.9)/2
    assert joint["market"] == pytest.approx(0.5 * 0.65 + 0.12 + 0.3)  # cap (0.5+0.8)/2, standing 1
    # Without its optional university, eye's capacity is (0.5 + 0.9 + 0.8) / 3.
    without_uni = rules.joint_capacity(TINY, levels, params, capacity, members_array(True, eye__uni=False))
    assert _by_programme(without_uni)["eye"] == pytest.approx(0.5 * 2.2 / 3 + 0.3)


def test_coordination_efficiency_takes_the_capacity_for_joint_action() -> None:
    """With ``joint`` given it replaces the members' mean capacity: ``E = (f + (1 - f) J) * U * K``."""
    params = explicit_params(efficiency_floor=0.4, understanding_floor=0.2, knowledge_bonus=0.1)
    joint = np.array([0.6125, 0.6, 0.745])
    efficiency = rules.coordination_efficiency(
        TINY, params, np.full(TINY.n_actors, np.nan), ties_array(0.5), members_array(True), joint
    )
    understood = 0.2 + 0.8 * 0.5
    # eye and school have the university live (K = 1); market has none (K = 0.9).
    expected = [
        (0.4 + 0.6 * 0.6125) * understood,
        (0.4 + 0.6 * 0.6) * understood,
        (0.4 + 0.6 * 0.745) * understood * 0.9,
    ]
    np.testing.assert_allclose(efficiency, expected)
