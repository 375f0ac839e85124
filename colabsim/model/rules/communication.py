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
from colabsim.model.structure import LATENT, Structure
from colabsim.scenario.parameters import Parameters

__all__ = [
    "HISTORY_WEIGHT",
    "KINSHIP_WEIGHT",
    "apply_contacts",
    "contact_chances",
    "contact_intensity",
    "contact_probability",
    "draw_contacts",
    "legal_flow",
    "tie_closeness",
    "understanding_reach",
]

#: Weight of the kinship factor in a tie's closeness, by tie kind (formal, informal, kinship,
#: latent). Kinship acts partnership-wide (the study: "emotional, family-like relations" between
#: the two communities), so even a formal or a latent tie carries part of it.
KINSHIP_WEIGHT = np.array([0.5, 0.75, 1.0, 0.5])
#: Weight of the history factor in a tie's closeness, by tie kind (formal, informal, kinship, latent).
HISTORY_WEIGHT = np.array([0.5, 0.75, 1.0, 0.5])
#: Closeness of ties within one side (colleagues in one city or one country).
SAME_SIDE_CLOSENESS = 0.5


def tie_closeness(structure: Structure, levels: Levels) -> FloatArray:
    """Closeness of each tie in [0, 1]: how personal the relation is.

    Across the partnership, ``q_e = (k_kind * kinship + h_kind * history) / 2`` with the kind
    weights `KINSHIP_WEIGHT` and `HISTORY_WEIGHT` (kinship and history each add to closeness;
    neither masks the other, as a maximum would); within one side, ``q_e = 0.5``.
    """
    kin = KINSHIP_WEIGHT[structure.tie_kind] * levels["kinship"]
    hist = HISTORY_WEIGHT[structure.tie_kind] * levels["history"]
    return np.where(structure.tie_cross, 0.5 * (kin + hist), SAME_SIDE_CLOSENESS)


def understanding_reach(structure: Structure, params: Parameters, closeness: FloatArray) -> FloatArray:
    """How far contact can build shared understanding on each tie, in [0, 1].

    Across the partnership ``reach_e = understanding_reach + (1 - understanding_reach) * q_e``, with
    ``q_e`` the tie's closeness (`tie_closeness`: kinship and history); within one side 1.
    Partners from different countries, administrative cultures and languages understand each
    other's aims and procedures only part of the way by meeting; a shared history and family-like
    ties (the Moluccan community of Vlissingen behind SSVA) carry them further. Cultural and
    institutional distance is the main barrier that city-to-city partnerships name (Bontenbal
    2009; Zelinsky 1991), and what the study credits to Vlissingen's "historical setting" and
    "emotional, family-like relations".
    """
    reach = params.understanding_reach + (1.0 - params.understanding_reach) * closeness
    return np.asarray(np.where(structure.tie_cross, reach, 1.0))


def legal_flow(levels: Levels, params: Parameters) -> FloatArray:
    """How far formal cross-border activity and budgets can flow: a smooth gate, no cliff.

    ``g = legal_floor + (1 - legal_floor) * legal_frame * (0.5 + 0.5 * central_support)``: an
    out-of-date agreement slows formal meetings and the city's budget lines for the partnership
    (PP 28/2018 asks for a current legal basis) but does not stop them outright (letters,
    courtesy visits and other budget lines remain).
    """
    standing = np.asarray(levels["legal_frame"]) * (0.5 + 0.5 * np.asarray(levels["central_support"]))
    return params.legal_floor + (1.0 - params.legal_floor) * standing


def contact_probability(
    structure: Structure,
    levels: Levels,
    params: Parameters,
    trust: FloatArray,
    active: BoolArray,
    closeness: FloatArray,
) -> FloatArray:
    """Monthly probability of at least one contact on each tie.

    On a direct tie (formal, informal, kinship):
    ``p_formal = formal_rate * formal_communication * admin_capacity * (legal_flow if the tie
    crosses the border, i.e. joins a local and a foreign actor)`` (`legal_flow`) and
    ``p_informal = informal_rate * informal_communication * closeness`` (`tie_closeness`); on a
    latent tie (a structural hole) both are 0. On any cross-side tie whose ends an active
    mediator m knows, ``p_brokered = brokered_rate * mediation * (0.5 + 0.5 * min(trust(i->m),
    trust(j->m)))``. ``p = 1 - (1 - p_formal)(1 - p_informal)(1 - p_brokered)`` when both ends
    are present (0 otherwise).
    """
    return contact_chances(structure, levels, params, trust, active, closeness)[0]


