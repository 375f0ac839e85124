"""Robustness to the technical parameters: do the patterns and the factor ranking survive +-25%?

The rules' rates, weights and thresholds (`colabsim.scenario.parameters.Parameters`) are partly
tuned and partly chosen; none is measured. A Latin hypercube (scipy's ``qmc.LatinHypercube``)
samples every scalar parameter within 25% of its default (clipped to its allowed range), and each
sample is run on the study's scenarios: the share of samples meeting every pattern (and each one),
and whether the OFAT ranking of the headline determinants in Vlissingen and Darwin holds
(Spearman's rank correlation with the ranking at the defaults, and the leading factor).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from colabsim.experiments.progress import ProgressCallback
from colabsim.scenario.factors import HEADLINE
from colabsim.scenario.parameters import PARAMETER_BOUNDS, Parameters
from colabsim.validation.effects import HIGH, LOW
from colabsim.validation.measure import PatternRuns, estimates_from, pattern_arms
from colabsim.validation.patterns import CALIBRATION, judge
from colabsim.validation.runs import Arm, run_arms, window_means
from colabsim.validation.study import Study
from colabsim.validation.windows import STUDY_WINDOW, Window

__all__ = ["SPREAD", "TechnicalRobustness", "sample_parameters", "technical_robustness"]

#: How far each parameter is moved from its default, as a share of it.
SPREAD = 0.25
#: Statistics whose most influential parameters are reported.
WATCHED = ("p1_ratio", "p2_drop_share", "p3_closed_share")


def sample_parameters(samples: int, seed: int, spread: float = SPREAD) -> pd.DataFrame:
    """A Latin hypercube of the scalar parameters within `spread` of their defaults (clipped to their bounds).

    Parameters whose default is 0 (no relative range) and the resource weights (a tuple) keep
    their defaults; whole-number parameters are rounded.
    """
    defaults = Parameters()
    names = [n for n in Parameters.names() if n != "resource_weights" and float(getattr(defaults, n)) != 0.0]
    centre = np.array([float(getattr(defaults, n)) for n in names])
    low = np.maximum(centre * (1 - spread), [PARAMETER_BOUNDS[n][0] for n in names])
    high = np.minimum(centre * (1 + spread), [PARAMETER_BOUNDS[n][1] for n in names])
    unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed)).random(samples)
    table = pd.DataFrame(low + unit * (high - low), columns=names)
    for name in names:
        if isinstance(getattr(defaults, name), int):
            table[name] = table[name].round().astype(int)
    return table


@dataclass(frozen=True)
class TechnicalRobustness:
    """The samples and what held in each.

    Attributes:
        samples: One row per sample: its parameters, whether each pattern held (``P1`` ...),
            ``calibration`` (P1-P3 all held), ``every`` (all held), the Spearman correlation of
            the OFAT ranking with the defaults' in Vlissingen and Darwin (``rho_vlissingen``,
            ``rho_darwin``) and whether the leading factor is the same (``top_vlissingen``, ...).
        defaults: The OFAT effects at the defaults, by scenario (the reference ranking).
        influence: For the watched statistics, the parameters most rank-correlated with them.
        parameters: The parameters sampled.
    """

    samples: pd.DataFrame
    defaults: dict[str, pd.Series]
    influence: pd.DataFrame
    parameters: list[str]


def technical_robustness(
    study: Study,
    samples: int,
    pattern_seeds: Sequence[int],
    ofat_seeds: Sequence[int],
    seed: int,
    window: Window | None = STUDY_WINDOW,
    progress: ProgressCallback | None = None,
) -> TechnicalRobustness:
    """Sample the technical parameters and run the patterns and the headline OFAT in each sample."""
    table = sample_parameters(samples, seed)
    defaults = Parameters()
    settings: list[dict[str, float]] = [{}]
    for k in range(len(table)):
        row = {str(name): table[name].iloc[k] for name in table.columns}
        settings.append({n: int(v) if isinstance(getattr(defaults, n), int) else float(v) for n, v in row.items()})
    ofat_chosen = tuple(int(s) for s in ofat_seeds)
    arms: list[Arm] = []
    extracts = []
    layout = []
    for values in settings:
        sampled = study.with_parameters(values)
        names, p_arms, p_extracts = pattern_arms(sampled, pattern_seeds, window)
        o_arms = [Arm(sampled[s], ofat_chosen, {f: x}) for s in ("vlissingen", "darwin") for f in HEADLINE
                  for x in (HIGH, LOW)]  # fmt: skip
        layout.append((names, len(arms), len(p_arms), len(o_arms)))
        arms += p_arms + o_arms
        extracts += p_extracts + [window_means({"w": window})] * len(o_arms)
    results = run_arms(arms, extracts, progress, "technical parameters")
    rows, effects = [], []
    for names, first, n_patterns, n_ofat in layout:
        runs = PatternRuns(dict(zip(names, results[first : first + n_patterns], strict=True)))
        estimates = estimates_from(runs)
        verdicts = {r.pattern.id: r.passed for r in judge(estimates)}
        calibration = all(r.passed for r in judge(estimates) if r.pattern.role == CALIBRATION)
        ofat = results[first + n_patterns : first + n_patterns + n_ofat]
        moved = [float(np.mean(ofat[2 * i]["w"] - ofat[2 * i + 1]["w"])) for i in range(n_ofat // 2)]
        effects.append({"vlissingen": pd.Series(moved[: len(HEADLINE)], HEADLINE),
                        "darwin": pd.Series(moved[len(HEADLINE) :], HEADLINE)})  # fmt: skip
        rows.append(verdicts | {"calibration": calibration, "every": all(verdicts.values())}
                    | {k: estimates[k].value for k in WATCHED})  # fmt: skip
    reference = effects[0]
    for row, sample in zip(rows, effects, strict=True):
        for name in ("vlissingen", "darwin"):
            # Mediation has no carrier in Darwin: its effect is exactly 0 and is left out of the ranking there.
            chosen = [f for f in HEADLINE if not (name == "darwin" and f == "mediation")]
            rho = stats.spearmanr(reference[name][chosen], sample[name][chosen]).statistic
            row[f"rho_{name}"] = float(rho)
            row[f"top_{name}"] = sample[name][chosen].idxmax() == reference[name][chosen].idxmax()
    frame = pd.concat([table, pd.DataFrame(rows[1:])], axis=1)
    influence = []
    for key in WATCHED:
        for name in table.columns:
            rho = stats.spearmanr(table[name], frame[key]).statistic
            influence.append({"statistic": key, "parameter": name, "rho": float(rho)})
    ranked = pd.DataFrame(influence)
    ranked = ranked.reindex(ranked["rho"].abs().sort_values(ascending=False).index).groupby("statistic").head(3)
    return TechnicalRobustness(frame, reference, ranked.reset_index(drop=True), list(table.columns))
