"""Patterns the study reports (DESIGN.md P1, P2, P3, P5), tested over replications with 95% CIs.

Each test runs 30 replications per scenario with common random numbers and asserts an effect size
with its confidence interval, never a single lucky seed.
"""

from pathlib import Path

import pytest

import colabsim
from colabsim.stats import mean_ci, welch_difference

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REPLICATIONS = 30
SEED = 20220501  # the month of the study's first focus-group discussion


@pytest.fixture(scope="module")
def study() -> colabsim.Ensemble:
    scenarios = [
        ("vlissingen", colabsim.load_scenario(SCENARIOS / "vlissingen.toml")),
        ("darwin", colabsim.load_scenario(SCENARIOS / "darwin.toml")),
        ("darwin_reformed", colabsim.load_scenario(SCENARIOS / "darwin_reformed.toml")),
    ]
    vlissingen = scenarios[0][1]
    scenarios.append(("no_mediator", vlissingen.with_actor_status("ssva", "absent")))
    return colabsim.run_ensemble(scenarios, SEED, REPLICATIONS, workers=2)


def _metric(ensemble: colabsim.Ensemble, label: str, metric: str):
    return ensemble.summary.loc[ensemble.summary["scenario"] == label, metric].to_numpy()


def test_p1_vlissingen_outperforms_darwin_at_least_twofold(study):
    vlissingen = mean_ci(_metric(study, "vlissingen", "performance"))
    darwin = mean_ci(_metric(study, "darwin", "performance"))
    assert vlissingen.low > darwin.high, "confidence intervals must not overlap"
    assert vlissingen.low >= 2.0 * darwin.high


def test_p1_vlissingen_stays_high_for_more_than_ten_years(study):
    frame = study.timeseries[study.timeseries["scenario"] == "vlissingen"].copy()
    frame["year"] = frame["step"] // 12
    yearly = frame.groupby(["year", "replication"])["performance"].mean().unstack()
    years_high = [year for year in yearly.index if mean_ci(yearly.loc[year]).low >= 0.5]
    assert len(years_high) >= 10
    assert years_high == list(range(len(years_high))), "high from the start, without a gap"


def test_p1_darwin_stays_low_or_decays(study):
    frame = study.timeseries[study.timeseries["scenario"] == "darwin"]
    first_year = frame[frame["step"] < 12].groupby("replication")["performance"].mean()
    final = _metric(study, "darwin", "final_performance")
    assert mean_ci(final).high < 0.2, "stays low"
    assert welch_difference(final, first_year).high <= 0.0 or mean_ci(final).high < 0.05, "does not grow"


def test_p2_removing_the_mediator_lowers_performance(study):
    base = _metric(study, "vlissingen", "performance")
    diff = welch_difference(_metric(study, "no_mediator", "performance"), base)
    assert diff.high < 0.0, "the CI of the difference excludes zero"
    assert -diff.value >= 0.05 * base.mean(), "at least a 5% drop"


def test_p3_recommendations_close_a_substantial_part_of_the_gap(study):
    vlissingen = _metric(study, "vlissingen", "final_performance")
    darwin = _metric(study, "darwin", "final_performance")
    reformed = _metric(study, "darwin_reformed", "final_performance")
    gain = welch_difference(reformed, darwin)
    gap = welch_difference(vlissingen, darwin)
    assert gain.low > 0.0
    assert gain.value / gap.value >= 0.2, f"closes {gain.value / gap.value:.0%} of the gap"
    assert gain.low / gap.high >= 0.15, "even at the pessimistic ends of both intervals"


def test_p5_a_successful_sister_city_spreads_to_more_sectors(study):
    frame = study.timeseries[study.timeseries["scenario"] == "vlissingen"]
    at_start = frame[frame["step"] == 0]["active_sectors"].to_numpy()
    peak = _metric(study, "vlissingen", "peak_sectors")
    assert at_start.max() <= 2, "starts in one or two sectors"
    assert mean_ci(peak - at_start).low >= 1.0, "spreads to at least one more"
