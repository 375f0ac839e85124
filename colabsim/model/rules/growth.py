"""Process 8 (growth): success opens new sectors and attracts new partners.

Mechanism: sister cities start in one or two sectors and spread to more once the collaboration
has shown results (the study, pattern P5; Ansell & Gash's "small wins" feeding a virtuous cycle);
a shared long-term action plan makes the step to a new sector likelier. A city whose
collaborations perform builds a reputation, and reputation draws new partners (the study: the
Vlissingen success led Metz and Havana to offer sister-city ties, pattern P6).
"""

from __future__ import annotations

import numpy as np

from colabsim.model.rules.common import BoolArray, FloatArray, IntArray, Levels, UniformSource
from colabsim.model.rules.segments import segment_any
from colabsim.model.structure import ACTIVE, DORMANT, PROPOSED, Structure
from colabsim.scenario.parameters import Parameters

__all__ = [
    "open_new_sector",
    "open_partner_programmes",
    "partners_join",
    "update_reputation",
    "update_streaks",
]


def update_streaks(streak: IntArray, performance: FloatArray, status: IntArray, params: Parameters) -> IntArray:
    """Months of unbroken success per programme: +1 while active with performance >= success_level, else 0."""
    success = (status == ACTIVE) & (performance >= params.success_level)
    return np.where(success, streak + 1, 0)


def open_new_sector(
    status: IntArray,
    streak: IntArray,
    levels: Levels,
    params: Parameters,
    rng: UniformSource,
    ready: BoolArray | None = None,
) -> tuple[IntArray, IntArray, BoolArray]:
    """Open one proposed programme after sustained success.

    When some programme has ``streak >= success_months``, with probability
    ``growth_rate * (0.5 + 0.5 * shared_purpose)`` one proposed programme, drawn at random, becomes
    dormant (it then starts when its participants reach consensus) and all streaks restart. Only
    programmes marked `ready` (by default all) are candidates: the model passes the viable ones
    (present members from at least two sides, `programme_consensus`), so a programme that waits
    for a partner is left to `open_partner_programmes`.

    Returns:
        (status, streak, opened): opened is True for runs where a programme opened.
    """
    eligible = np.any(streak >= params.success_months, axis=-1)
    chance = params.growth_rate * (0.5 + 0.5 * np.asarray(levels["shared_purpose"]))
    chance = np.reshape(chance, np.shape(eligible))
    go = eligible & (rng.random(np.shape(eligible)) < chance)
    candidates = (status == PROPOSED) if ready is None else (status == PROPOSED) & ready
    keys = np.where(candidates, rng.random(np.shape(status)), -1.0)
    pick = np.argmax(keys, axis=-1)
    opened = go & np.any(candidates, axis=-1)
    chosen = (np.arange(status.shape[-1]) == np.expand_dims(pick, -1)) & np.expand_dims(opened, -1)
    new_status = np.where(chosen, DORMANT, status)
    new_streak = np.where(np.expand_dims(opened, -1), 0, streak)
    return new_status, new_streak, np.asarray(opened)


def update_reputation(
    reputation: FloatArray, performance: FloatArray, status: IntArray, params: Parameters
) -> FloatArray:
    """City reputation: ``R <- R + reputation_rate * (mean performance of live programmes - R)``."""
    live = (status == ACTIVE) | (status == DORMANT)
    count = np.sum(live, axis=-1)
    mean = np.where(count > 0, np.sum(np.where(live, performance, 0.0), axis=-1) / np.maximum(count, 1), 0.0)
    return reputation + params.reputation_rate * (mean - reputation)


def partners_join(
    active: BoolArray, prospective: BoolArray, reputation: FloatArray, params: Parameters, rng: UniformSource
) -> tuple[BoolArray, BoolArray]:
    """Let prospective partners join, more often the better the city's reputation.

    Monthly probability ``partner_rate * clip((R - reputation_threshold) / (1 - reputation_threshold), 0, 1)``.

    Returns:
        (active, joined) by actor.
    """
    scale = np.clip((reputation - params.reputation_threshold) / (1.0 - params.reputation_threshold), 0.0, 1.0)
    chance = params.partner_rate * np.expand_dims(np.asarray(scale), -1)
    joined = prospective & ~active & (rng.random(np.shape(active)) < chance)
    return active | joined, joined


def open_partner_programmes(status: IntArray, joined: BoolArray, structure: Structure) -> IntArray:
    """A partner that joins brings its programmes to the table.

    Every ``proposed`` programme in which a partner that joined this month is a required
    participant becomes ``dormant``: it starts once its participants reach consensus. A programme
    that waits for a prospective partner is thus not live (it does not count as 0 in performance
    and reputation) until the partner has come.
    """
    required = ~structure.mem_optional & joined[..., structure.mem_actor]
    brought = segment_any(required, structure.mem_prog, structure.n_programmes)
    return np.where(brought & (status == PROPOSED), DORMANT, status)
