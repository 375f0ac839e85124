"""Priors of the calibrated rule parameters: uniform, truncated normal, whole numbers, and Dirichlet groups.

A prior set maps a parameter vector ``theta`` (one column per free coordinate) to the rule
parameters a run gets (`PriorSet.parameters`), samples it, and gives its log density, which the
population Monte Carlo weights need (`colabsim.calibration.abc`). A whole-number parameter is a
continuous coordinate on ``[low - 0.5, high + 0.5)`` rounded to the nearest integer when it is
used, so its prior is uniform over the integers of its range and the sampler's Gaussian kernel
needs no special case. A group of weights that must sum to one (the CES `resource_weights`) is
a Dirichlet over its first ``k - 1`` shares, the last being one minus their sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from colabsim.scenario.parameters import Parameters

__all__ = ["Dirichlet", "Prior", "PriorSet", "ScalarPrior"]


@dataclass(frozen=True)
class ScalarPrior:
    """The prior of one scalar parameter.

    Attributes:
        name: The parameter (`Parameters` field).
        kind: ``uniform``, ``truncnormal`` or ``integer`` (uniform over the integers of the range).
        low: Lowest value (inclusive).
        high: Highest value (inclusive).
        mean: Centre of a truncated normal (before truncation); the range's middle otherwise.
        sd: Standard deviation of a truncated normal (before truncation); None otherwise.
    """

    name: str
    kind: str
    low: float
    high: float
    mean: float
    sd: float | None = None

    @property
    def coordinates(self) -> tuple[str, ...]:
        """The names of its coordinates in ``theta`` (one)."""
        return (self.name,)

    def _support(self) -> tuple[float, float]:
        return (self.low - 0.5, self.high + 0.5) if self.kind == "integer" else (self.low, self.high)

    def _truncnorm(self) -> stats.rv_continuous:
        sd = float(self.sd or 1.0)
        return stats.truncnorm((self.low - self.mean) / sd, (self.high - self.mean) / sd, loc=self.mean, scale=sd)

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """`count` draws, shape ``(count, 1)``."""
        if self.kind == "truncnormal":
            return self._truncnorm().rvs(size=count, random_state=rng).reshape(-1, 1)
        low, high = self._support()
        return rng.uniform(low, high, count).reshape(-1, 1)

    def logpdf(self, theta: np.ndarray) -> np.ndarray:
        """Log density of each row of ``theta`` (shape ``(n, 1)``); ``-inf`` outside the support."""
        x = theta[:, 0]
        low, high = self._support()
        inside = (x >= low) & ((x < high) if self.kind == "integer" else (x <= high))
        if self.kind == "truncnormal":
            density = np.where(inside, self._truncnorm().logpdf(np.clip(x, low, high)), -np.inf)
        else:
            density = np.where(inside, -np.log(high - low), -np.inf)
        return np.asarray(density, dtype=np.float64)

    def values(self, theta: np.ndarray) -> list[float | int]:
        """The parameter's value for each row (integers rounded)."""
        x = theta[:, 0]
        if self.kind == "integer":
            return [int(v) for v in np.clip(np.rint(x), self.low, self.high)]
        return [float(v) for v in x]


@dataclass(frozen=True)
class Dirichlet:
    """A Dirichlet prior over a parameter of weights that sum to one (a tuple field of `Parameters`).

    Attributes:
        name: The parameter (e.g. ``resource_weights``).
        alpha: Concentrations, one per weight; centred on the documented weights when
            ``alpha = concentration * weights``.
        labels: A name per weight (for tables), e.g. ``funds``.
    """

    name: str
    alpha: tuple[float, ...]
    labels: tuple[str, ...]

    @property
    def coordinates(self) -> tuple[str, ...]:
        """The names of its free coordinates in ``theta``: all weights but the last."""
        return tuple(f"{self.name}.{label}" for label in self.labels[:-1])

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """`count` draws of the free shares, shape ``(count, k - 1)``."""
        return rng.dirichlet(np.asarray(self.alpha), count)[:, :-1]

    def logpdf(self, theta: np.ndarray) -> np.ndarray:
        """Log density of the free shares (the last is one minus their sum); ``-inf`` off the simplex."""
        full = np.column_stack([theta, 1.0 - theta.sum(axis=1)])
        inside = (full > 0).all(axis=1)
        alpha = np.asarray(self.alpha)
        norm = special.gammaln(alpha.sum()) - special.gammaln(alpha).sum()
        logs = np.log(np.where(full > 0, full, 1.0))
        return np.where(inside, norm + (logs * (alpha - 1)).sum(axis=1), -np.inf)

    def values(self, theta: np.ndarray) -> list[tuple[float, ...]]:
        """The weight tuple for each row."""
        full = np.column_stack([theta, 1.0 - theta.sum(axis=1)])
        return [tuple(float(v) for v in row) for row in full]


Prior = ScalarPrior | Dirichlet


@dataclass(frozen=True)
class PriorSet:
    """The priors of every calibrated parameter, in the order of ``theta``'s columns.

    Attributes:
        priors: One per calibrated parameter.
    """

    priors: tuple[Prior, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The calibrated parameters."""
        return tuple(p.name for p in self.priors)

    @property
    def coordinates(self) -> tuple[str, ...]:
        """The columns of ``theta``."""
        return tuple(c for p in self.priors for c in p.coordinates)

    def _blocks(self) -> list[tuple[Prior, slice]]:
        blocks, first = [], 0
        for prior in self.priors:
            width = len(prior.coordinates)
            blocks.append((prior, slice(first, first + width)))
            first += width
        return blocks

    def sample(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """`count` draws from the joint prior (independent parameters), shape ``(count, coordinates)``."""
        return np.column_stack([prior.sample(rng, count) for prior in self.priors])

    def logpdf(self, theta: np.ndarray) -> np.ndarray:
        """Joint log density of each row of ``theta``."""
        total = np.zeros(len(theta))
        for prior, columns in self._blocks():
            total += prior.logpdf(theta[:, columns])
        return total

    def values(self, theta: np.ndarray) -> list[dict[str, float | int | tuple[float, ...]]]:
        """Each row of ``theta`` as parameter values by name (integers rounded, weights as tuples)."""
        rows: list[dict[str, float | int | tuple[float, ...]]] = [{} for _ in range(len(theta))]
        for prior, columns in self._blocks():
            for row, value in zip(rows, prior.values(theta[:, columns]), strict=True):
                row[prior.name] = value
        return rows

    def parameters(self, theta: np.ndarray, base: Parameters) -> list[Parameters]:
        """Each row of ``theta`` set on top of `base` (the fixed parameters at their values)."""
        return [base.updated(values) for values in self.values(theta)]

    def rows(self) -> list[dict[str, Any]]:
        """Each prior as a plain mapping (what ``priors.json`` records and the priors' hash is of)."""
        return [dict(vars(p)) for p in self.priors]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]]) -> PriorSet:
        """The prior set `rows` describes (the inverse of `rows`).

        Raises:
            TypeError: If a row is neither a scalar prior's nor a Dirichlet's.
        """
        priors: list[Prior] = []
        for row in rows:
            if "alpha" in row:
                priors.append(Dirichlet(row["name"], tuple(row["alpha"]), tuple(row["labels"])))
            else:
                priors.append(ScalarPrior(**row))
        return cls(tuple(priors))

    def fixed(self, names: Iterable[str]) -> PriorSet:
        """The same priors without those of `names` (parameters a submodel fixes)."""
        return PriorSet(tuple(p for p in self.priors if p.name not in set(names)))
