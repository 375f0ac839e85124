"""Process 6 (learning): trust follows observed reciprocity; commitment follows benefits.

Mechanism: each actor compares what its partners put in with a fair share and moves its trust
toward the reciprocity it observed (Ring & Van de Ven 1994; Thomson & Perry 2006, "norms of trust
and reciprocity"). Disappointments weigh more than pleasant surprises (loss aversion, Kahneman &
Tversky 1979), and kinship softens them (the study: the Vlissingen ties are "family-like").
Strong reciprocity norms make partners learn faster. Commitment grows with realised benefits, the
"small wins" of Ansell & Gash (2008), scaled by mutuality and by facilitation, and falls with
frustration, which a long time horizon makes easier to bear. Facilitation comes from the
collaboration's leadership or from a mediator taking part (Ansell & Gash 2008 count facilitation
and mediation as forms of facilitative leadership; the study: commitment on both sides "mediated
by the SSVA team").
"""

from __future__ import annotations

import numpy as np

from colabsim.model.rules.common import BoolArray, FloatArray, Levels
from colabsim.model.rules.communication import KINSHIP_WEIGHT
from colabsim.model.rules.deliberation import facilitation_level
from colabsim.model.rules.segments import segment_any, segment_mean
from colabsim.model.structure import LATENT, Structure
from colabsim.scenario.parameters import Parameters

__all__ = ["affective_setpoint", "facilitation", "realised_benefit", "update_commitment", "update_trust"]


def update_trust(
    structure: Structure,
    levels: Levels,
    params: Parameters,
    trust: FloatArray,
    reciprocity: FloatArray,
    observed: BoolArray,
    engaged: BoolArray | FloatArray,
    floor: FloatArray,
) -> FloatArray:
    """Move trust i->j toward what j's observed reciprocity warrants in the programmes they share.

    ``r_e`` is the mean reciprocity of j over the active programmes i and j share (where j had means
    to give). The target is ``tau*_e = floor_e + (1 - floor_e) * r_e``: a close relation (kinship,
    history: `colabsim.model.rules.trust_floor`) keeps trust above its floor even when partners
    give little, and trust settles where reciprocity puts it, not at 1.
    ``tau <- tau + eta * lambda * (tau*_e - tau)`` with learning rate
    ``eta = learning_base + learning_norms_weight * reciprocity_norms`` and
    ``lambda = loss_aversion * (1 - 0.5 * kin_e)`` when ``tau*_e < tau`` (else 1), where
    ``kin_e = KINSHIP_WEIGHT[kind] * kinship`` on cross-side ties (0 within a side). Ties with
    nothing observed are unchanged. The result is clipped to [0, 1].
    """
    taking_part = np.asarray(engaged, dtype=np.float64) > 0
    seen_pair = taking_part[..., structure.pair_src_mem] & observed[..., structure.pair_dst_mem]
    n_ties = structure.n_ties
    recip = segment_mean(reciprocity[..., structure.pair_dst_mem], seen_pair, structure.pair_edge, n_ties)
    seen = segment_any(seen_pair, structure.pair_edge, n_ties)
    eta = params.learning_base + params.learning_norms_weight * np.asarray(levels["reciprocity_norms"])
    kin = np.where(structure.tie_cross, KINSHIP_WEIGHT[structure.tie_kind] * levels["kinship"], 0.0)
    target = floor + (1.0 - floor) * recip
    weight = np.where(target < trust, params.loss_aversion * (1.0 - 0.5 * kin), 1.0)
    updated = np.clip(trust + eta * weight * (target - trust), 0.0, 1.0)
    return np.where(seen, updated, trust)


def realised_benefit(
    structure: Structure, performance: FloatArray, member_live: BoolArray, live_programme: BoolArray
) -> tuple[FloatArray, BoolArray]:
    """Each actor's benefit: mean performance of the live programmes it takes part in.

    A programme is live when it is active or dormant (a dormant programme yields 0: frustration).

    Returns:
        (benefit ``(..., N)``, involved ``(..., N)``): involved marks actors in any live programme.
    """
    counted = member_live & live_programme[..., structure.mem_prog]
    n = structure.n_actors
    benefit = segment_mean(performance[..., structure.mem_prog], counted, structure.mem_actor, n)
    return benefit, segment_any(counted, structure.mem_actor, n)


