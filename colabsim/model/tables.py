"""Tidy tables of a run's final state: actors, ties, and programme performance over time.

Shared by the Mesa model (`colabsim.model.collaboration`) and the batch engine (`colabsim.model.batch`), so a run's
tables look the same whichever ran it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from colabsim.model.engine import State
from colabsim.model.structure import KINDS, STRUCTURE_TIE_KINDS, Structure
from colabsim.scenario.schema import SIDES

__all__ = ["actors_table", "programmes_table", "ties_table"]


def actors_table(structure: Structure, state: State, capacity: np.ndarray) -> pd.DataFrame:
    """The actors of one run: id, name, kind, side, active, commitment, capacity."""
    s = structure
    return pd.DataFrame(
        {
            "actor": s.actor_ids,
            "name": s.actor_names,
            "kind": np.array(KINDS)[s.actor_kind],
            "side": np.array(SIDES)[s.actor_side],
            "active": state.active,
            "commitment": state.commitment,
            "capacity": np.broadcast_to(capacity, (s.n_actors,)),
        }
    )


def ties_table(structure: Structure, state: State) -> pd.DataFrame:
    """The ties of one run: source, target, kind, trust, understanding, months since contact."""
    s = structure
    ids = np.array(s.actor_ids)
    return pd.DataFrame(
        {
            "source": ids[s.tie_src],
            "target": ids[s.tie_dst],
            "kind": np.array(STRUCTURE_TIE_KINDS)[s.tie_kind],
            "trust": state.trust,
            "understanding": state.understanding,
            "since_contact": state.since_contact,
        }
    )


def programmes_table(structure: Structure, performance: np.ndarray) -> pd.DataFrame:
    """Monthly performance by programme (long format) from an array of shape (months, programmes)."""
    s = structure
    values = np.asarray(performance).reshape(-1, s.n_programmes)
    steps, progs = np.meshgrid(np.arange(values.shape[0]), np.arange(values.shape[1]), indexing="ij")
    return pd.DataFrame(
        {
            "step": steps.ravel(),
            "programme": np.array(s.programme_ids)[progs.ravel()],
            "sector": np.array(s.sectors)[s.prog_sector[progs.ravel()]],
            "performance": values.ravel(),
        }
    )
