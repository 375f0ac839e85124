"""Synthetic scenarios of any size: provincial or national collaboration networks.

The study's scenarios have tens of actors; a province or a national programme has thousands. This
module builds a valid scenario of `n_actors` actors on a clustered scale-free network (Holme & Kim
2002, networkx's ``powerlaw_cluster_graph``): agencies, foreign partners, mediating foundations,
universities and donors in several sectors, with programmes formed around a convening actor and
its neighbours. Everything is drawn from one seeded generator, so the same arguments give the same
scenario. It serves scale tests and benchmarks, and is a starting point for studies of large
networks.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

from colabsim.scenario.loader import Scenario, scenario_from_dict

__all__ = ["synthetic_scenario"]

_SECTORS = ("health", "education", "environment", "tourism", "water", "music")
_KINDS = ("agency", "municipality", "foundation", "university", "donor")
_KIND_SHARES = (0.6, 0.2, 0.08, 0.07, 0.05)
_TIE_KINDS = ("formal", "informal", "kinship")
_TIE_SHARES = (0.7, 0.25, 0.05)


def synthetic_scenario(
    n_actors: int, seed: int, mean_degree: int = 6, programme_size: int = 8, horizon_years: int = 10
) -> Scenario:
    """Build a synthetic scenario.

    Args:
        n_actors: Number of actors (at least 10).
        seed: Seed of the generator that draws kinds, sectors, ties and programmes.
        mean_degree: Mean number of ties per actor (directed ties are twice the undirected edges).
        programme_size: Members per programme (a convener and its neighbours).
        horizon_years: Years to simulate.

    Returns:
        A validated scenario with explicit ties and one programme per ``programme_size`` actors.

    Raises:
        ValueError: If the sizes are too small to make a network.
    """
    if n_actors < 10 or mean_degree < 2 or programme_size < 2:
        raise ValueError("need n_actors >= 10, mean_degree >= 2 and programme_size >= 2")
    rng = np.random.default_rng(seed)
    kinds = rng.choice(len(_KINDS), size=n_actors, p=_KIND_SHARES)
    graph = nx.powerlaw_cluster_graph(n_actors, max(1, mean_degree // 2), 0.3, seed=int(rng.integers(2**31)))
    actors: list[dict[str, Any]] = []
    for i in range(n_actors):
        sectors = rng.choice(len(_SECTORS), size=int(rng.integers(1, 3)), replace=False)
        actors.append(
            {
                "id": f"a{i}",
                "name": f"{_KINDS[kinds[i]].capitalize()} {i}",
                "kind": _KINDS[kinds[i]],
                "sectors": sorted(_SECTORS[s] for s in sectors),
            }
        )
    tie_kinds = rng.choice(len(_TIE_KINDS), size=graph.number_of_edges(), p=_TIE_SHARES)
    ties = [
        {"source": f"a{u}", "target": f"a{v}", "kind": _TIE_KINDS[k]}
        for (u, v), k in zip(graph.edges(), tie_kinds, strict=True)
    ]
    programmes = []
    conveners = rng.choice(n_actors, size=max(1, n_actors // programme_size), replace=False)
    for p, convener in enumerate(conveners):
        neighbours = list(graph.neighbors(int(convener)))
        rng.shuffle(neighbours)
        members = [int(convener), *neighbours[: programme_size - 1]]
        programmes.append(
            {
                "id": f"p{p}",
                "name": f"Programme {p}",
                "sector": actors[int(convener)]["sectors"][0],
                "participants": [f"a{m}" for m in members],
                "status": "active" if rng.random() < 0.7 else "proposed",
                "need": float(len(members)) / 4.0,
            }
        )
    raw = {
        "scenario": {
            "name": f"Synthetic network of {n_actors} actors (seed {seed})",
            "start": "2020-01",
            "horizon_years": horizon_years,
        },
        "actors": actors,
        "ties": ties,
        "programmes": programmes,
    }
    return scenario_from_dict(raw)
