"""Process 6 (learning): trust from observed reciprocity, benefits, facilitation, commitment."""

from __future__ import annotations

import numpy as np
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

    facilitated = rules.facilitation(s, x.levels, x.member_live, live_programme)
    assert facilitated.shape == (s.n_actors,)
    assert_unit(facilitated, "facilitation")
    lo = np.minimum(x.levels["leadership"], x.levels["mediation"])
    hi = np.maximum(x.levels["leadership"], x.levels["mediation"])
    assert (facilitated >= lo - 1e-12).all() and (facilitated <= hi + 1e-12).all()

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
