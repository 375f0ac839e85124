"""Variance decomposition of replication noise by noise source (issue 14, item 8).

Each noise source of the model (`colabsim.model.streams.NOISE_SOURCES`: leadership turnover,
contacts, defection, new sectors, new partners) has its own
stream, so one source can be drawn again while the others are held (`run_batch`'s
``source_seeds``). For source k, with B base seeds and M draws each:

- varying k alone (the others held at a base seed) gives ``E[Var(Y | all but k)]``, whose share of
  the total variance is k's *total-effect* share (Sobol's S_T: alone and with its interactions);
- holding k (at a base seed) while every other source varies gives ``E[Var(Y | k)]``, and
  ``1 - E[Var(Y | k)] / Var(Y)`` is k's *first-order* share (what k explains by itself).

Y is a run's mean performance over the evaluation window. Every group has draw seeds of its own,
so the runs of one design are independent across groups: the first-order share is the spread of
the group means less what their own noise adds, over the variance of the same B x M runs (a source
that does nothing then gets a share near 0, not the difference of two noisy variances); the
total-effect share takes Var(Y) from B x M fully independent runs. The band (issue 14, item 8):
no *set-up draw* explains more than half. Model v2 draws nothing at set-up, so every source here
is a monthly process; the decomposition says which kind of chance the replications differ by.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from colabsim.experiments.progress import ProgressCallback
from colabsim.model.streams import NOISE_SOURCES
from colabsim.validation.runs import Arm, run_arms, seed_range, window_means
from colabsim.validation.study import Study
from colabsim.validation.windows import STUDY_WINDOW, Window

__all__ = ["NOISE_BAND", "noise_shares"]

#: The largest share of the replication variance a set-up draw may explain (issue 14, item 8).
NOISE_BAND = 0.5


def noise_shares(
    study: Study,
    scenarios: Sequence[str],
    bases: int,
    draws: int,
    root_seed: int,
    window: Window | None = STUDY_WINDOW,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Each noise source's first-order and total-effect share of the replication variance.

    Args:
        study: The study's scenarios.
        scenarios: File stems to decompose.
        bases: Base seeds B (the held draws).
        draws: Draws M per base.
        root_seed: Seeds ``root_seed + k`` are used: bases first, then each base's draws, then
            the independent runs of the total variance (``bases * draws`` of them).
        window: Evaluation window.
        progress: Receives the runs done as phase ``noise sources``.

    Returns:
        One row per scenario and source: ``first_order``, ``total_effect``, the total variance
        ``variance`` and the design (``bases``, ``draws``).
    """
    base_seeds = seed_range(root_seed, bases)
    draw_seeds = [seed_range(root_seed, draws, offset=bases + j * draws) for j in range(bases)]
    independent = seed_range(root_seed, bases * draws, offset=bases + bases * draws)
    arms = []
    for name in scenarios:
        scenario = study[name]
        arms.append(Arm(scenario, independent))
        for source in NOISE_SOURCES:
            others = [s for s in NOISE_SOURCES if s != source]
            for base, own in zip(base_seeds, draw_seeds, strict=True):
                arms.append(Arm(scenario, (base,) * draws, source_seeds=tuple({source: t} for t in own)))
            for base, own in zip(base_seeds, draw_seeds, strict=True):
                held = tuple({s: t for s in others} for t in own)
                arms.append(Arm(scenario, (base,) * draws, source_seeds=held))
    values = iter(run_arms(arms, window_means({"w": window}), progress, "noise sources"))
    rows = []
    for name in scenarios:
        total = float(np.var(next(values)["w"], ddof=1))
        for source in NOISE_SOURCES:
            varying = np.mean([np.var(next(values)["w"], ddof=1) for _ in base_seeds])
            groups = [next(values)["w"] for _ in base_seeds]
            within = np.mean([np.var(g, ddof=1) for g in groups])
            # Var(E[Y | k]): the spread of the group means less what their own noise adds.
            between = np.var([g.mean() for g in groups], ddof=1) - within / draws
            pooled = float(np.var(np.concatenate(groups), ddof=1))
            rows.append(
                {
                    "scenario": name, "source": source,
                    "first_order": between / pooled if pooled > 0 else float("nan"),
                    "total_effect": varying / total if total > 0 else float("nan"),
                    "variance": total, "bases": bases, "draws": draws,
                }
            )  # fmt: skip
    return pd.DataFrame(rows)
