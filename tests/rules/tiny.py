"""A hand-made four-actor structure, and explicit inputs, for the rules' known-answer tests.

The known answers are worked out by hand from the equations in the rules' docstrings (docs/ODD.md
section 7), so the structure is small enough to follow on paper:

- ``city`` (agency: local, a public body, one of the city's own agencies; capacity from the
  scenario's ``admin_capacity``), ``partner`` (municipality: foreign, public, capacity 0.9),
  ``ssva`` (foundation: bridging, the mediator, capacity 0.8), ``uni`` (university: local,
  capacity 0.3, leader turnover 0.2 of its own).
- Direct ties, both ways: city-partner formal (the only border tie that is direct), city-ssva
  informal, partner-ssva kinship, ssva-uni formal, city-uni informal (within the local side).
- Programmes: ``eye`` (city, partner, ssva required; uni optional), ``school`` (uni, partner) and
  ``market`` (city, ssva: no foreign member, so not international).
- uni and partner share programmes but have no tie: the structure adds a latent tie each way (a
  structural hole), which ssva can bridge since both ends have a tie to it. ssva also brokers
  city-partner. Ties to ssva have no broker (the broker would be an end).

Every tie is looked up by its ends (`edge`) and every membership by programme and actor
(`member`), never by a hard-coded index. `explicit_params` and `explicit_levels` fill everything
not given with NaN, so a known answer cannot lean on a default value (another session may retune
the defaults): a rule that reads a value the test did not set returns NaN and the test fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from colabsim.model.structure import Structure, build_structure
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import scenario_from_dict
from colabsim.scenario.parameters import Parameters

__all__ = [
    "ACTORS",
    "TINY",
    "TINY_SCENARIO",
    "by_actor",
    "edge",
    "explicit_levels",
    "explicit_params",
    "member",
    "members_array",
    "ties_array",
]

ACTORS = ("city", "partner", "ssva", "uni")

TINY_SCENARIO: dict[str, Any] = {
    "scenario": {"name": "tiny", "start": "2020-01", "horizon_years": 1},
    "actors": [
        {
            "id": "city",
            "name": "City office",
            "kind": "agency",
            "endowment": {"funds": 0.5, "materials": 0.5, "people": 0.5, "time": 0.5},
        },
        {
            "id": "partner",
            "name": "Partner city",
            "kind": "municipality",
            "capacity": 0.9,
            "funded": False,
            "status": "prospective",
            "endowment": {"funds": 1.0, "materials": 0.5, "people": 0.25, "time": 0.75},
        },
        {
            "id": "ssva",
            "name": "Foundation",
            "kind": "foundation",
            "capacity": 0.8,
            "endowment": {"funds": 0.25, "materials": 0.25, "people": 1.0, "time": 1.0},
        },
        {
            "id": "uni",
            "name": "University",
            "kind": "university",
            "capacity": 0.3,
            "turnover": 0.2,
            "endowment": {"funds": 0.5, "materials": 0.5, "people": 0.5, "time": 0.5},
        },
    ],
    "ties": [
        {"source": "city", "target": "partner", "kind": "formal", "mutual": True},
        {"source": "city", "target": "ssva", "kind": "informal", "mutual": True},
        {"source": "partner", "target": "ssva", "kind": "kinship", "mutual": True},
        {"source": "ssva", "target": "uni", "kind": "formal", "mutual": True},
        {"source": "city", "target": "uni", "kind": "informal", "mutual": True},
    ],
    "programmes": [
        {
            "id": "eye",
            "name": "Eye care",
            "sector": "health",
            "participants": ["city", "partner", "ssva"],
            "optional": ["uni"],
        },
        {"id": "school", "name": "Schools", "sector": "education", "participants": ["uni", "partner"]},
        {"id": "market", "name": "Market", "sector": "tourism", "participants": ["city", "ssva"]},
    ],
}

TINY: Structure = build_structure(scenario_from_dict(TINY_SCENARIO).spec)


def edge(source: str, target: str, structure: Structure = TINY) -> int:
    """Index of the directed tie ``source -> target``."""
    i, j = structure.actor_ids.index(source), structure.actor_ids.index(target)
    (found,) = np.flatnonzero((structure.tie_src == i) & (structure.tie_dst == j))
    return int(found)


def member(programme: str, actor: str, structure: Structure = TINY) -> int:
    """Index of `actor`'s membership in `programme`."""
    p, i = structure.programme_ids.index(programme), structure.actor_ids.index(actor)
    (found,) = np.flatnonzero((structure.mem_prog == p) & (structure.mem_actor == i))
    return int(found)


def _named(n: int, locate: Callable[[str, str], int], default: Any, named: dict[str, Any]) -> np.ndarray:
    values = np.full(n, default)
    for name, value in named.items():
        first, second = name.split("__")
        values[locate(first, second)] = value
    return values


def ties_array(default: float, structure: Structure = TINY, **by_tie: float) -> np.ndarray:
    """A value per tie: `default`, except ties named ``source__target`` (e.g. ``city__partner=0.2``)."""
    return _named(structure.n_ties, lambda a, b: edge(a, b, structure), default, by_tie)


def members_array(default: Any, structure: Structure = TINY, **by_member: Any) -> np.ndarray:
    """A value per membership: `default`, except those named ``programme__actor`` (e.g. ``eye__uni=False``)."""
    return _named(structure.n_members, lambda p, a: member(p, a, structure), default, by_member)


def by_actor(values: np.ndarray, structure: Structure = TINY) -> dict[str, Any]:
    """Per-actor values as a mapping from actor id (for readable comparisons)."""
    return {a: values[..., i].tolist() for i, a in enumerate(structure.actor_ids)}


def explicit_params(**values: Any) -> Parameters:
    """Parameters with `values` set and every other field NaN (so no default can leak in)."""
    nan_fields: dict[str, Any] = {name: math.nan for name in Parameters.names()}
    nan_fields["resource_weights"] = (math.nan,) * 4
    return Parameters(**(nan_fields | values))


def explicit_levels(**values: float) -> dict[str, float]:
    """Factor levels with `values` set and every other factor NaN."""
    unknown = set(values) - set(FACTORS)
    if unknown:
        raise KeyError(f"not factors: {sorted(unknown)}")
    return {name: values.get(name, math.nan) for name in FACTORS}
