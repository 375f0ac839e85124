"""The factors of an analysis, their ranges and (optionally) groups, as SALib wants them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from colabsim.scenario.factors import FACTORS

__all__ = ["Problem", "registry_problem"]


@dataclass(frozen=True)
class Problem:
    """Named inputs with ranges; `groups` (one label per input) asks for group indices.

    Attributes:
        names: Input names.
        bounds: (low, high) of each input.
        groups: Group label of each input, or None for indices per input.
    """

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    groups: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        """Check that names, bounds and groups line up."""
        if len(self.names) != len(self.bounds) or (self.groups is not None and len(self.groups) != len(self.names)):
            raise ValueError("names, bounds and groups must have one entry per input")
        for name, (low, high) in zip(self.names, self.bounds, strict=True):
            if not low < high:
                raise ValueError(f"input {name!r} needs low < high, got ({low}, {high})")

    @property
    def labels(self) -> list[str]:
        """What indices are reported for: the groups (in first-seen order) or the inputs."""
        return list(dict.fromkeys(self.groups)) if self.groups is not None else list(self.names)

    def salib(self) -> dict[str, Any]:
        """The SALib problem dictionary."""
        problem: dict[str, Any] = {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }
        if self.groups is not None:
            problem["groups"] = list(self.groups)
        return problem


def registry_problem(ranges: Mapping[str, Sequence[float]], group_by_dimension: bool = False) -> Problem:
    """A problem over registered factors, optionally grouped by their dimension (the study's question).

    Raises:
        KeyError: If a name is not a registered factor.
    """
    for name in ranges:
        if name not in FACTORS:
            raise KeyError(f"unknown factor {name!r}; known factors: {', '.join(FACTORS)}")
    names = tuple(ranges)
    bounds = tuple((float(r[0]), float(r[1])) for r in ranges.values())
    groups = tuple(FACTORS[n].dimension for n in names) if group_by_dimension else None
    return Problem(names, bounds, groups)
