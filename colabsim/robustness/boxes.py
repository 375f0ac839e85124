"""Scenario discovery: the factor boxes in which an outcome of interest concentrates.

Two views of the same labelled sample (one point per factor combination, labelled by whether its
mean over replications is of interest, e.g. a success):

- PRIM, the patient rule induction method (Friedman & Fisher 1999), as the EMA Workbench implements
  it for scenario discovery (Bryant & Lempert 2010; Kwakkel 2017): it peels the factor space into
  ever smaller boxes, trading coverage (the share of the cases of interest inside the box) for
  density (the share of the box's points that are of interest). The box reported is the one on the
  peeling trajectory nearest to perfect coverage and density, without the restrictions whose
  quasi-p value (a one-sided binomial test of what the restriction adds; Bryant & Lempert 2010) is
  above 0.05: late peels that only trim noise. It is checked on held-out points, and its
  restrictions' reproducibility is measured by refitting PRIM on resamples.
- A classification tree (CART; Breiman et al. 1984; scikit-learn), whose leaves of interest are boxes
  too.

Both are imported when used: they come with the optional ``discovery`` extra
(``pip install -e .[discovery]``).
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Box", "DiscoveryUnavailableError", "box_rule", "box_sentence", "cart_boxes", "evaluate_box", "prim_box"]


class DiscoveryUnavailableError(ImportError):
    """The optional scenario-discovery libraries are not installed."""


def _optional(module: str) -> ModuleType:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the Workbench warns about parallel back-ends it does not need here
            return importlib.import_module(module)
    except ImportError:
        raise DiscoveryUnavailableError(
            f"scenario discovery needs {module.split('.')[0]}, from the optional extra: pip install -e '.[discovery]'"
        ) from None


@dataclass(frozen=True)
class Box:
    """A box of the factor space and how well it captures the cases of interest.

    Attributes:
        limits: Per restricted factor, its (low, high) limits; factors not listed are free.
        coverage: Share of the cases of interest (in the points it was fitted on) inside the box.
        density: Share of the box's points that are of interest.
        test_coverage: Coverage on the held-out points (NaN if not evaluated).
        test_density: Density on the held-out points (NaN if not evaluated).
        reproducibility: Per restricted factor, the percentage of PRIM fits on half-samples whose box of
            the same density restricts it too (None for a tree's box). Matching on density rather
            than coverage: near full coverage a resampled trajectory matches its unrestricted start.
        trajectory: PRIM's peeling trajectory (coverage, density, mass, res_dim per step; empty for a tree).
    """

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    test_coverage: float = float("nan")
    test_density: float = float("nan")
    reproducibility: dict[str, float] | None = None
    trajectory: pd.DataFrame | None = None


def _inside(x: pd.DataFrame, limits: dict[str, tuple[float, float]]) -> np.ndarray:
    mask = np.ones(len(x), dtype=bool)
    for name, (low, high) in limits.items():
        mask &= (x[name].to_numpy() >= low) & (x[name].to_numpy() <= high)
    return mask


def evaluate_box(x: pd.DataFrame, y: np.ndarray, limits: dict[str, tuple[float, float]]) -> tuple[float, float]:
    """Coverage and density of the box `limits` over the points `x` labelled `y` (True = of interest)."""
    inside = _inside(x, limits)
    interest = np.asarray(y, dtype=bool)
    coverage = float((inside & interest).sum() / interest.sum()) if interest.any() else float("nan")
    density = float((inside & interest).sum() / inside.sum()) if inside.any() else float("nan")
    return coverage, density


def _restricted(box_lims: pd.DataFrame, x: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The factors a PRIM box restricts, with an unrestricted side as an infinite limit."""
    limits = {}
    for name in box_lims.columns:
        low, high = float(box_lims[name].iloc[0]), float(box_lims[name].iloc[1])
        cut_low, cut_high = low > float(x[name].min()), high < float(x[name].max())
        if cut_low or cut_high:
            limits[str(name)] = (low if cut_low else -np.inf, high if cut_high else np.inf)
    return limits


def _significant(
    limits: dict[str, tuple[float, float]], quasi_p: dict[str, list[float]], level: float
) -> dict[str, tuple[float, float]]:
    """`limits` without the sides whose quasi-p value is above `level` (-1: a side PRIM left free)."""
    kept = {}
    for name, (low, high) in limits.items():
        p_low, p_high = quasi_p.get(name, [-1.0, -1.0])
        low = low if np.isfinite(low) and 0 <= p_low <= level else -np.inf
        high = high if np.isfinite(high) and 0 <= p_high <= level else np.inf
        if np.isfinite(low) or np.isfinite(high):
            kept[name] = (low, high)
    return kept


def prim_box(
    x: pd.DataFrame, y: np.ndarray, seed: int, held_out: float = 0.3, resamples: int = 10, significance: float = 0.05
) -> tuple[Box, np.ndarray]:
    """The PRIM box nearest to full coverage and density, its significant restrictions, checked on held-out points.

    Args:
        x: One row per point, one column per factor.
        y: True where the point is of interest.
        seed: Seed of the held-out split and of the resamples.
        held_out: Share of the points kept out of the fit to evaluate the box.
        resamples: PRIM refits on half-samples for the reproducibility of each restriction.
        significance: A restriction whose quasi-p value is above it is dropped from the box.

    Returns:
        The box and the mask of the points used for the fit.

    Raises:
        DiscoveryUnavailableError: If the EMA Workbench is not installed.
        ValueError: If no point, or every point, is of interest.
    """
    interest = np.asarray(y, dtype=bool)
    if not interest.any() or interest.all():
        share = "no point" if not interest.any() else "every point"
        raise ValueError(f"{share} of the sample is of interest: there is no box to find; change the threshold")
    prim = _optional("ema_workbench.analysis.prim")
    rng = np.random.default_rng(seed)
    train = rng.random(len(x)) >= held_out
    x_train = x.loc[train].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")  # the Workbench's pandas idiom
        found = prim.Prim(x_train, interest[train]).find_box()
        trajectory = found.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].reset_index(drop=True)
        distance = np.hypot(1 - trajectory["coverage"], 1 - trajectory["density"])
        chosen = int(distance.idxmin())
        limits = _significant(_restricted(found.box_lims[chosen], x_train), found.p_values[chosen], significance)
        scores = found.resample(chosen, iterations=resamples, rng=int(rng.integers(2**31)))
    coverage, density = evaluate_box(x_train, interest[train], limits)
    test_coverage, test_density = evaluate_box(x.loc[~train], interest[~train], limits)
    box = Box(
        limits=limits,
        coverage=coverage,
        density=density,
        test_coverage=test_coverage,
        test_density=test_density,
        reproducibility={name: float(scores.loc[name, "reproduce density"]) for name in limits},
        trajectory=trajectory.assign(chosen=trajectory.index == chosen),
    )
    return box, train


