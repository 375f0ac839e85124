"""The model end to end: reproducibility, every factor matters, every scenario runs, Mesa agents."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import colabsim
from colabsim.model.agents import Actor, Donor, Foundation
from colabsim.model.metrics import SUMMARY_METRICS
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.loader import scenario_from_dict
from colabsim.stats import mean_ci

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
ALL_SCENARIOS = sorted(SCENARIOS.glob("*.toml"))


@pytest.fixture(scope="module")
def vlissingen() -> colabsim.Scenario:
    return colabsim.load_scenario(SCENARIOS / "vlissingen.toml")


def test_same_seed_gives_identical_outputs(vlissingen):
    first = colabsim.simulate(vlissingen, seed=7)
    second = colabsim.simulate(vlissingen, seed=7)
    pd.testing.assert_frame_equal(first.timeseries, second.timeseries)
    pd.testing.assert_series_equal(first.summary, second.summary)


def test_different_seeds_give_different_outputs(vlissingen):
    first = colabsim.simulate(vlissingen, seed=7).timeseries
    second = colabsim.simulate(vlissingen, seed=8).timeseries
    assert not np.allclose(first["trust"], second["trust"])


def test_seed_zero_is_a_seed(vlissingen):
    a = colabsim.simulate(vlissingen, seed=0).timeseries
    b = colabsim.simulate(vlissingen, seed=0).timeseries
    pd.testing.assert_frame_equal(a, b)


def test_serial_and_parallel_ensembles_are_identical(vlissingen):
    pairs = [("v", vlissingen)]
    serial = colabsim.run_ensemble(pairs, 3, 4, workers=1)
    parallel = colabsim.run_ensemble(pairs, 3, 4, workers=2)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary)
    pd.testing.assert_frame_equal(serial.timeseries, parallel.timeseries)


def test_a_replication_reproduces_alone_from_its_stored_seed(vlissingen):
    ensemble = colabsim.run_ensemble([("v", vlissingen)], 11, 3)
    row = ensemble.summary.iloc[2]
    alone = colabsim.simulate(vlissingen, seed=int(row["seed"])).summary
    assert alone["performance"] == pytest.approx(row["performance"], abs=0, rel=0)


@pytest.mark.parametrize("path", ALL_SCENARIOS, ids=lambda p: p.stem)
def test_every_shipped_scenario_validates_and_runs(path):
    scenario = colabsim.load_scenario(path)
    result = colabsim.simulate(scenario, seed=1)
    assert len(result.timeseries) == scenario.horizon_months
    assert set(SUMMARY_METRICS) <= set(result.summary.index)
    numeric = result.timeseries.drop(columns=["date"]).filter(regex="^(?!performance_)")
    assert not numeric.isna().any().any()
    for column in ("performance", "trust", "commitment"):
        assert result.timeseries[column].between(0, 1).all()


def _short(scenario: colabsim.Scenario, years: int) -> colabsim.Scenario:
    raw = scenario.spec.model_dump()
    raw["scenario"]["horizon_years"] = years
    raw["scenario"]["window"] = None  # the study's window lies beyond a shortened horizon
    return scenario_from_dict(raw, scenario.path)


@pytest.mark.parametrize("factor", list(FACTORS))
def test_every_factor_moves_some_output(vlissingen, factor):
    """Lowest vs highest value of each factor, others at registry defaults: some output differs.

    Both arms use the same seeds (common random numbers), so the paired differences are tested.
    """
    base = _short(vlissingen, 6)
    base = colabsim.Scenario(base.spec.model_copy(update={"factors": {}}), base.path, base.sha256)
    low = FACTORS[factor].low
    high = FACTORS[factor].high
    ensemble = colabsim.run_ensemble(
        [("low", base.with_factors(**{factor: low})), ("high", base.with_factors(**{factor: high}))], 5, 10
    )
    extra = ensemble.timeseries.groupby(["scenario", "replication"])[["understanding", "trust_all"]].mean()
    summary = ensemble.summary.set_index(["scenario", "replication"]).join(extra)
    moved = []
    for metric in [*SUMMARY_METRICS, "understanding", "trust_all"]:
        paired = summary.loc["high", metric].to_numpy() - summary.loc["low", metric].to_numpy()
        if mean_ci(paired).excludes(0.0):
            moved.append(metric)
    assert moved, f"{factor} changes no output between {low} and {high}"


def test_agents_are_mesa_agents_with_views_into_state(vlissingen):
    model = colabsim.CollaborationModel(vlissingen, rng=1)
    assert len(model.agents) == len(vlissingen.spec.actors)
    ssva = next(a for a in model.actors if a.actor_id == "ssva")
    assert isinstance(ssva, Foundation) and isinstance(ssva, Actor)
    before = ssva.commitment
    for _ in range(24):
        model.step()
    assert ssva.commitment != before
    assert ssva.commitment == model.state.commitment[ssva.index]
    vlissingen_agent = next(a for a in model.actors if a.actor_id == "vlissingen")
    assert 0.0 <= ssva.trust_in(vlissingen_agent) <= 1.0
    assert set(ssva.resources) == {"funds", "materials", "people", "time"}
    assert not any(isinstance(a, Donor) for a in model.actors)


def test_model_stops_at_the_horizon(vlissingen):
    model = colabsim.CollaborationModel(_short(vlissingen, 2), rng=1).run()
    assert model.month == 24 and not model.running
    assert model.timeseries()["date"].iloc[-1] == "2007-12"


def test_events_apply_in_their_month():
    reformed = colabsim.load_scenario(SCENARIOS / "darwin_reformed.toml")
    model = colabsim.CollaborationModel(reformed, rng=2)
    reform = reformed.month_index("2023-01")
    partner = next(a for a in model.actors if a.actor_id == "local_partner")
    for _ in range(reform):
        model.step()
    assert not partner.active and model.levels["legal_frame"] == pytest.approx(0.15)
    model.step()
    assert partner.active and model.levels["legal_frame"] == pytest.approx(0.85)


def test_an_override_holds_against_timeline_events():
    darwin = colabsim.load_scenario(SCENARIOS / "darwin.toml")
    model = colabsim.CollaborationModel(darwin.with_factors(legal_frame=0.9), rng=1)
    for _ in range(darwin.month_index("2019-01")):
        model.step()
    assert model.levels["legal_frame"] == pytest.approx(0.9)
    plain = colabsim.CollaborationModel(darwin, rng=1)
    for _ in range(darwin.month_index("2019-01")):
        plain.step()
    assert plain.levels["legal_frame"] == pytest.approx(0.15)


def test_an_invited_partner_can_join_only_after_the_invitation():
    from colabsim.scenario.loader import scenario_from_dict

    raw = colabsim.load_scenario(SCENARIOS / "vlissingen_partners.toml").spec.model_dump()
    for actor in raw["actors"]:
        if actor["status"] == "prospective":
            actor["status"] = "absent"
            raw["events"].append({"at": "2015-01", "action": "invite_actor", "actor": actor["id"]})
    dated = scenario_from_dict(raw)
    invitation = dated.month_index("2015-01")
    ensemble = colabsim.run_ensemble([("dated", dated)], seed=3, replications=20)
    series = ensemble.timeseries
    assert (series.loc[series["step"] < invitation, "partners_joined"] == 0).all()
    assert series.loc[series["step"] == series["step"].max(), "partners_joined"].mean() > 0
