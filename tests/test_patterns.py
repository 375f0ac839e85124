"""Patterns the study reports (DESIGN.md P1, P2, P3, P5) as quantitative bands over replications.

Each test runs REPLICATIONS runs per configuration on the batched engine with common random
numbers (the same seeds) and asserts a band from the study's wording (docs/ODD.md, "Patterns")
with 95% confidence intervals, never a single lucky seed. The bands of model v2:

- P1 "Vlissingen optimal, Darwin less optimal" (kurang optimal: weak, not dead): Darwin's mean
  performance in [0.05, 0.45], at most 10% of Darwin runs ending below 0.05, and a
  Vlissingen/Darwin ratio in [2, 10] with the two CIs apart.
- P2 "mediated by SSVA": mediation = 0 with the foundation and its resources kept lowers
  Vlissingen by at least 15% (the lower end of the paired difference's CI).
- P3 "recommendations 2 and 4": the reformed Darwin gains over baseline Darwin in 2023-2032 and
  closes at least 30% of the gap to Vlissingen (last ten years; the lower end of the CI).
- P5 "start in one or two fields and spread".
"""

from pathlib import Path

import numpy as np
import pytest

import colabsim
from colabsim.model.batch import run_batch
from colabsim.stats import mean_ci

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REPLICATIONS = 32
SEEDS = [20220501 + k for k in range(REPLICATIONS)]  # the month of the study's first focus-group discussion


def _window(scenario: colabsim.Scenario, performance: np.ndarray, first: str, last: str) -> np.ndarray:
    """Mean monthly performance per run from month `first` up to and including month `last`."""
    return performance[:, scenario.month_index(first) : scenario.month_index(last) + 1].mean(axis=1)


@pytest.fixture(scope="module")
def study() -> dict[str, np.ndarray]:
    vlissingen = colabsim.load_scenario(SCENARIOS / "vlissingen.toml")
    darwin = colabsim.load_scenario(SCENARIOS / "darwin.toml")
    reformed = colabsim.load_scenario(SCENARIOS / "darwin_reformed.toml")
    v = run_batch(vlissingen, SEEDS)
    d = run_batch(darwin, SEEDS)
    r = run_batch(reformed, SEEDS)
    no_mediation = run_batch(vlissingen, SEEDS, [{"mediation": 0.0}] * REPLICATIONS, keep_series=False)
    return {
        "vlissingen": v.summary["performance"],
        "darwin": d.summary["performance"],
        "darwin_final": d.summary["final_performance"],
        "no_mediation": no_mediation.summary["performance"],
        "darwin_2023": _window(darwin, d.series["performance"], "2023-01", "2032-12"),
        "reformed_2023": _window(reformed, r.series["performance"], "2023-01", "2032-12"),
        "vlissingen_last10": v.series["performance"][:, -120:].mean(axis=1),
        "sectors_start": v.series["active_sectors"][:, 0],
        "sectors_peak": v.summary["peak_sectors"],
    }


def test_p1_darwin_is_weak_but_alive(study):
    darwin = mean_ci(study["darwin"])
    assert darwin.low >= 0.05 and darwin.high <= 0.45, f"Darwin mean {darwin.value:.3f} outside [0.05, 0.45]"
    assert np.mean(study["darwin_final"] < 0.05) <= 0.10, "at most 10% of Darwin runs end below 0.05"


def test_p1_vlissingen_outperforms_darwin_a_few_times_not_tens(study):
    vlissingen, darwin = mean_ci(study["vlissingen"]), mean_ci(study["darwin"])
    assert vlissingen.low > darwin.high, "confidence intervals must not overlap"
    assert vlissingen.low / darwin.high >= 2.0 and vlissingen.high / darwin.low <= 10.0


def test_p2_mediation_itself_costs_vlissingen_at_least_fifteen_percent(study):
    drop = mean_ci(study["vlissingen"] - study["no_mediation"])  # paired: the same seeds
    share = drop.low / study["vlissingen"].mean()
    assert share >= 0.15, f"mediation = 0 costs at least {share:.0%} (lower end of the CI); the band is 15%"


def test_p3_recommendations_close_thirty_percent_of_the_gap_in_the_years_after_them(study):
    gain = mean_ci(study["reformed_2023"] - study["darwin_2023"])  # paired: the same seeds
    gap = study["vlissingen_last10"].mean() - study["darwin_2023"].mean()
    assert gain.low / gap >= 0.3, f"closes at least {gain.low / gap:.0%} of the gap (lower end of the CI)"


def test_p5_a_successful_sister_city_spreads_to_more_sectors(study):
    assert study["sectors_start"].max() <= 2, "starts in one or two sectors"
    assert mean_ci(study["sectors_peak"] - study["sectors_start"]).low >= 1.0, "spreads to at least one more"