def cart_boxes(x: pd.DataFrame, y: np.ndarray, train: np.ndarray, seed: int, depth: int = 3) -> list[Box]:
    """The leaves of a classification tree that predict the outcome of interest, as boxes.

    The tree is fitted on the points `train` marks and each leaf is evaluated on the others.

    Raises:
        DiscoveryUnavailableError: If scikit-learn is not installed.
    """
    tree_module = _optional("sklearn.tree")
    interest = np.asarray(y, dtype=bool)
    leaf = max(5, int(0.05 * train.sum()))
    model: Any = tree_module.DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf, random_state=seed)
    model.fit(x.loc[train].to_numpy(), interest[train])
    tree = model.tree_
    names = [str(c) for c in x.columns]
    boxes: list[Box] = []

    def walk(node: int, limits: dict[str, tuple[float, float]]) -> None:
        if tree.children_left[node] == tree.children_right[node]:  # a leaf
            counts = tree.value[node][0]
            positive = list(model.classes_).index(True) if True in model.classes_ else None
            if positive is not None and counts[positive] / counts.sum() > 0.5:
                coverage, density = evaluate_box(x.loc[train], interest[train], limits)
                test_coverage, test_density = evaluate_box(x.loc[~train], interest[~train], limits)
                boxes.append(Box(dict(limits), coverage, density, test_coverage, test_density))
            return
        name, threshold = names[tree.feature[node]], float(tree.threshold[node])
        low, high = limits.get(name, (-np.inf, np.inf))
        walk(tree.children_left[node], {**limits, name: (low, min(high, threshold))})
        walk(tree.children_right[node], {**limits, name: (max(low, np.nextafter(threshold, np.inf)), high)})

    walk(0, {})
    return sorted(boxes, key=lambda b: -b.coverage)


def box_rule(limits: dict[str, tuple[float, float]]) -> str:
    """A box as a readable rule, e.g. ``legal_frame >= 0.55 and mediation >= 0.4``."""
    parts = []
    for name, (low, high) in limits.items():
        if np.isfinite(low) and np.isfinite(high):
            parts.append(f"{low:.2f} <= {name} <= {high:.2f}")
        elif np.isfinite(low):
            parts.append(f"{name} >= {low:.2f}")
        else:
            parts.append(f"{name} <= {high:.2f}")
    return " and ".join(parts) if parts else "anywhere"


def box_sentence(box: Box, outcome: str) -> str:
    """A box in words: its rule, density and coverage, held-out figures and reproducibility."""
    text = (
        f"**{box_rule(box.limits)}**: {outcome} in {box.density:.0%} of the points in the box, covering "
        f"{box.coverage:.0%} of all such points (held out: {box.test_density:.0%} and {box.test_coverage:.0%})"
    )
    if box.reproducibility:
        shown = ", ".join(f"`{name}` {share:.0f}%" for name, share in box.reproducibility.items())
        text += f"; each restriction found again in half-sample fits: {shown}"
    return text + "."
