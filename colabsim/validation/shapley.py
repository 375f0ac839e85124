"""Exact Shapley values of a game given on every coalition, per seed (so they carry CIs).

Shapley (1953): player i's value is its marginal contribution averaged over every order in which
the players could join, ``phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! *
(v(S + i) - v(S))``. The values add up to ``v(all) - v(none)``. Given a coalition's value per seed
(common seeds), the Shapley values per seed are the same linear combination, so their mean gets
an ordinary CI.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import combinations
from math import factorial

import numpy as np

__all__ = ["coalitions", "shapley_values"]


def coalitions(players: Sequence[str]) -> Iterator[frozenset[str]]:
    """Every subset of `players`, from the empty one up."""
    for size in range(len(players) + 1):
        for chosen in combinations(players, size):
            yield frozenset(chosen)


def shapley_values(players: Sequence[str], value: Mapping[frozenset[str], np.ndarray]) -> dict[str, np.ndarray]:
    """Each player's Shapley value, elementwise over the arrays of `value` (e.g. one entry per seed).

    Raises:
        KeyError: If a coalition's value is missing.
    """
    n = len(players)
    weights = [factorial(size) * factorial(n - size - 1) / factorial(n) for size in range(n)]
    result = {}
    for player in players:
        others = [p for p in players if p != player]
        total = np.zeros_like(np.asarray(value[frozenset()], dtype=np.float64))
        for coalition in coalitions(others):
            total = total + weights[len(coalition)] * (value[coalition | {player}] - value[coalition])
        result[player] = total
    return result
