"""How the posterior moves with the priors and with the bands, from runs already made.

At tolerance 0 the ABC posterior is the prior restricted to the draws that meet every band, so
both questions can be answered without new runs:

- **Prior sensitivity** (`prior_variants`): under another prior ``q`` whose support lies inside
  the calibration's prior ``p``, the final population reweighted by ``q / p`` is the posterior
  under ``q`` (importance sampling); its effective sample size says how far that can be trusted.
  The variants are every prior a truncated normal centred on the documented value with a quarter
  of its range as sd, and each prior alone narrowed to half its width around that value.
- **Band sensitivity** (`band_variants`): generation 0 is a sample of the prior with every
  draw's statistics, so rejection at tolerance 0 under other bands (validation's
  `BAND_VARIANTS`, moved one at a time) gives the share of the prior meeting them and the
  posterior means they imply, on the same draws as the bands themselves.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from colabsim.calibration.abc import Generation, effective_sample_size
from colabsim.calibration.bands import variant_targets
from colabsim.calibration.priors import PriorSet, ScalarPrior
from colabsim.calibration.targets import Target, distances
from colabsim.validation.patterns import BAND_VARIANTS

__all__ = ["band_variants", "narrowed", "prior_variants", "reweighted", "variant_bands", "weighted_summary"]


def narrowed(prior: PriorSet, documented: Mapping[str, float], kind: str, only: str | None = None) -> PriorSet:
    """A prior variant: ``half`` (a scalar range halved around the documented value) or ``normal``.

    ``normal`` is a truncated normal on the same range, centred on the documented value, with a
    quarter of the range as sd. With `only`, just that parameter's prior changes. Whole numbers and
    a Dirichlet group are kept as they are.
    """
    changed = []
    for p in prior.priors:
        if not isinstance(p, ScalarPrior) or p.kind == "integer" or (only is not None and p.name != only):
            changed.append(p)
            continue
        centre, width = documented[p.name], p.high - p.low
        if kind == "half":
            low, high = max(p.low, centre - width / 4), min(p.high, centre + width / 4)
            changed.append(ScalarPrior(p.name, "uniform", low, high, (low + high) / 2))
        else:
            changed.append(ScalarPrior(p.name, "truncnormal", p.low, p.high, centre, width / 4))
    return PriorSet(tuple(changed))


def weighted_summary(theta: np.ndarray, weights: np.ndarray, coordinates: tuple[str, ...]) -> dict[str, float]:
    """Weighted mean and sd of each coordinate, as ``mean.NAME`` and ``sd.NAME``."""
    row: dict[str, float] = {}
    for k, name in enumerate(coordinates):
        mean = float(np.average(theta[:, k], weights=weights))
        row[f"mean.{name}"] = mean
        row[f"sd.{name}"] = float(np.sqrt(np.average((theta[:, k] - mean) ** 2, weights=weights)))
    return row


def reweighted(prior: PriorSet, variant: PriorSet, theta: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
    """Posterior weights under `variant` of particles drawn under `prior`: ``weights * variant / prior``, normalised.

    Valid where `variant`'s support lies inside `prior`'s (no particle can stand for a region `prior`
    excludes); None if no particle has a finite ratio.
    """
    log_ratio = variant.logpdf(theta) - prior.logpdf(theta)
    finite = np.isfinite(log_ratio)
    if not finite.any():
        return None
    changed = weights * np.where(finite, np.exp(log_ratio - log_ratio[finite].max()), 0.0)
    return np.asarray(changed / changed.sum(), dtype=np.float64)


def prior_variants(prior: PriorSet, final: Generation, documented: Mapping[str, float]) -> pd.DataFrame:
    """Posterior means and sds under the calibration's prior and under each variant (importance reweighting).

    The variants: every prior a truncated normal at its documented value (sd a quarter of its
    range), and each scalar prior alone halved around its documented value (halving all ten at
    once would leave about one particle in a thousand).
    """
    rows = [
        {"prior": "as calibrated", "ess": final.ess, **weighted_summary(final.theta, final.weights, prior.coordinates)}
    ]
    variants = [("every prior a truncated normal at its documented value", narrowed(prior, documented, "normal"))]
    variants += [
        (f"{p.name}'s range halved", narrowed(prior, documented, "half", p.name))
        for p in prior.priors
        if isinstance(p, ScalarPrior) and p.kind != "integer"
    ]
    for label, variant in variants:
        weights = reweighted(prior, variant, final.theta, final.weights)
        if weights is not None:
            rows.append(
                {
                    "prior": label,
                    "ess": effective_sample_size(weights),
                    **weighted_summary(final.theta, weights, prior.coordinates),
                }
            )
    return pd.DataFrame(rows)


def variant_bands(targets: tuple[Target, ...]) -> list[tuple[str, tuple[Target, ...]]]:
    """Validation's band variants as two-sided targets (a new lower side keeps the calibration's upper side)."""
    return [(label, variant_targets(label, targets)) for label, _ in BAND_VARIANTS]


def band_variants(targets: tuple[Target, ...], prior_sample: Generation, coordinates: tuple[str, ...]) -> pd.DataFrame:
    """Per band variant: the share of the prior sample meeting every band and the posterior means it implies."""
    rows = []
    for label, moved in [("the calibration's bands", targets), *variant_bands(targets)]:
        met = distances(moved, prior_sample.statistics) <= 0
        row: dict[str, float | str] = {"bands": label, "draws": float(met.sum()), "share": float(met.mean())}
        if met.any():
            row |= {
                k: v
                for k, v in weighted_summary(prior_sample.theta[met], np.ones(int(met.sum())), coordinates).items()
                if k.startswith("mean.")
            }
        rows.append(row)
    return pd.DataFrame(rows)
