"""Interventions during a run (`CollaborationModel.apply`) hold against later scheduled events."""

from pathlib import Path

import pytest

import colabsim
from colabsim.scenario.schema import EventSpec

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def darwin() -> colabsim.Scenario:
    return colabsim.load_scenario(SCENARIOS / "darwin.toml")


def _to(model: colabsim.CollaborationModel, date: str) -> None:
    while model.month < model.setup.month_index(date):
        model.step()


def _renew(model: colabsim.CollaborationModel) -> EventSpec:
    return EventSpec(at=model.month, action="set_factors", factors={"legal_frame": 0.9}, note="renewed")


def _lapse(model: colabsim.CollaborationModel) -> EventSpec:
    """The scenario's own scheduled lapse of July 2018, found in the file rather than assumed."""
    lapse = model.setup.month_index("2018-07")
    events = [e for e in model.setup.spec.events if model.setup.month_index(e.at) == lapse]
    assert [e.factors for e in events] == [{"legal_frame": 0.15}], "darwin.toml's 2018-07 lapse changed"
    return events[0]


def test_renewing_darwins_agreement_in_2017_is_not_undone_by_the_2018_lapse(darwin):
    model = colabsim.CollaborationModel(darwin, rng=4)
    lapse = _lapse(model)
    _to(model, "2017-03")
    model.apply(_renew(model))
    _to(model, "2019-01")
    assert model.levels["legal_frame"] == pytest.approx(0.9)
    record = next(r for r in model.events if r.scheduled and r.event == lapse)
    assert record.month == darwin.month_index("2018-07")
    assert record.overridden == (("factor:legal_frame", "intervention of 2017-03"),)
    assert record.skipped
    renewal = next(r for r in model.events if not r.scheduled)
    assert renewal.holds and renewal.month == darwin.month_index("2017-03")


def test_with_let_scheduled_the_2018_lapse_still_applies(darwin):
    model = colabsim.CollaborationModel(darwin, rng=4)
    lapse = _lapse(model)
    _to(model, "2017-03")
    model.apply(_renew(model), let_scheduled=True)
    _to(model, "2018-06")
    assert model.levels["legal_frame"] == pytest.approx(0.9)
    _to(model, "2019-01")
    assert model.levels["legal_frame"] == pytest.approx(0.15)
    record = next(r for r in model.events if r.scheduled and r.event == lapse)
    assert record.overridden == () and not record.skipped


def test_holding_changes_the_run_only_from_the_overridden_event_on(darwin):
    held = colabsim.CollaborationModel(darwin, rng=4)
    free = colabsim.CollaborationModel(darwin, rng=4)
    for model, let in ((held, False), (free, True)):
        _to(model, "2017-03")
        model.apply(_renew(model), let_scheduled=let)
        _to(model, "2020-01")
    lapse = darwin.month_index("2018-07")
    a, b = held.timeseries(), free.timeseries()
    assert a.iloc[:lapse].equals(b.iloc[:lapse])
    assert not a.iloc[lapse:].equals(b.iloc[lapse:])


def test_a_later_intervention_with_let_scheduled_releases_the_hold(darwin):
    model = colabsim.CollaborationModel(darwin, rng=4)
    _to(model, "2017-03")
    model.apply(_renew(model))
    _to(model, "2018-01")
    model.apply(EventSpec(at=0, action="set_factors", factors={"legal_frame": 0.8}), let_scheduled=True)
    assert model.overrides(_lapse(model)) == ()
    _to(model, "2019-01")
    assert model.levels["legal_frame"] == pytest.approx(0.15)


def test_a_start_value_stays_held_whatever_the_option(darwin):
    model = colabsim.CollaborationModel(darwin.with_factors(legal_frame=0.6), rng=4)
    _to(model, "2016-01")
    model.apply(_renew(model), let_scheduled=True)
    _to(model, "2019-01")
    assert model.levels["legal_frame"] == pytest.approx(0.9)
    lapse = next(r for r in model.events if r.scheduled and r.month == darwin.month_index("2018-07"))
    assert lapse.overridden == (("factor:legal_frame", "start value"),)


def test_an_intervention_on_an_actor_holds_against_its_scheduled_joining():
    reformed = colabsim.load_scenario(SCENARIOS / "darwin_reformed.toml")
    model = colabsim.CollaborationModel(reformed, rng=2)
    partner = next(a for a in model.actors if a.actor_id == "local_partner")
    _to(model, "2020-01")
    model.apply(EventSpec(at=0, action="remove_actor", actor="local_partner", note="kept out"))
    _to(model, "2024-01")
    assert not partner.active
    joining = next(r for r in model.events if r.scheduled and r.event.actor == "local_partner")
    assert joining.overridden == (("actor:local_partner", "intervention of 2020-01"),)
    # The same scenario's other 2023-01 event (the renewed agreement) is not held and applies.
    assert model.levels["legal_frame"] == pytest.approx(0.85)


def test_without_interventions_every_scheduled_event_is_recorded_as_applied(darwin):
    model = colabsim.CollaborationModel(darwin, rng=1).run()
    records = model.events
    assert [r.event for r in records] == list(darwin.spec.events)
    assert all(r.scheduled and not r.overridden for r in records)
