"""Sampling codings: a Latin hypercube over the coded ranges, one dimension per co-moving group.

Each scenario codes some factors with a plausible range and the distribution meant on it (uniform,
or triangular peaked at the coded value). Factors coded from the same sentence of the study share a
group and move together: they take the same quantile of their own ranges. A group may span
scenarios (docs/coding.md: one sentence about both sister cities codes their central support), and
then it moves together in every arm that codes it: one reading of a sentence holds for every case
it codes. Each group, and each ungrouped factor of each arm, is one dimension of a Latin hypercube
(McKay, Beckman & Conover 1979; `scipy.stats.qmc`), whose uniform coordinates are turned into
values by each range's quantile function.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats
from scipy.stats import qmc

from colabsim.experiments.experiment import run_seed
from colabsim.scenario.schema import FactorCoding

__all__ = [
    "BOOTSTRAP_STREAM",
    "SAMPLING_STREAM",
    "coding_dimensions",
    "coding_quantile",
    "sample_codings",
    "sampled_dimensions",
    "stream_seed",
]

#: Spawn keys of the sampling's and the bootstrap's own streams, apart from the runs' (run ``k`` of a
#: study has spawn key ``k``; `colabsim.experiments.experiment.run_seed`).
SAMPLING_STREAM = 2**32 - 3
BOOTSTRAP_STREAM = 2**32 - 4


def stream_seed(root: int, stream: int) -> int:
    """The seed of an analysis's own random stream `stream` under the root seed `root`."""
    return run_seed(root, stream) % (2**32)


def coding_dimensions(codings: Mapping[str, FactorCoding]) -> list[tuple[str, ...]]:
    """The sampling dimensions of one scenario: each group's factors together, each other factor alone.

    Dimensions come in the order their first factor appears in `codings`.
    """
    dimensions: dict[str, list[str]] = {}
    for name, coding in codings.items():
        dimensions.setdefault(coding.group if coding.group is not None else f"factor:{name}", []).append(name)
    return [tuple(names) for names in dimensions.values()]


def sampled_dimensions(arms: Mapping[str, Mapping[str, FactorCoding]]) -> dict[str, list[tuple[str, str]]]:
    """The dimensions of a sample over several arms: each group (in every arm that codes it), each other factor.

    Returns:
        Per dimension, named by its group (``group:NAME``) or by its one factor (``ARM.FACTOR``), its
        members as (arm, factor), in the order their first member appears.
    """
    layout: dict[str, list[tuple[str, str]]] = {}
    for arm, coded in arms.items():
        for name, coding in coded.items():
            key = f"group:{coding.group}" if coding.group is not None else f"{arm}.{name}"
            layout.setdefault(key, []).append((arm, name))
    return layout


def coding_quantile(coding: FactorCoding, u: NDArray[np.float64]) -> NDArray[np.float64]:
    """Values of a coded factor at uniform quantiles `u` of its range's distribution.

    ``uniform`` maps `u` linearly onto the range; ``triangular`` is peaked at the coded value
    (scipy's ``triang`` with its mode at the value). A range of zero width gives the value.
    """
    low, high = coding.range
    u = np.asarray(u, dtype=np.float64)
    if high <= low:
        return np.full_like(u, coding.value)
    if coding.distribution == "uniform":
        return low + u * (high - low)
    mode = (coding.value - low) / (high - low)
    return np.asarray(stats.triang.ppf(u, mode, loc=low, scale=high - low), dtype=np.float64)


def sample_codings(arms: Mapping[str, Mapping[str, FactorCoding]], codings: int, seed: int) -> dict[str, pd.DataFrame]:
    """Draw `codings` codings of every arm's coded factors together.

    Args:
        arms: Per arm (e.g. ``strong``, ``weak``), its coded factors by name.
        codings: How many codings to draw.
        seed: Seed of the Latin hypercube.

    Returns:
        Per arm, a table with one row per coding and one column per coded factor. Factors of one
        group take the same quantile of their own ranges, in every arm that codes the group.
    """
    layout = sampled_dimensions(arms)
    if not layout:
        return {arm: pd.DataFrame(index=range(codings)) for arm in arms}
    unit = qmc.LatinHypercube(d=len(layout), rng=np.random.default_rng(seed)).random(codings)
    columns: dict[str, dict[str, NDArray[np.float64]]] = {arm: {} for arm in arms}
    for j, members in enumerate(layout.values()):
        for arm, name in members:
            columns[arm][name] = coding_quantile(arms[arm][name], unit[:, j])
    return {arm: pd.DataFrame({name: columns[arm][name] for name in arms[arm]}, index=range(codings)) for arm in arms}
