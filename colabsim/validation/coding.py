"""The coding swap (issue 14, item 4): does P1 come from the factors, the structure, or one factor alone?

Each of the two study scenarios has a structure (actors, ties, programmes, timeline) and a coding
of the 19 factors. The swap runs each structure with the other's factors (as start values: the
timeline's events still change them). The gap in mean performance between Vlissingen and Darwin
is then split exactly among the structure and the factor groups of each dimension by Shapley
values over all 2^k combinations (`colabsim.validation.shapley`), on common seeds, over the
evaluation window. And each factor is swapped alone, both ways, to see that no single factor
decides P1: none closes (or opens) half the gap by itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colabsim.experiments.progress import ProgressCallback
from colabsim.scenario.factors import FACTORS
from colabsim.stats import Estimate, mean_ci
from colabsim.validation.runs import Arm, run_arms, window_means
from colabsim.validation.shapley import coalitions, shapley_values
from colabsim.validation.study import Study
from colabsim.validation.windows import STUDY_WINDOW, Window

__all__ = ["DECISIVE_SHARE", "STRUCTURE", "CodingSwap", "coding_swap"]

#: The player standing for everything but the factor values.
STRUCTURE = "structure"
#: A factor that closes or opens this share of the gap alone decides P1 alone.
DECISIVE_SHARE = 0.5


@dataclass(frozen=True)
class CodingSwap:
    """The results of the coding swap.

    Attributes:
        strong, weak: File stems of the pair (``vlissingen``, ``darwin``).
        levels: Mean performance (with CI) of the four corners: ``strong``, ``weak``,
            ``weak structure, strong factors`` and ``strong structure, weak factors``.
        shapley: Per player (the structure and each dimension): Shapley value with CI and its
            share of the gap.
        single: Per factor: the gap share it closes swapped alone into the weak scenario
            (``closes``) and opens swapped alone out of the strong one (``opens``), with CIs.
        gap: The strong minus the weak mean performance.
    """

    strong: str
    weak: str
    levels: dict[str, Estimate]
    shapley: pd.DataFrame
    single: pd.DataFrame
    gap: float

    @property
    def decisive(self) -> list[str]:
        """Factors that alone close or open at least `DECISIVE_SHARE` of the gap."""
        top = self.single[["closes", "opens"]].max(axis=1)
        return self.single.loc[top >= DECISIVE_SHARE, "factor"].tolist()


def _dimensions() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for factor in FACTORS.values():
        groups.setdefault(factor.dimension, []).append(factor.name)
    return groups


def coding_swap(
    study: Study,
    seeds: Sequence[int],
    single_seeds: Sequence[int] | None = None,
    pair: tuple[str, str] = ("vlissingen", "darwin"),
    window: Window | None = STUDY_WINDOW,
    progress: ProgressCallback | None = None,
) -> CodingSwap:
    """Run the swap: the 2^k corners of structure and dimension groups, and each factor alone.

    Args:
        study: The study's scenarios.
        seeds: Common seeds of the 2^k combinations.
        single_seeds: Common seeds of the single-factor swaps (default `seeds`).
        pair: The strong and the weak scenario.
        window: Evaluation window (the structure's calendar months).
        progress: Receives the runs done as phase ``coding swap``.
    """
    strong, weak = pair
    chosen = tuple(int(s) for s in seeds)
    alone = tuple(int(s) for s in (single_seeds if single_seeds is not None else seeds))
    codings = {strong: study[strong].factors, weak: study[weak].factors}
    groups = _dimensions()
    players = [STRUCTURE, *groups]
    corners = list(coalitions(players))
    arms = []
    for coalition in corners:
        values = {f: codings[strong if d in coalition else weak][f] for d, members in groups.items() for f in members}
        arms.append(Arm(study[strong if STRUCTURE in coalition else weak], chosen, start_values=values))
    for factor in FACTORS:
        arms.append(Arm(study[weak], alone, start_values={factor: codings[strong][factor]}))
        arms.append(Arm(study[strong], alone, start_values={factor: codings[weak][factor]}))
    arms += [Arm(study[weak], alone), Arm(study[strong], alone)]
    results = run_arms(arms, window_means({"w": window}), progress, "coding swap")
    value = {coalition: results[k]["w"] for k, coalition in enumerate(corners)}
    gap = float(np.mean(value[frozenset(players)] - value[frozenset()]))
    phi = shapley_values(players, value)
    shapley = pd.DataFrame(
        [
            {"player": p, "members": ", ".join(groups.get(p, ["actors, ties, programmes, timeline"])),
             **_row(mean_ci(phi[p]), gap, "")}
            for p in players
        ]
    )  # fmt: skip
    base_weak, base_strong = results[-2]["w"], results[-1]["w"]
    single_gap = float(base_strong.mean() - base_weak.mean())
    rows = []
    for i, factor in enumerate(FACTORS):
        closes = mean_ci(results[len(corners) + 2 * i]["w"] - base_weak)
        opens = mean_ci(base_strong - results[len(corners) + 2 * i + 1]["w"])
        rows.append(
            {"factor": factor, "dimension": FACTORS[factor].dimension,
             "strong_value": codings[strong][factor], "weak_value": codings[weak][factor],
             **_row(closes, single_gap, "closes_"), **_row(opens, single_gap, "opens_")}
        )  # fmt: skip
    single = pd.DataFrame(rows).rename(columns={"closes_share": "closes", "opens_share": "opens"})
    levels = {
        strong: mean_ci(value[frozenset(players)]),
        weak: mean_ci(value[frozenset()]),
        f"{weak} structure, {strong} factors": mean_ci(value[frozenset(groups)]),
        f"{strong} structure, {weak} factors": mean_ci(value[frozenset({STRUCTURE})]),
    }
    return CodingSwap(strong, weak, levels, shapley, single, gap)


def _row(estimate: Estimate, gap: float, prefix: str) -> Mapping[str, float]:
    """An estimate as columns ``<prefix>value``, ``low``, ``high`` and its ``share`` of the gap."""
    return {
        f"{prefix}value": estimate.value, f"{prefix}low": estimate.low, f"{prefix}high": estimate.high,
        f"{prefix}share": estimate.value / gap if gap > 0 else float("nan"),
    }  # fmt: skip
