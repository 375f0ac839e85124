"""Process 2 (communication): formal, informal and brokered contacts along ties.

Mechanism: face-to-face dialogue builds trust and shared understanding (Ansell & Gash 2008, the
collaborative process cycle; Emerson et al. 2012, "principled engagement"). Formal contact
(meetings, visits, letters) runs through the city's cooperation unit and, across the border, needs
an agreement that is current under national law (Law 23/2014, PP 28/2018, Permendagri 25/2020).
Informal contact runs on closeness: kinship and a long shared history (the study's Vlissingen
finding). A bridging foundation brokers contact between partners it both knows (Wilder factor
"skilled convener"; the study's SSVA).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.rules.common import BoolArray, FloatArray, Levels, UniformSource
from colabsim.model.structure import Structure
from colabsim.scenario.parameters import Parameters

__all__ = ["KINSHIP_WEIGHT", "apply_contacts", "contact_probability", "draw_contacts", "tie_closeness"]

#: Weight of the kinship factor in a tie's closeness, by tie kind (formal, informal, kinship).
KINSHIP_WEIGHT = np.array([0.25, 0.5, 1.0])
#: Weight of the history factor in a tie's closeness, by tie kind (formal, informal, kinship).
HISTORY_WEIGHT = np.array([0.5, 0.75, 1.0])
#: Closeness of ties within one side (colleagues in one city or one country).
SAME_SIDE_CLOSENESS = 0.5


def tie_closeness(structure: Structure, levels: Levels) -> FloatArray:
    """Closeness of each tie in [0, 1]: how personal the relation is.

    Across the partnership, ``q_e = max(k_kind * kinship, h_kind * history)`` with the kind weights
    `KINSHIP_WEIGHT` and `HISTORY_WEIGHT`; within one side, ``q_e = 0.5``.
    """
    kin = KINSHIP_WEIGHT[structure.tie_kind] * levels["kinship"]
    hist = HISTORY_WEIGHT[structure.tie_kind] * levels["history"]
    return np.where(structure.tie_cross, np.maximum(kin, hist), SAME_SIDE_CLOSENESS)


def contact_probability(
    structure: Structure,
    levels: Levels,
    params: Parameters,
    trust: FloatArray,
    active: BoolArray,
    closeness: FloatArray,
) -> FloatArray:
    """Monthly probability of at least one contact on each tie.

    ``p_formal = formal_rate * formal_communication * admin_capacity * (legal_frame if the tie
    crosses the border, i.e. joins a local and a foreign actor)``,
    ``p_informal = informal_rate * informal_communication * closeness`` (`tie_closeness`),
    ``p_brokered = brokered_rate * mediation * min(trust(i->m), trust(j->m))`` if an active mediator
    m knows both ends, and ``p = 1 - (1 - p_formal)(1 - p_informal)(1 - p_brokered)`` when both
    ends are present (0 otherwise).
    """
    src, dst = structure.tie_src, structure.tie_dst
    both = active[..., src] & active[..., dst]
    legal = np.where(structure.tie_border, levels["legal_frame"], 1.0)
    p_formal = params.formal_rate * levels["formal_communication"] * levels["admin_capacity"] * legal
    p_informal = params.informal_rate * levels["informal_communication"] * closeness
    has_broker = structure.broker >= 0
    broker_present = active[..., np.maximum(structure.broker, 0)] & has_broker
    broker_trust = np.minimum(trust[..., structure.broker_src_edge], trust[..., structure.broker_dst_edge])
    p_brokered = params.brokered_rate * levels["mediation"] * broker_trust * broker_present
    p = 1.0 - (1.0 - p_formal) * (1.0 - p_informal) * (1.0 - p_brokered)
    return np.where(both, np.clip(p, 0.0, 1.0), 0.0)


def draw_contacts(probability: FloatArray, rng: UniformSource) -> BoolArray:
    """Draw which ties have contact this month (Bernoulli with the given probabilities)."""
    return rng.random(np.shape(probability)) < probability


def apply_contacts(
    trust: FloatArray, understanding: FloatArray, contact: BoolArray, params: Parameters
) -> tuple[FloatArray, FloatArray]:
    """Contact builds shared understanding and refreshes trust.

    On a tie with contact: ``u <- u + understanding_gain * (1 - u)`` and
    ``tau <- tau + contact_trust_gain * (1 - tau)``; other ties are unchanged here (they decay in
    process 7).
    """
    new_understanding = np.where(
        contact, understanding + params.understanding_gain * (1.0 - understanding), understanding
    )
    new_trust = np.where(contact, trust + params.contact_trust_gain * (1.0 - trust), trust)
    return new_trust, new_understanding
