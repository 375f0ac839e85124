"""Effects of moving factors: OFAT effects with paired CIs, and the mechanism knock-outs.

An OFAT effect is mean programme performance with a factor (or a group of factors) held at 0.9
minus the same at 0.1, everything else as the file has it, on common seeds: a paired difference
with a 95% CI. A knock-out is the same effect again with one of the factor's causal paths
switched off through its parameter (`KNOCKOUTS`, the switches tests/test_knockouts.py asserts
on): a factor with one path loses all of its effect, one whose main path goes loses most of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from colabsim.experiments.progress import ProgressCallback
from colabsim.stats import mean_ci
from colabsim.validation.runs import Arm, run_arms, window_means
from colabsim.validation.study import Study
from colabsim.validation.windows import STUDY_WINDOW, Window

__all__ = ["HIGH", "KNOCKOUTS", "LOW", "Knockout", "knockout_effects", "ofat_effects"]

#: The two levels an OFAT effect compares.
HIGH, LOW = 0.9, 0.1


@dataclass(frozen=True)
class Knockout:
    """One causal path of a factor and the parameter values that switch it off.

    Attributes:
        factor: The factor (a registry identifier).
        path: The path switched off, in words (docs/ODD.md names it).
        switches: Parameter values that switch it off.
        role: ``only``: the factor's only path (its effect must vanish exactly); ``main``: its main
            path (at most half of the effect may remain); ``part``: one path among several
            (reported, not asserted).
    """

    factor: str
    path: str
    switches: Mapping[str, float]
    role: Literal["only", "main", "part"]


KNOCKOUTS: tuple[Knockout, ...] = (
    Knockout("formal_communication", "formal contact", {"formal_rate": 0.0}, "only"),
    Knockout("informal_communication", "informal contact", {"informal_rate": 0.0}, "only"),
    Knockout("mediation", "brokerage across structural holes", {"brokered_rate": 0.0}, "main"),
    Knockout("leadership", "capacity for joint action", {"leadership_weight": 0.0}, "main"),
    Knockout("legal_frame", "an international programme's standing", {"arrangement_weight": 0.0}, "main"),
    Knockout(
        "shared_purpose",
        "consensus and the understanding gained from contact",
        {"purpose_understanding_weight": 0.0, "purpose_weight": 0.0},
        "main",
    ),
    Knockout("history", "the reach of understanding", {"understanding_reach": 1.0}, "main"),
    Knockout("kinship", "the reach of understanding", {"understanding_reach": 1.0}, "main"),
    Knockout("mediation", "facilitation beside leadership", {"mediator_facilitation": 0.0}, "part"),
    Knockout("inclusion", "a university's knowledge", {"knowledge_bonus": 0.0}, "part"),
    Knockout("admin_capacity", "coordination (capacity for joint action)", {"efficiency_floor": 1.0}, "part"),
    Knockout("mediation", "partners giving through the mediator (buffer)", {"mediator_buffer": 0.0}, "part"),
    Knockout("kinship", "the trust floor of close ties", {"floor_weight": 0.0}, "part"),
    Knockout("kinship", "the understanding floor of close ties (memory)", {"memory_weight": 0.0}, "part"),
    Knockout("history", "the understanding floor of close ties (memory)", {"memory_weight": 0.0}, "part"),
    Knockout("history", "affective commitment from close ties", {"affect_weight": 0.0}, "part"),
    Knockout("commitment", "the mandate's pull (set-point)", {"setpoint_rate": 0.0}, "part"),
)


def _pairs(study: Study, name: str, groups: Mapping[str, Sequence[str]], seeds: tuple[int, ...]) -> list[Arm]:
    scenario = study[name]
    return [Arm(scenario, seeds, {f: level for f in members}) for members in groups.values() for level in (HIGH, LOW)]


def ofat_effects(
    study: Study,
    scenarios: Sequence[str],
    groups: Mapping[str, Sequence[str]],
    seeds: Sequence[int],
    windows: Mapping[str, Window | None] | None = None,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """OFAT effects of each group of factors in each scenario, over each window.

    Args:
        study: The study's scenarios.
        scenarios: File stems to move the factors in.
        groups: Label -> factors moved together (one factor, or a dimension).
        seeds: Common seeds (the same at both levels).
        windows: Name -> evaluation window (None: full period); default the study window and the
            full period.
        progress: Receives the runs done as phase ``OFAT``.

    Returns:
        One row per scenario, window and group: ``effect``, ``low``, ``high`` (95% paired CI),
        ``high_level`` and ``low_level`` (the mean performance at 0.9 and 0.1).
    """
    windows = dict(windows) if windows is not None else {"study window": STUDY_WINDOW, "full period": None}
    chosen = tuple(int(s) for s in seeds)
    arms = [arm for name in scenarios for arm in _pairs(study, name, groups, chosen)]
    values = run_arms(arms, window_means(windows), progress, "OFAT")
    rows = []
    for i, name in enumerate(scenarios):
        for j, label in enumerate(groups):
            at_high, at_low = values[(i * len(groups) + j) * 2], values[(i * len(groups) + j) * 2 + 1]
            for window in windows:
                effect = mean_ci(at_high[window] - at_low[window])
                rows.append(
                    {
                        "scenario": name, "window": window, "group": label, "effect": effect.value,
                        "low": effect.low, "high": effect.high,
                        "high_level": float(at_high[window].mean()), "low_level": float(at_low[window].mean()),
                    }
                )  # fmt: skip
    return pd.DataFrame(rows)


def knockout_effects(
    study: Study,
    scenario: str,
    seeds: Sequence[int],
    knockouts: Sequence[Knockout] = KNOCKOUTS,
    windows: Mapping[str, Window | None] | None = None,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Each knock-out's factor effect with its path and without it, in one scenario.

    Args:
        study: The study's scenarios.
        scenario: The file stem to run.
        seeds: Common seeds (the same at both levels, with and without the path).
        knockouts: The paths to switch off.
        windows: Name -> evaluation window (None: full period); default the study window and the
            full period.
        progress: Receives the runs done as phase ``knock-outs``.

    Returns:
        One row per knock-out and window: ``factor``, ``path``, ``switches``, ``role``,
        ``window``, the paired effect with the path (``with``, ``with_low``, ``with_high``) and
        without it (``without``, ...), and ``meets_role``: for ``only`` the effect without the path
        is exactly 0 in every run, for ``main`` at most half of it remains (None for ``part``).
    """
    windows = dict(windows) if windows is not None else {"study window": STUDY_WINDOW, "full period": None}
    chosen = tuple(int(s) for s in seeds)
    factors = list(dict.fromkeys(k.factor for k in knockouts))
    base = [Arm(study[scenario], chosen, {f: level}) for f in factors for level in (HIGH, LOW)]
    switched = []
    for knockout in knockouts:
        switched_off = study[scenario].with_parameters(**knockout.switches)
        switched += [Arm(switched_off, chosen, {knockout.factor: level}) for level in (HIGH, LOW)]
    values = run_arms(base + switched, window_means(windows), progress, "knock-outs")
    rows = []
    for k, knockout in enumerate(knockouts):
        i, off = factors.index(knockout.factor), len(base) + 2 * k
        switches = ", ".join(f"{p} = {v:g}" for p, v in knockout.switches.items())
        for window in windows:
            with_path = mean_ci(values[2 * i][window] - values[2 * i + 1][window])
            per_run = values[off][window] - values[off + 1][window]
            without = mean_ci(per_run)
            meets = {"only": bool(np.all(per_run == 0.0)), "main": without.value <= 0.5 * with_path.value}
            rows.append(
                {
                    "factor": knockout.factor, "path": knockout.path, "switches": switches, "role": knockout.role,
                    "window": window, "with": with_path.value, "with_low": with_path.low,
                    "with_high": with_path.high, "without": without.value, "without_low": without.low,
                    "without_high": without.high, "meets_role": meets.get(knockout.role),
                }
            )  # fmt: skip
    return pd.DataFrame(rows)
