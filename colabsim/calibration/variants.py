"""How the posterior moves with the priors and with the bands, from runs already made.

At tolerance 0 the ABC posterior is the prior restricted to the draws that meet every band, so
both questions can be answered without new runs:

- **Prior sensitivity** (`prior_variants`): under another prior ``q`` whose support lies inside
  the calibration's prior ``p``, the final population reweighted by ``q / p`` is the posterior
  under ``q`` (importance sampling); its effective sample size says how far that can be trusted.
  The variants are each prior narrowed to half its width around the documented value, and a
  truncated normal centred there with a quarter of the range as sd.
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
from colabsim.calibration.priors import PriorSet, ScalarPrior
from colabsim.calibration.targets import Target, distances, with_bands
from colabsim.validation.patterns import BAND_VARIANTS

__all__ = ["band_variants", "narrowed", "prior_variants", "variant_bands"]


def narrowed(prior: PriorSet, documented: Mapping[str, float], kind: str) -> PriorSet:
    """A prior variant: ``half`` (each scalar range halved around the documented value) or ``normal``.

    ``normal`` is a truncated normal on the same range, centred on the documented value, with a
    quarter of the range as sd. A Dirichlet group is kept as it is.
    """
    changed = []
    for p in prior.priors:
        if not isinstance(p, ScalarPrior) or p.kind == "integer":
            changed.append(p)
            continue
        centre, width = documented[p.name], p.high - p.low
        if kind == "half":
            low, high = max(p.low, centre - width / 4), min(p.high, centre + width / 4)
            changed.append(ScalarPrior(p.name, "uniform", low, high, (low + high) / 2))
        else:
            changed.append(ScalarPrior(p.name, "truncnormal", p.low, p.high, centre, width / 4))
    return PriorSet(tuple(changed))


def _summary(theta: np.ndarray, weights: np.ndarray, coordinates: tuple[str, ...]) -> dict[str, float]:
    row: dict[str, float] = {}
    for k, name in enumerate(coordinates):
        mean = float(np.average(theta[:, k], weights=weights))
        row[f"mean.{name}"] = mean
        row[f"sd.{name}"] = float(np.sqrt(np.average((theta[:, k] - mean) ** 2, weights=weights)))
    return row


def prior_variants(prior: PriorSet, final: Generation, documented: Mapping[str, float]) -> pd.DataFrame:
    """Posterior means and sds under the calibration's prior and under each variant (importance reweighting)."""
    rows = [{"prior": "as calibrated", "ess": final.ess, **_summary(final.theta, final.weights, prior.coordinates)}]
    base = prior.logpdf(final.theta)
    for kind, label in (
        ("half", "each range halved around the documented value"),
        ("normal", "truncated normal at the documented value, sd a quarter of the range"),
    ):
        variant = narrowed(prior, documented, kind)
        log_ratio = variant.logpdf(final.theta) - base
        weights = final.weights * np.exp(log_ratio - np.max(log_ratio[np.isfinite(log_ratio)], initial=0.0))
        if weights.sum() <= 0:
            continue
        weights = weights / weights.sum()
        rows.append(
            {"prior": label, "ess": effective_sample_size(weights), **_summary(final.theta, weights, prior.coordinates)}
        )
    return pd.DataFrame(rows)


def variant_bands(targets: tuple[Target, ...]) -> list[tuple[str, tuple[Target, ...]]]:
    """Validation's band variants as two-sided targets (a new lower side keeps the calibration's upper side)."""
    by_key = {t.key: t for t in targets}
    found = []
    for label, bands in BAND_VARIANTS:
        moved = {}
        for key, band in bands.items():
            target = by_key[key]
            moved[key] = (
                band.low if band.low is not None else target.low,
                band.high if band.high is not None else target.high,
            )
        found.append((label, with_bands(targets, moved)))
    return found


def band_variants(targets: tuple[Target, ...], prior_sample: Generation, coordinates: tuple[str, ...]) -> pd.DataFrame:
    """Per band variant: the share of the prior sample meeting every band and the posterior means it implies."""
    rows = []
    for label, moved in [("the calibration's bands", targets), *variant_bands(targets)]:
        met = distances(moved, prior_sample.statistics) <= 0
        row: dict[str, float | str] = {"bands": label, "draws": float(met.sum()), "share": float(met.mean())}
        if met.any():
            row |= {
                k: v
                for k, v in _summary(prior_sample.theta[met], np.ones(int(met.sum())), coordinates).items()
                if k.startswith("mean.")
            }
        rows.append(row)
    return pd.DataFrame(rows)
