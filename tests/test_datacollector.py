"""`CollaborationModel.datacollector`: a real mesa.DataCollector filled from the engine's records.

The collector is written through Mesa's own fields rather than by reporters each month; the first
test pins those fields against what Mesa's own ``collect`` writes, so a Mesa release that changes
them fails here rather than silently in ``mesa.batch_run`` or the visualisation.
"""

import multiprocessing
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

import colabsim
from colabsim.model.metrics import TIMESERIES_METRICS
from colabsim.model.records import AGENT_REPORTERS
from colabsim.scenario.loader import scenario_from_dict

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def short() -> colabsim.Scenario:
    """Vlissingen over two years."""
    scenario = colabsim.load_scenario(SCENARIOS / "vlissingen.toml")
    raw = scenario.spec.model_dump()
    raw["scenario"]["horizon_years"] = 2
    raw["scenario"]["window"] = None  # the study's window lies beyond a shortened horizon
    return scenario_from_dict(raw, scenario.path)


class _Toy(mesa.Model):
    def __init__(self) -> None:
        super().__init__(rng=1)
        self.level = 0.5
        self.datacollector = mesa.DataCollector(model_reporters={"level": "level"}, agent_reporters={"x": "x"})
        for value in (1.0, 2.0):
            agent = mesa.Agent(self)
            agent.x = value

    def step(self) -> None:
        self.level += 1.0
        self.datacollector.collect(self)


def test_the_mesa_fields_written_are_the_ones_mesa_writes():
    toy = _Toy()
    toy.step()
    toy.step()
    dc = toy.datacollector
    assert dc.model_vars == {"level": [1.5, 2.5]}
    assert dc._collection_steps == [1.0, 2.0]
    uids = [agent.unique_id for agent in toy.agents]
    assert dc._agent_records[2.0] == [(2.0, uids[0], 1.0), (2.0, uids[1], 2.0)]
    assert list(dc.agent_reporters) == ["x"]
    # batch_run reads the collector through these (mesa.batchrunner._collect_data).
    model_data, agents_data = mesa.batchrunner._collect_data(toy, 2.0)
    assert model_data == {"level": 2.5}
    assert agents_data == [{"AgentID": uids[0], "x": 1.0}, {"AgentID": uids[1], "x": 2.0}]


@pytest.fixture
def keep_start_method():
    """mesa.batch_run forces the "spawn" start method for the whole process: put it back after."""
    method = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(method, force=True)


def test_batch_run_matches_colabsims_numbers(short, keep_start_method):
    seeds = [3, 4]
    rows = mesa.batch_run(
        colabsim.CollaborationModel,
        parameters={"scenario": short},
        rng=seeds,
        max_steps=10_000,
        data_collection_period=1,
        display_progress=False,
    )
    table = pd.DataFrame(rows)
    n_actors = len(short.spec.actors)
    assert len(table) == len(seeds) * short.horizon_months * n_actors
    for iteration, seed in enumerate(seeds):
        single = colabsim.simulate(short, seed)
        mine = table[table["iteration"] == iteration]
        months = mine.groupby("Step").first()
        assert months.index.tolist() == [float(t) for t in range(1, short.horizon_months + 1)]
        for metric in TIMESERIES_METRICS:
            np.testing.assert_array_equal(months[metric].to_numpy(), single.timeseries[metric].to_numpy(), metric)
        # Agent variables: what each actor gave adds up to what the programmes pooled...
        given = mine.groupby("Step")["actor_contribution"].sum().to_numpy()
        pooled = single.timeseries[[c for c in single.timeseries if c.startswith("pooled_")]].sum(axis=1)
        np.testing.assert_allclose(given, pooled.to_numpy(), rtol=1e-12, atol=1e-12)
        assert given.max() > 0
        # ...and the last month's commitment and trust are the run's final actors and ties.
        last = mine[mine["Step"] == mine["Step"].max()].sort_values("AgentID")
        np.testing.assert_array_equal(last["actor_commitment"].to_numpy(), single.actors["commitment"].to_numpy())
        np.testing.assert_array_equal(last["actor_active"].to_numpy(), single.actors["active"].to_numpy())
        by_source = single.ties.groupby("source")["trust"].mean()
        expected = [by_source.get(actor, np.nan) for actor in single.actors["actor"]]
        np.testing.assert_allclose(last["actor_trust"].to_numpy(), expected, rtol=1e-12)


def test_the_collector_fills_lazily_and_agrees_with_the_agents(short):
    model = colabsim.CollaborationModel(short, rng=5)
    empty = model.datacollector
    assert empty._collection_steps == [] and set(empty.model_vars) >= set(TIMESERIES_METRICS)
    for _ in range(5):
        model.step()
    assert len(model.datacollector.get_model_vars_dataframe()) == 5
    model.run()
    dc = model.datacollector
    assert dc is empty  # one collector, brought up to date on each read
    frame = dc.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(frame, model.timeseries().drop(columns=["step", "date"]), check_names=False)
    agents = dc.get_agent_vars_dataframe()
    assert list(agents.columns) == list(AGENT_REPORTERS)
    assert set(AGENT_REPORTERS).isdisjoint(frame.columns)  # batch_run merges both into one row
    final = agents.xs(float(model.horizon), level="Step")
    for actor in model.actors:
        row = final.loc[actor.unique_id]
        assert row["actor_commitment"] == actor.commitment and row["actor_active"] == actor.active
        assert row["actor_contribution"] == pytest.approx(actor.contribution, rel=1e-12)
        assert row["actor_trust"] == pytest.approx(actor.trust, rel=1e-12, nan_ok=True)


def test_a_model_without_agent_records_says_so(short):
    model = colabsim.CollaborationModel(short, rng=1, record_agents=False)
    model.step()
    with pytest.raises(RuntimeError, match="without per-actor state"):
        _ = model.datacollector
