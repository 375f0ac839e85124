"""The workshop dashboard's logic, without a browser: catalog, runs, sliders, interventions, play."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colabsim import CollaborationModel, load_scenario
from colabsim.app import charts, interventions, strip
from colabsim.app.catalog import Catalog
from colabsim.app.i18n import translator
from colabsim.app.run import Run
from colabsim.app.session import Dashboard
from colabsim.scenario.loader import scenario_from_dict

EN = translator("en")


@pytest.fixture(scope="module")
def catalog(scenario_dir: Path) -> Catalog:
    return Catalog(dirs=[scenario_dir])


def _run(catalog: Catalog, stem: str, seed: int = 3) -> Run:
    choice = catalog.find(stem)
    assert choice is not None, f"{stem}.toml is not offered"
    return Run(choice, seed)


def _model(path: Path, seed: int, months: int, **factors: float) -> CollaborationModel:
    scenario = load_scenario(path)
    model = CollaborationModel(scenario.with_factors(**factors) if factors else scenario, rng=seed)
    for _ in range(months):
        model.step()
    return model


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


# --- the scenarios on offer -------------------------------------------------------------------


def test_catalog_offers_the_shipped_scenarios_first(catalog: Catalog) -> None:
    shorts = [c.short for c in catalog.choices]
    assert shorts[:3] == ["vlissingen", "darwin", "darwin_reformed"]
    assert catalog.default_key == catalog.choices[0].key
    assert catalog.get(catalog.choices[1].key).label == load_scenario(catalog.choices[1].key).name
    assert catalog.problems == []


@pytest.mark.parametrize("name", ["factor_out_of_range.toml", "unknown_actor_key.toml", "invalid_toml_syntax.toml"])
def test_a_bad_upload_shows_the_validation_error_and_keeps_the_run(
    catalog: Catalog, bad_scenario_dir: Path, name: str
) -> None:
    board = Dashboard(catalog, seed=1)
    board.step(3)
    assert board.upload_file(0, name, (bad_scenario_dir / name).read_bytes()) is False
    assert board.file_error.startswith(name + ":")
    assert "Traceback" not in board.file_error and str(bad_scenario_dir) not in board.file_error
    assert board.runs[0].choice.short == "vlissingen" and board.runs[0].month == 3


def test_serve_with_a_file_shows_that_file_first(scenario_dir: Path) -> None:
    catalog = Catalog(dirs=[scenario_dir], first=scenario_dir / "darwin_reformed.toml")
    assert catalog.get(catalog.default_key).short == "darwin_reformed"
    assert len(catalog.choices) == len(list(scenario_dir.glob("*.toml")))


def test_play_pauses_when_no_frame_is_drawn(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    from colabsim.app import session

    monkeypatch.setattr(session, "FRAME_TIMEOUT", 0.2)
    board = Dashboard(catalog, seed=2)
    board.playing = True
    board.play(threading.Event(), lambda: 1)  # a page that never draws
    assert not board.playing and board.runs[0].month == 1


def test_a_good_upload_is_offered_and_shown(scenario_dir: Path) -> None:
    board = Dashboard(Catalog(dirs=[scenario_dir]), seed=1)
    assert board.upload_file(0, "mine.toml", b'extends = "darwin.toml"\n[scenario]\nname = "My Darwin"\n') is True
    assert board.runs[0].choice.label == "My Darwin" and board.runs[0].choice.short == "mine"
    assert "My Darwin" in dict(board.controls().labels).values()
    darwin = load_scenario(scenario_dir / "darwin.toml")
    assert board.runs[0].choice.scenario.spec.actors == darwin.spec.actors


# --- runs: seeds, start values, mid-run changes -----------------------------------------------


def test_a_run_is_the_model_with_the_same_seed(catalog: Catalog, scenario_dir: Path) -> None:
    run = _run(catalog, "darwin", seed=7)
    run.step(30)
    _same(run.model.timeseries(), _model(scenario_dir / "darwin.toml", 7, 30).timeseries())


def test_reset_replays_the_same_run(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=11)
    board.step(40)
    first = board.runs[0].model.timeseries()
    board.reset()
    assert board.runs[0].month == 0
    board.step(40)
    _same(board.runs[0].model.timeseries(), first)
    board.set_seed(12)
    board.step(40)
    assert not board.runs[0].model.timeseries().equals(first)


def test_a_slider_before_the_first_step_sets_a_start_value_held_all_run(catalog: Catalog, scenario_dir: Path) -> None:
    run = _run(catalog, "darwin", seed=5)
    run.set_factor("legal_frame", 0.9)
    assert run.start_values == {"legal_frame": 0.9}
    run.step(96)  # past the 2015 and 2018 lapses scheduled in darwin.toml
    assert run.model.levels["legal_frame"] == 0.9
    expected = _model(scenario_dir / "darwin.toml", 5, 96, legal_frame=0.9)
    _same(run.model.timeseries(), expected.timeseries())
    run.reset()
    assert run.start_values == {"legal_frame": 0.9} and run.month == 0
    run.clear_start_values()
    assert run.start_values == {} and run.model.levels["legal_frame"] == 0.6


def test_a_slider_during_the_run_is_an_event_and_a_drag_is_one_change(catalog: Catalog) -> None:
    dragged, direct = _run(catalog, "vlissingen"), _run(catalog, "vlissingen")
    for run in (dragged, direct):
        run.step(12)
    for value in (0.95, 0.1, 0.99, 0.35):  # commitment lifts are not left behind by the drag
        dragged.set_factor("commitment", value)
    direct.set_factor("commitment", 0.35)
    assert [EN.render(e.text) for e in dragged.log] == ["commitment 0.80 → 0.35"]
    np.testing.assert_array_equal(dragged.model.state.commitment, direct.model.state.commitment)
    for run in (dragged, direct):
        run.step(24)
    _same(dragged.model.timeseries(), direct.model.timeseries())


def test_a_slider_back_to_where_it_was_changes_nothing(catalog: Catalog) -> None:
    run, untouched = _run(catalog, "darwin"), _run(catalog, "darwin")
    for each in (run, untouched):
        each.step(6)
    run.set_factor("admin_capacity", 0.8)
    run.set_factor("admin_capacity", 0.35)
    assert run.log == []
    for each in (run, untouched):
        each.step(12)
    _same(run.model.timeseries(), untouched.model.timeseries())


# --- interventions ----------------------------------------------------------------------------


def test_an_intervention_acts_as_the_same_event_in_the_scenario_timeline(catalog: Catalog, scenario_dir: Path) -> None:
    scenario = load_scenario(scenario_dir / "vlissingen.toml")
    raw = scenario.spec.model_dump()
    raw["events"].append({"at": 60, "action": "remove_actor", "actor": "ssva", "note": "in the file"})
    timeline = CollaborationModel(scenario_from_dict(raw), rng=9)
    for _ in range(120):
        timeline.step()
    run = _run(catalog, "vlissingen", seed=9)
    run.step(60)
    assert run.intervene("withdraw_mediator").enabled
    run.step(60)
    _same(run.model.timeseries(), timeline.timeseries())


def test_the_university_button_follows_the_scenario(catalog: Catalog) -> None:
    # Model v2 codes Pattimura in Darwin as available but optional (inclusion decides each budget year).
    darwin = _run(catalog, "darwin").plans()["add_university"]
    assert not darwin.enabled and "takes part already" in EN.render(darwin.note)
    assert "takes part already" in EN.render(_run(catalog, "vlissingen").plans()["add_university"].note)
    # A university that is absent (a file of one's own) is brought in by the button, from this month.
    raw = _run(catalog, "darwin").choice.scenario.spec.model_dump()
    for actor in raw["actors"]:
        if actor["id"] == "pattimura":
            actor["status"] = "absent"
    model = CollaborationModel(scenario_from_dict(raw), rng=3)
    for _ in range(24):
        model.step()
    pattimura = model.structure.actor_ids.index("pattimura")
    assert not model.state.active[pattimura]
    joining = interventions.plan("add_university", model)
    assert joining.enabled and "Pattimura University" in EN.render(joining.note)
    interventions.apply_events(model, joining.events)
    assert model.state.active[pattimura]
    assert not interventions.plan("add_university", model).enabled


def test_the_foundation_button_follows_the_scenario(catalog: Catalog) -> None:
    darwin = _run(catalog, "darwin").plans()["withdraw_mediator"]
    assert not darwin.enabled and "no mediating foundation" in EN.render(darwin.note)
    run = _run(catalog, "vlissingen")
    run.step(12)
    run.intervene("withdraw_mediator")
    ssva = run.model.structure.actor_ids.index("ssva")
    assert not run.model.state.active[ssva]
    assert "has left already" in EN.render(run.plans()["withdraw_mediator"].note)


def test_factor_interventions(catalog: Catalog) -> None:
    run = _run(catalog, "darwin")
    run.step(40)  # the MoU has lapsed to 0.35 in 2015
    funds_before = run.model.state.budget[:, 0].sum()
    for key in ("renew_mou", "cut_funds", "weak_leader"):
        assert run.intervene(key).enabled
    assert run.model.levels["legal_frame"] == interventions.RENEWED
    assert run.model.levels["funds"] == pytest.approx(0.45 / 2, abs=0.006)
    assert run.model.state.budget[:, 0].sum() < funds_before
    assert run.model.levels["leadership"] == interventions.WEAK_LEADER
    assert not run.plans()["renew_mou"].enabled and run.plans()["lapse_mou"].enabled
    assert run.intervene("lapse_mou").enabled and run.model.levels["legal_frame"] == interventions.LAPSED
    assert run.intervene("strong_leader").enabled and run.model.levels["leadership"] == interventions.STRONG_LEADER
    assert [e.month for e in run.log] == [40] * 5


def test_a_finished_run_takes_no_more_steps_or_interventions(catalog: Catalog) -> None:
    run = _run(catalog, "darwin")
    run.step(10_000)
    assert run.finished and run.month == run.horizon
    assert not any(plan.enabled for plan in run.plans().values())
    run.step(1)
    assert run.month == run.horizon


# --- the session: side by side, isolation, play -----------------------------------------------


def test_side_by_side_runs_share_the_seed_and_the_buttons_act_on_one(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=4)
    board.step(5)
    board.set_side_by_side(True)
    left, right = board.runs
    assert (left.choice.short, right.choice.short) == ("vlissingen", "darwin")
    assert left.month == right.month == 0 and left.seed == right.seed == 4
    board.step(5)
    assert (left.month, right.month) == (5, 0)  # by date: Darwin starts in 2012, Vlissingen in 2006
    board.target = 1
    board.intervene("renew_mou")
    assert right.model.levels["legal_frame"] == interventions.RENEWED and not left.log
    board.choose(0, catalog.find("darwin_reformed").key)  # type: ignore[union-attr]
    assert board.runs[0].choice.short == "darwin_reformed" and board.runs[1].month == 0
    board.set_side_by_side(False)
    assert len(board.runs) == 1 and board.target == 0


def test_sessions_do_not_share_runs(catalog: Catalog) -> None:
    import colabsim.app.page as page

    first, _ = page.new_dashboard()
    second, _ = page.new_dashboard()
    assert first is not None and second is not None
    first.step(7)
    first.intervene("withdraw_mediator")
    assert second.runs[0].month == 0 and second.runs[0].log == []
    assert first.runs[0].model is not second.runs[0].model
    module_state = [v for v in vars(page).values() if isinstance(v, (Dashboard, Run, CollaborationModel))]
    assert module_state == []


def test_play_steps_until_paused_and_waits_for_each_frame_to_be_drawn(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=2)
    board.speed = "fastest"
    board.playing = True
    frames: list[int] = []

    def on_frame() -> int:
        frames.append(len(frames) + 1)
        board.frame_drawn(frames[-1])  # as the page does after drawing
        return frames[-1]

    cancel = threading.Event()
    player = threading.Thread(target=board.play, args=(cancel, on_frame))
    player.start()
    time.sleep(0.6)
    board.playing = False
    player.join(timeout=5)
    assert not player.is_alive()
    assert board.runs[0].month >= 5 and len(frames) >= 3
    month = board.runs[0].month
    time.sleep(0.2)
    assert board.runs[0].month == month


def test_play_stops_at_the_end_of_the_run(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=2)
    board.step(board.runs[0].horizon - 2)
    board.speed = "fastest"
    board.playing = True
    counter = iter(range(1, 100))

    def on_frame() -> int:
        frame = next(counter)
        board.frame_drawn(frame)
        return frame

    board.play(threading.Event(), on_frame)
    assert board.finished and not board.playing


# --- figures ----------------------------------------------------------------------------------


def test_charts_send_only_data_per_frame_and_keep_the_layout(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=6)
    start = board.views()[0]
    option = charts.time_option(start, start.scenario, "sectors", 18)
    assert len(option["xAxis"]["data"]) == start.horizon  # the whole horizon from the start
    ids = {s["id"] for s in option["series"]}
    xy = charts.network_layout(start)
    first = charts.network_frame(start, start.scenario, xy)
    board.step(24)
    board.intervene("withdraw_mediator")
    later = board.views()[0]
    frame = charts.time_frame(later, later.scenario, "sectors")
    assert {s["id"] for s in frame["series"]} <= ids and "xAxis" not in frame
    mean = next(s for s in frame["series"] if s["id"] == "mean")
    assert len(mean["data"]) == 24
    marks = next(s for s in frame["series"] if s["id"] == "marks-intervention")["markLine"]["data"]
    assert [m["xAxis"] for m in marks] == [later.date] and "SSVA" in marks[0]["name"]
    network = charts.network_frame(later, later.scenario, charts.network_layout(later))
    np.testing.assert_array_equal(charts.network_layout(later), xy)
    assert network != first
    ssva = next(n for n in network["series"][0]["data"] if n["name"] == "ssva")
    assert ssva["itemStyle"]["color"] == "#ffffff"  # hollow: not taking part
    assert "not taking part" in ssva["tooltip"]["formatter"]


def test_trust_scale_resolves_the_top_and_tooltips_escape_file_text(catalog: Catalog) -> None:
    assert len({charts.trust_colour(t) for t in (0.81, 0.86, 0.91, 0.96)}) == 4
    assert charts.trust_colour(0.0) != charts.trust_colour(1.0)
    board = Dashboard(catalog, seed=1)
    view = board.views()[0]
    marked = dataclasses.replace(view, marks=((3, "<img src=x onerror=alert(1)>", "scheduled"),))
    series = charts.time_frame(marked, marked.scenario, "dynamics")["series"]
    line = next(s for s in series if s["id"] == "marks-scheduled")["markLine"]["data"][0]
    assert "<img" not in line["name"] and "&lt;img" in line["name"]


# --- interventions hold, undo, what a switch would lose ----------------------------------------


def test_renewing_in_2017_overrides_the_scheduled_lapse_and_the_log_says_so(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=4)
    board.choose(0, catalog.find("darwin").key)  # type: ignore[union-attr]
    run = board.runs[0]
    run.step(run.choice.scenario.month_index("2017-03"))
    assert board.intervene("renew_mou").enabled
    log = board.controls().log
    assert (log[-1][0], log[-1][2]) == ("Jul 2018", "overridden"), "the coming lapse is shown as overridden"
    assert "kept by your change of 2017-03" in log[-1][1]
    board.step(24)
    assert run.model.levels["legal_frame"] == pytest.approx(interventions.RENEWED)
    kinds = [kind for month, _, kind in run.view().marks if month == run.choice.scenario.month_index("2018-07")]
    assert kinds == ["overridden"]


def test_with_let_scheduled_ticked_the_lapse_still_applies(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=4)
    board.choose(0, catalog.find("darwin").key)  # type: ignore[union-attr]
    run = board.runs[0]
    run.step(run.choice.scenario.month_index("2017-03"))
    board.let_scheduled = True
    board.intervene("renew_mou")
    assert "scheduled events still apply" in board.controls().log[-1][1]
    board.step(24)
    assert run.model.levels["legal_frame"] == pytest.approx(0.15)


def test_undo_replays_the_run_without_the_last_change(catalog: Catalog) -> None:
    board, plain = Dashboard(catalog, seed=8), Dashboard(catalog, seed=8)
    for each in (board, plain):
        each.step(30)
    board.intervene("withdraw_mediator")
    board.step(20)
    board.set_factor("leadership", 0.9)
    plain.step(20)
    plain.intervene("withdraw_mediator")  # the same change, made later: undo must not keep it
    assert board.controls().can_undo
    assert board.undo() and board.undo()
    assert not board.controls().can_undo and not board.undo()
    assert board.runs[0].month == 50
    plain.undo()
    _same(board.runs[0].model.timeseries(), plain.runs[0].model.timeseries())
    np.testing.assert_array_equal(board.runs[0].model.state.trust, plain.runs[0].model.state.trust)


def test_a_run_is_at_risk_once_it_has_moved_or_been_changed(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=2)
    assert not board.at_risk
    board.set_factor("leadership", 0.9)
    assert board.at_risk  # a start value would be lost
    board.clear_start_values()
    board.step(1)
    assert board.controls().at_risk


# --- the info panel and the live numbers ------------------------------------------------------


def test_the_info_panel_names_every_intervention_with_the_level_it_sets() -> None:
    from colabsim.app import info

    text = info.info_markdown(EN)
    for button in interventions.INTERVENTIONS:
        assert f"**{button.label}**" in text
    assert (
        f"sets *legal frame* to {interventions.RENEWED:.2f}" in text
        and "*legal frame*: Currency of the agreement" in text
    )
    assert "Vlissingen" in text and "Darwin" in text and "How to read the charts" in text


def test_monitors_show_the_last_month_and_a_dash_before_the_first(catalog: Catalog) -> None:
    from colabsim.app import info

    board = Dashboard(catalog, seed=3)
    assert {m.value for m in info.monitors(board.views()[0].timeseries, EN)} == {"-"}
    board.step(5)
    series = board.views()[0].timeseries
    shown = {m.key: m.value for m in info.monitors(series, EN)}
    assert shown["performance"] == f"{series['performance'].iloc[-1]:.2f}"
    assert shown["partners"] == f"{series['active_actors'].iloc[-1]:.0f}"
    assert shown["programmes"] == f"{series['active_programmes'].iloc[-1]:.0f}"


# --- side by side by date -----------------------------------------------------------------------


def test_side_by_side_runs_share_the_calendar_and_the_strip_is_right_minus_left(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=4)
    board.set_side_by_side(True)
    left, right = board.runs
    (year, month), span = board.axis
    assert (year, month) == (2006, 1) and span == 26 * 12 + 12  # 2006-01 to Darwin's end, 2032-12
    offset = right.choice.scenario.start[0] * 12 - 2006 * 12
    board.step(offset + 30)
    assert left.month == offset + 30 and right.month == 30
    assert left.view().date == right.view().date == board.calendar()[0] == "Jul 2014"
    a, b = board.views()
    assert (
        charts.time_option(a, a.scenario, "sectors", 15)["xAxis"]
        == charts.time_option(b, b.scenario, "sectors", 15)["xAxis"]
    )
    line = next(s for s in charts.time_frame(b, b.scenario, "dynamics")["series"] if s["id"] == "commitment")
    assert line["data"][:offset] == [None] * offset and len(line["data"]) == offset + 30
    lines = strip.difference_frame(a, b)["series"]
    trust = next(s for s in lines if s["id"] == "trust")["data"]
    assert trust[:offset] == [None] * offset and trust[offset + 30 :] == [None] * (span - offset - 30)
    expected = b.timeseries["trust"].iloc[-1] - a.timeseries["trust"].iloc[-1]
    assert trust[offset + 29] == pytest.approx(expected, abs=1e-3)
    board.step(span)  # Vlissingen ends in 2023 and waits; Darwin goes on to 2032
    assert left.finished and right.finished and board.finished and board.clock == span


def test_a_note_with_an_ampersand_is_labelled_as_written_and_escaped_only_in_its_tooltip(catalog: Catalog) -> None:
    view = Dashboard(catalog, seed=1).views()[0]
    marked = dataclasses.replace(view, marks=((3, "Law & order", "scheduled"),))
    series = charts.time_frame(marked, marked.scenario, "dynamics")["series"]
    line = next(s for s in series if s["id"] == "marks-scheduled")["markLine"]["data"][0]
    assert line["label"]["formatter"] == "Law & order"  # SVG text: shown as written
    assert "Law &amp; order" in line["name"]  # the tooltip is HTML


def test_dropping_start_values_mid_run_restarts_the_calendar_too(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=2)
    board.set_factor("leadership", 0.9)
    board.step(30)
    board.clear_start_values()
    assert board.clock == 0 and board.runs[0].month == 0 and board.runs[0].start_values == {}
    board.step(1)
    assert board.runs[0].month == 1 and board.calendar()[1] == 1


def test_the_controls_stay_equal_from_month_to_month_so_they_are_not_redrawn(catalog: Catalog) -> None:
    board = Dashboard(catalog, seed=2)
    board.step(3)
    before = board.controls()
    board.step(1)
    assert board.controls() == before  # the page redraws a control only when what it shows changes
    assert board.calendar()[1] == 4


def test_marks_close_together_share_one_label_and_keep_their_notes(catalog: Catalog) -> None:
    view = Dashboard(catalog, seed=1).views()[0]
    marks = ((10, "first", "scheduled"), (12, "close by", "intervention"), (60, "later", "scheduled"))
    series = charts.time_frame(dataclasses.replace(view, marks=marks), view.scenario, "dynamics")["series"]
    lines = {s["id"]: s["markLine"]["data"] for s in series if s["id"].startswith("marks-")}
    assert [m["label"]["show"] for m in lines["marks-scheduled"]] == [True, True]
    assert [m["label"]["show"] for m in lines["marks-intervention"]] == [False]
    assert "close by" in lines["marks-intervention"][0]["name"]