def facilitation(
    structure: Structure, levels: Levels, params: Parameters, member_live: BoolArray, live_programme: BoolArray
) -> FloatArray:
    """Facilitation each actor receives: `facilitation_level` with ``mediated_i``.

    ``mediated_i`` is true when i takes part in a live programme in which a present mediator
    (a bridging foundation) also takes part; then ``f_i = 1 - (1 - leadership) * (1 -
    mediator_facilitation * mediation)``, else ``f_i = leadership``.
    """
    n_prog = structure.n_programmes
    with_mediator = segment_any(member_live & structure.is_mediator[structure.mem_actor], structure.mem_prog, n_prog)
    counted = member_live & live_programme[..., structure.mem_prog] & with_mediator[..., structure.mem_prog]
    mediated = segment_any(counted, structure.mem_actor, structure.n_actors)
    return facilitation_level(levels, params, mediated)


def affective_setpoint(
    structure: Structure, params: Parameters, mandate: FloatArray | float, closeness: FloatArray
) -> FloatArray:
    """Commitment set-point of each actor: its mandate plus an affective part from close ties.

    ``s_i = mandate_i + affect_weight * (1 - mandate_i) * bond_i``, with ``bond_i`` the mean
    closeness (`tie_closeness`: kinship and history) of i's direct ties across the partnership (0
    for an actor with none). Commitment rooted in emotional ties (affective commitment, Meyer &
    Allen 1991) lasts beside the institutional mandate: the study's Vlissingen partners are
    committed because of "family-like" relations built over a long history, not by office alone.
    """
    personal = structure.tie_cross & (structure.tie_kind != LATENT)
    bond = segment_mean(closeness, personal, structure.tie_src, structure.n_actors)
    mandate = np.asarray(mandate, dtype=np.float64)
    return np.asarray(mandate + params.affect_weight * (1.0 - mandate) * bond)


def update_commitment(
    levels: Levels,
    params: Parameters,
    commitment: FloatArray,
    benefit: FloatArray,
    involved: BoolArray,
    facilitated: FloatArray,
    setpoint: FloatArray | float,
) -> FloatArray:
    """Commitment returns to its set-point, grows with benefits, falls with frustration.

    For an involved actor with benefit b and facilitation f (see `facilitation`):
    ``gain = commitment_gain * (0.5 + 0.5 * mutuality) * (0.5 + 0.5 * f) * b * (1 - c)``,
    ``loss = commitment_loss * (1 - patience_weight * time_horizon) * (1 - b) * c``;
    every actor passed in (the model passes present actors only) also gets
    ``pull = setpoint_rate * (setpoint - c)`` toward its set-point (the actor's own commitment
    value, else the commitment factor: the institutional mandate of each side, a lasting path so
    that the factor does not wash out and commitment never sinks into an absorbing zero) and
    ``upkeep = leadership_upkeep * f * (1 - c)``.
    ``c <- clip(c + gain - loss + pull + upkeep, 0, 1)``.
    """
    mutual = 0.5 + 0.5 * np.asarray(levels["mutuality"])
    lead = np.asarray(facilitated)
    gain = params.commitment_gain * mutual * (0.5 + 0.5 * lead) * benefit * (1.0 - commitment)
    patience = 1.0 - params.patience_weight * np.asarray(levels["time_horizon"])
    loss = params.commitment_loss * patience * (1.0 - benefit) * commitment
    pull = params.setpoint_rate * (np.asarray(setpoint) - commitment)
    upkeep = params.leadership_upkeep * lead * (1.0 - commitment)
    return np.clip(commitment + np.where(involved, gain - loss, 0.0) + pull + upkeep, 0.0, 1.0)
