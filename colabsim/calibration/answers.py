"""What runs over codings x posterior draws x seeds say: levels, effects, their sources, and P1.

The runs of each arm are an array ``(codings, draws, seeds)``: the draws of a coding are its own
posterior draws (nested), and within a (coding, draw) cell every arm has the same parameters and
seeds (common random numbers), so an effect is taken cell by cell and seed by seed. Without coding
uncertainty the first axis has length 1 (the files' own values).

- A *cell* is one (coding, draw): its mean over the seeds is that reading of the evidence and of the
  parameters; the effect's quantiles are over cells.
- The share of draws in which a what-if helps is the share of cells whose mean effect is above 0,
  its Monte Carlo error from the codings' spread (the draws of one coding are not independent of
  it); the share of codings is over each coding's mean across its draws and seeds.
- The variance splits into coding, parameter and seed by the nested ANOVA
  (`colabsim.calibration.estimators.nested_variance_shares`).
- Per calibrated parameter: Spearman's rho with the cell's effect, the share of the effect's
  variance it alone explains (`colabsim.calibration.estimators.first_order_share`) and the effect's mean where it
  lies in the lowest and the highest third of its draws. A parameter the patterns left at its prior
  that explains a large share is an answer resting on that prior: narrowing its prior would move
  the answer by about the difference between its thirds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from colabsim.calibration.estimators import first_order_share, nested_variance_shares
from colabsim.robustness.analysis import pattern_p1
from colabsim.robustness.comparison import PairCheck

__all__ = ["METRIC", "PosteriorAnswer", "effect_row", "level_row", "p1_row", "parameter_rows", "resting_on_prior"]

#: The outcome the answers are about (mean programme performance over the evaluation window).
METRIC = "performance"
#: The quantiles reported of a level or an effect over the cells.
QUANTILES = (0.05, 0.5, 0.95)
#: |rho| or first-order share from which an answer counts as resting on a parameter's prior.
RESTING = 0.3


@dataclass(frozen=True)
class PosteriorAnswer:
    """What `colabsim.calibration.posterior.run_with_posterior` found.

    Attributes:
        directory: Its run folder.
        levels: Per scenario: mean and quantiles over cells (coding, draw) of the cells' means.
        effects: Per scenario against the baseline (over the scenario's own window, when the baseline's
            is another: ``BASELINE_over_...``): mean, quantiles, shares helping, variance split.
        parameters: Per scenario and calibrated parameter: how the effect follows it, and its verdict.
        patterns: P1 over the cells when the study's strong/weak pair is compared with codings (else empty).
        codings: Codings sampled (1: the files' own values).
    """

    directory: Path
    levels: pd.DataFrame
    effects: pd.DataFrame
    parameters: pd.DataFrame
    patterns: pd.DataFrame
    codings: int


def _quantiles(values: np.ndarray) -> dict[str, float]:
    q = np.quantile(values, QUANTILES)
    return {"q05": float(q[0]), "median": float(q[1]), "q95": float(q[2])}


def _clustered_error(per_coding: np.ndarray, per_cell: np.ndarray) -> float:
    """Monte Carlo error of a mean over cells: across codings when they are sampled, else across draws."""
    if len(per_coding) > 1:
        return float(per_coding.std(ddof=1) / np.sqrt(len(per_coding)))
    if per_cell.size > 1:
        return float(per_cell.std(ddof=1) / np.sqrt(per_cell.size))
    return float("nan")


def level_row(label: str, values: np.ndarray) -> dict[str, object]:
    """A scenario's level: mean and quantiles over cells of the cells' means, and its variance split.

    `values`: codings x draws x seeds.
    """
    cells = values.mean(axis=2)
    coding_share, parameter_share, seed_share = nested_variance_shares(values)
    return {
        "scenario": label,
        "mean": float(cells.mean()),
        **_quantiles(cells.ravel()),
        "variance_coding": coding_share,
        "variance_parameter": parameter_share,
        "variance_seed": seed_share,
    }


def effect_row(label: str, against: str, effect: np.ndarray) -> dict[str, object]:
    """What an effect (`label` minus `against`, codings x draws x seeds, cell by cell) says.

    The shares of codings are NaN when codings were not sampled (one coding: the files' values).
    """
    cells = effect.mean(axis=2)
    per_coding = cells.mean(axis=1)
    helps = cells > 0
    share_draws = float(helps.mean())
    coding_share, parameter_share, seed_share = nested_variance_shares(effect)
    row: dict[str, object] = {
        "scenario": label,
        "against": against,
        "mean": float(cells.mean()),
        "mc_error": _clustered_error(per_coding, cells),
        **_quantiles(cells.ravel()),
        "share_helps": share_draws,
        "share_helps_mc_error": _clustered_error(helps.mean(axis=1), helps.astype(float)),
        "share_codings_helps": float("nan"),
        "share_codings_helps_mc_error": float("nan"),
        "variance_coding": coding_share,
        "variance_parameter": parameter_share,
        "variance_seed": seed_share,
    }
    if len(per_coding) > 1:
        share_codings = float(np.mean(per_coding > 0))
        row["share_codings_helps"] = share_codings
        row["share_codings_helps_mc_error"] = float(np.sqrt(share_codings * (1 - share_codings) / len(per_coding)))
    return row


def parameter_rows(
    label: str,
    theta: np.ndarray,
    coordinates: Sequence[str],
    effect: np.ndarray,
    verdicts: Mapping[str, str],
) -> list[dict[str, object]]:
    """Per calibrated parameter, how the effect follows it across cells.

    Args:
        label: The compared scenario.
        theta: Parameter values per cell, ``(codings, draws, coordinates)``.
        coordinates: The parameters' names.
        effect: The effect, codings x draws x seeds.
        verdicts: What the patterns said of each parameter.
    """
    cells = effect.mean(axis=2).ravel()
    flat = theta.reshape(-1, theta.shape[-1])
    rows = []
    for k, name in enumerate(coordinates):
        x = flat[:, k]
        varies = np.ptp(x) > 0 and np.ptp(cells) > 0
        low, high = np.quantile(x, (1 / 3, 2 / 3)) if varies else (np.nan, np.nan)
        rows.append(
            {
                "scenario": label,
                "parameter": name,
                "spearman_rho": float(scipy_stats.spearmanr(x, cells).statistic) if varies else float("nan"),
                "first_order_share": first_order_share(x, cells) if varies else float("nan"),
                "effect_low_third": float(cells[x <= low].mean()) if varies else float("nan"),
                "effect_high_third": float(cells[x >= high].mean()) if varies else float("nan"),
                "verdict": verdicts.get(name, "unknown"),
            }
        )
    return rows


def resting_on_prior(parameters: pd.DataFrame) -> pd.DataFrame:
    """The rows of parameters the patterns left at the prior that the answer follows (|rho| or share >= 0.3)."""
    if parameters.empty:
        return parameters
    strong = (parameters["spearman_rho"].abs() >= RESTING) | (parameters["first_order_share"] >= RESTING)
    return parameters[(parameters["verdict"] == "stays at the prior") & strong]


def p1_row(pair: PairCheck, strong: np.ndarray, weak: np.ndarray) -> dict[str, object]:
    """Whether P1 holds per cell (strong and weak: codings x draws x seeds, common seeds within a cell).

    P1 is judged in each cell as the coding robustness judges it in each coding
    (`colabsim.robustness.analysis.pattern_p1`: the ratio of the means in the band, the Welch
    interval of the difference above 0).
    """
    codings, draws, seeds = strong.shape
    row: dict[str, object] = {
        "pattern": "P1",
        "strong": pair.strong,
        "weak": pair.weak,
        "band": f"{pair.band[0]:g}-{pair.band[1]:g}",
        "share_holds": float("nan"),
        "share_holds_mc_error": float("nan"),
        "share_codings_mostly_holds": float("nan"),
    }
    if seeds < 2:  # a cell's Welch interval needs its noise
        return row
    holds = pattern_p1(strong.reshape(-1, seeds), weak.reshape(-1, seeds), pair.band).reshape(codings, draws)
    row["share_holds"] = float(holds.mean())
    row["share_holds_mc_error"] = _clustered_error(holds.mean(axis=1), holds.astype(float))
    if codings > 1:
        row["share_codings_mostly_holds"] = float(np.mean(holds.mean(axis=1) > 0.5))
    return row
