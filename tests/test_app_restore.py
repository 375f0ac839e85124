"""A run comes back after a reload: its scenario, seed, start values and changes, from a short text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from colabsim.app.catalog import Catalog
from colabsim.app.restore import RestoreError, decode, encode, restore, snapshot
from colabsim.app.session import Dashboard


def _board(scenario_dir: Path) -> Dashboard:
    return Dashboard(Catalog([scenario_dir]), seed=1)


def test_a_restored_run_is_the_same_run_at_the_same_month(scenario_dir: Path) -> None:
    board = _board(scenario_dir)
    board.choose(0, str((scenario_dir / "darwin.toml").resolve()))
    board.set_seed(42)
    board.set_factor("admin_capacity", 0.8)  # a start value
    board.step(30)
    board.intervene("renew_mou")
    board.step(7)
    board.let_scheduled = True
    board.set_factor("leadership", 0.75)
    board.step(5)
    text = encode(snapshot(board))
    assert len(text) < 400  # fits in an address

    again = _board(scenario_dir)
    restore(again, decode(text))
    left, right = board.views()[0], again.views()[0]
    assert (right.short, right.seed, right.month, right.start_values) == ("darwin", 42, 42, {"admin_capacity": 0.8})
    pd.testing.assert_frame_equal(left.timeseries, right.timeseries)
    assert again.controls().log == board.controls().log
    assert again.let_scheduled


def test_side_by_side_comes_back_with_the_shared_calendar(scenario_dir: Path) -> None:
    board = _board(scenario_dir)
    board.set_side_by_side(True)
    board.step(80)
    board.target = 1
    board.intervene("renew_mou")
    board.step(3)
    again = _board(scenario_dir)
    restore(again, decode(encode(snapshot(board))))
    assert again.side_by_side and again.target == 1 and again.calendar() == board.calendar()
    for a, b in zip(board.views(), again.views(), strict=True):
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


@pytest.mark.parametrize("text", ["", "not-a-run", "eJzLSM3JyVcozy_KSQEAGgQEXQ", "x" * 20_000])
def test_a_text_that_is_not_a_run_is_refused_with_a_message(text: str) -> None:
    with pytest.raises(RestoreError) as caught:
        decode(text)
    assert caught.value.message.text.startswith("The run in this address could not be restored")


def test_an_uploaded_scenario_is_not_kept_and_says_so(scenario_dir: Path) -> None:
    board = _board(scenario_dir)
    board.upload_file(0, "mine.toml", b'extends = "darwin.toml"\n[scenario]\nname = "Mine"\n')
    board.step(3)
    fresh = _board(scenario_dir)
    with pytest.raises(RestoreError) as caught:
        restore(fresh, decode(encode(snapshot(board))))
    assert "mine.toml" in str(dict(caught.value.message.args))
    assert fresh.views()[0].short == "vlissingen" and fresh.views()[0].month == 0


def test_a_change_that_does_not_fit_leaves_a_fresh_run(scenario_dir: Path) -> None:
    board = _board(scenario_dir)
    board.step(3)
    board.intervene("withdraw_mediator")
    shot = snapshot(board)
    broken = shot.__class__(**{**shot.__dict__, "changes": (((500, "withdraw_mediator", "", 0.0, False),),)})
    fresh = _board(scenario_dir)
    with pytest.raises(RestoreError):
        restore(fresh, decode(encode(broken)))
    assert fresh.views()[0].month == 0 and not fresh.runs[0].log