def contact_intensity(
    structure: Structure,
    levels: Levels,
    params: Parameters,
    trust: FloatArray,
    active: BoolArray,
    closeness: FloatArray,
) -> FloatArray:
    """Expected number of contacts on each tie this month: ``p_formal + p_informal + p_brokered``.

    The channels of `contact_probability`, added rather than combined into "at least one": a
    partnership that meets formally, informally and through a broker learns more of each other
    than one that meets one way (each channel builds understanding of its own,
    `apply_contacts`). 0 when an end is absent.
    """
    return contact_chances(structure, levels, params, trust, active, closeness)[1]


def contact_chances(
    structure: Structure,
    levels: Levels,
    params: Parameters,
    trust: FloatArray,
    active: BoolArray,
    closeness: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """`contact_probability` and `contact_intensity` of each tie from one pass over the channels.

    The model's step needs both each month; computing the formal, informal and brokered chances
    once serves the two.
    """
    src, dst = structure.tie_src, structure.tie_dst
    both = active[..., src] & active[..., dst]
    direct = structure.tie_kind != LATENT
    legal = np.where(structure.tie_border, legal_flow(levels, params), 1.0)
    p_formal = params.formal_rate * levels["formal_communication"] * levels["admin_capacity"] * legal * direct
    p_informal = params.informal_rate * levels["informal_communication"] * closeness * direct
    has_broker = structure.broker >= 0
    broker_present = active[..., np.maximum(structure.broker, 0)] & has_broker
    broker_trust = np.minimum(trust[..., structure.broker_src_edge], trust[..., structure.broker_dst_edge])
    p_brokered = params.brokered_rate * levels["mediation"] * (0.5 + 0.5 * broker_trust) * broker_present
    p = 1.0 - (1.0 - p_formal) * (1.0 - p_informal) * (1.0 - p_brokered)
    probability = np.where(both, np.clip(p, 0.0, 1.0), 0.0)
    return probability, np.where(both, p_formal + p_informal + p_brokered, 0.0)


def draw_contacts(probability: FloatArray, rng: UniformSource) -> BoolArray:
    """Draw which ties have contact this month (Bernoulli with the given probabilities)."""
    return rng.random(np.shape(probability)) < probability


def apply_contacts(
    trust: FloatArray,
    understanding: FloatArray,
    contact: BoolArray,
    params: Parameters,
    purpose: FloatArray | float = 1.0,
    depth: FloatArray | float = 1.0,
    reach: FloatArray | float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """Contact builds shared understanding and refreshes trust.

    On a tie with contact: ``u <- u + min(g_u * depth, 1) * max(reach - u, 0)`` (`reach`: how far
    contact can take understanding on the tie, `understanding_reach`) with ``g_u =
    understanding_gain * (1 - w_p + w_p * purpose)``, ``w_p = purpose_understanding_weight``,
    ``purpose`` the shared-purpose factor (Ansell & Gash 2008: shared understanding is agreement
    on a common mission, which a shared purpose makes easier to reach) and ``depth`` the expected
    number of contacts given one (`contact_intensity` over `contact_probability`, at least 1), so
    that the expected gain grows with the sum of the channels; and ``tau <- tau +
    contact_trust_gain * (1 - tau)``;
    other ties are unchanged here (they decay in process 7). Trust settles where this pull meets
    learning from observed reciprocity (process 6).
    """
    w_p = params.purpose_understanding_weight
    per_contact = params.understanding_gain * (1.0 - w_p + w_p * np.asarray(purpose, dtype=np.float64))
    gain = np.minimum(per_contact * np.asarray(depth, dtype=np.float64), 1.0)
    gap = np.maximum(np.asarray(reach, dtype=np.float64) - understanding, 0.0)
    new_understanding = np.where(contact, understanding + gain * gap, understanding)
    new_trust = np.where(contact, trust + params.contact_trust_gain * (1.0 - trust), trust)
    return new_trust, new_understanding
