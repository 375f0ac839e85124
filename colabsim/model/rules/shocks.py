"""Process 1 (events): random leadership turnover.

Mechanism: leadership and staff rotation is frequent in Indonesian local government and breaks the
person-bound part of a collaboration. When an actor's leader changes, the shared understanding
built on its ties is partly lost, and its commitment moves toward a newcomer's: the institutional
baseline, which facilitative leadership helps to bring on board (Ansell & Gash 2008: commitment
and shared understanding are built in the process and are fragile; Emerson, Nabatchi & Balogh
2012: "shared motivation" depends on the people at the table). Turnover thus erodes strong
collaborations and may give a collapsed one a fresh start.
"""

from __future__ import annotations

import numpy as np

from colabsim.model.rules.common import BoolArray, FloatArray, Levels, UniformSource
from colabsim.scenario.parameters import Parameters

__all__ = ["leadership_turnover", "newcomer_commitment", "turnover_level"]


def turnover_level(override: FloatArray, levels: Levels) -> FloatArray:
    """Each actor's turnover factor: its own value if the scenario gives one, else the scenario's.

    ``turnover_i = override_i if set else turnover``.
    """
    return np.where(np.isnan(override), levels["turnover"], override)


def newcomer_commitment(baseline: FloatArray, levels: Levels) -> FloatArray:
    """Commitment of a new leader: ``baseline_i * (0.5 + 0.5 * leadership)``.

    ``baseline_i`` is the actor's own commitment value if the scenario gives one, else the
    commitment factor.
    """
    return baseline * (0.5 + 0.5 * np.asarray(levels["leadership"]))


def leadership_turnover(
    commitment: FloatArray,
    understanding: FloatArray,
    active: BoolArray,
    newcomer: FloatArray,
    turnover: FloatArray,
    tie_ends: tuple[np.ndarray, np.ndarray],
    params: Parameters,
    rng: UniformSource,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Draw leadership changes and apply them.

    An active actor i changes leader with probability ``turnover_rate * turnover_i`` this month.
    A change sets ``c_i <- (1 - turnover_loss) * c_i + turnover_loss * newcomer_i`` and multiplies
    the shared understanding of every tie touching i, in either direction, by ``1 - turnover_loss``.

    Args:
        commitment: Commitment by actor, shape ``(..., N)``.
        understanding: Shared understanding by tie, shape ``(..., E)``.
        active: Which actors are present, shape ``(..., N)``.
        newcomer: A newcomer's commitment by actor (see `newcomer_commitment`).
        turnover: Turnover level by actor (see `turnover_level`), broadcastable to ``(..., N)``.
        tie_ends: (source, target) actor index of each tie, each shape ``(E,)``.
        params: Rule parameters.
        rng: Source of uniform draws.

    Returns:
        New commitment, new understanding, and which actors changed leader.
    """
    src, dst = tie_ends
    draws = rng.random(np.shape(commitment))
    changed = active & (draws < params.turnover_rate * turnover)
    loss = params.turnover_loss
    new_commitment = np.where(changed, (1.0 - loss) * commitment + loss * newcomer, commitment)
    touched = changed[..., src] | changed[..., dst]
    new_understanding = np.where(touched, understanding * (1.0 - loss), understanding)
    return new_commitment, new_understanding, changed
