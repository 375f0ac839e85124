"""The calibration targets: P1-P3 in Vlissingen and Darwin as two-sided bands, and the distance to them.

Each target is a pattern statistic of `colabsim.validation.patterns` with a band on its **point
estimate** over a fixed number of replications per particle. The distance of a particle is its
largest band violation in units of the band's width (on the log scale for the Vlissingen/Darwin
ratio of P1): 0 when every band is met, 0.5 when the worst statistic lies half a band's width
outside its band. Where the study's band is one-sided, the second side chosen here is written
with its reason (`Target.note`); a caller may replace any band (`with_bands`).

`p1_apart` (Vlissingen above Darwin, Welch) is no target of its own: a ratio of at least 2 implies it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Literal

import numpy as np

from colabsim.validation.patterns import criterion

__all__ = ["DEFAULT_TARGETS", "STATISTICS", "Target", "bands_hash", "distances", "violations", "with_bands"]


@dataclass(frozen=True)
class Target:
    """A statistic and the band its point estimate must lie in.

    Attributes:
        key: The pattern criterion (`colabsim.validation.patterns.criterion`).
        pattern: ``P1``, ``P2`` or ``P3``.
        statistic: What is measured, in words.
        low: Lowest allowed value.
        high: Highest allowed value.
        scale: ``log`` when violations are measured on the log scale (ratios), else ``linear``.
        note: Where the band comes from, and for a side the study's band leaves open, why it is there.
    """

    key: str
    pattern: str
    statistic: str
    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"
    note: str = ""

    def violation(self, values: np.ndarray) -> np.ndarray:
        """How far each value lies outside the band, in band widths (0 inside; inf for NaN or a bad ratio)."""
        x = np.asarray(values, dtype=np.float64)
        low, high = self.low, self.high
        if self.scale == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                x = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), -np.inf)
            low, high = float(np.log(low)), float(np.log(high))
        outside = np.maximum(np.maximum(low - x, x - high), 0.0) / (high - low)
        return np.where(np.isnan(outside), np.inf, outside)

    def text(self) -> str:
        """The band in words, e.g. ``[0.05, 0.45]`` or ``[2, 10] (log scale)``."""
        return f"[{self.low:g}, {self.high:g}]" + (" (log scale)" if self.scale == "log" else "")


def _from_patterns(key: str, pattern: str, scale: Literal["linear", "log"] = "linear") -> Target:
    item = criterion(key)
    if item.band.low is None or item.band.high is None:
        raise ValueError(f"{key}: the band is one-sided; give its second side")
    return Target(key, pattern, item.statistic, item.band.low, item.band.high, scale, "the study's band (patterns.py)")


def _one_sided(key: str, pattern: str, other: float, note: str) -> Target:
    item = criterion(key)
    low = item.band.low if item.band.low is not None else other
    high = item.band.high if item.band.high is not None else other
    return Target(key, pattern, item.statistic, low, high, "linear", note)


#: The targets, in the order of the statistics the simulator returns.
DEFAULT_TARGETS: tuple[Target, ...] = (
    _from_patterns("p1_darwin_level", "P1"),
    _one_sided("p1_darwin_alive", "P1", 0.0, "patterns.py's band is at most 0.1; a share of runs cannot be below 0"),
    _from_patterns("p1_ratio", "P1", "log"),
    _one_sided(
        "p2_drop_share",
        "P2",
        0.45,
        "patterns.py asks at least 15%; upper side chosen here: under half of Vlissingen's performance, "
        "since the study names mediation as one of six determinants of Vlissingen's success and the "
        "foundation's resources are kept, so its brokerage and facilitation alone cannot carry most of it",
    ),
    _one_sided(
        "p3_closed_share",
        "P3",
        0.75,
        "patterns.py asks at least 30%; upper side chosen here: at most three quarters of the gap, since the "
        "recommendations do not touch Darwin's short history and missing kinship ties (the environment), so "
        "the reformed Darwin stays clearly short of Vlissingen",
    ),
)

#: The statistics the simulator computes (the targets' keys).
STATISTICS: tuple[str, ...] = tuple(t.key for t in DEFAULT_TARGETS)


def with_bands(
    targets: tuple[Target, ...], bands: Mapping[str, tuple[float, float]], note: str = "set in the calibration file"
) -> tuple[Target, ...]:
    """The targets with some bands replaced, ``{key: (low, high)}``, each with `note` saying where it comes from.

    Raises:
        KeyError: If a key is not a target.
    """
    known = {t.key for t in targets}
    unknown = sorted(set(bands) - known)
    if unknown:
        raise KeyError(f"unknown target(s) {', '.join(unknown)}; the targets are {', '.join(sorted(known))}")
    return tuple(
        replace(t, low=bands[t.key][0], high=bands[t.key][1], note=note) if t.key in bands else t for t in targets
    )


def violations(targets: tuple[Target, ...], statistics: Mapping[str, np.ndarray]) -> np.ndarray:
    """Each target's violation per particle, shape ``(particles, targets)``."""
    return np.column_stack([t.violation(statistics[t.key]) for t in targets])


def distances(targets: tuple[Target, ...], statistics: Mapping[str, np.ndarray]) -> np.ndarray:
    """The largest violation per particle (0: every band met)."""
    return violations(targets, statistics).max(axis=1)


def bands_hash(targets: tuple[Target, ...]) -> str:
    """SHA-256 of the bands (keys, bounds, scales): a posterior is conditional on exactly these."""
    rows = [{k: v for k, v in asdict(t).items() if k in ("key", "low", "high", "scale")} for t in targets]
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()
