"""A room of groups: start links, group names, the facilitator's overview, keys, the address."""

from __future__ import annotations

import gc
import io
from pathlib import Path

import pandas as pd
import pytest

from colabsim.app.catalog import Catalog
from colabsim.app.i18n import translator
from colabsim.app.page import start_from_address
from colabsim.app.restore import encode, snapshot
from colabsim.app.room import Room
from colabsim.app.session import Dashboard

solara = pytest.importorskip("solara")


def _board(scenario_dir: Path, language: str = "en") -> Dashboard:
    return Dashboard(Catalog([scenario_dir]), seed=1, tr=translator(language))


def test_a_start_link_sets_scenario_seed_and_group(scenario_dir: Path) -> None:
    board = _board(scenario_dir)
    assert start_from_address(board, "scenario=darwin&seed=42&group=Tim+Dinas+Pariwisata") == ""
    view = board.views()[0]
    assert (view.short, view.seed, board.group) == ("darwin", 42, "Tim Dinas Pariwisata")
    assert "not offered" in start_from_address(_board(scenario_dir), "scenario=../../etc/passwd")


def test_the_address_wins_over_a_start_link_after_a_reload(scenario_dir: Path) -> None:
    first = _board(scenario_dir)
    start_from_address(first, "scenario=darwin&seed=42")
    first.step(14)
    first.intervene("renew_mou")
    again = _board(scenario_dir)
    message = start_from_address(again, f"scenario=darwin&seed=42&run={encode(snapshot(first))}")
    assert message == "" and again.controls().log == first.controls().log and again.calendar() == first.calendar()
    assert "could not be restored" in start_from_address(_board(scenario_dir), "run=garbage")


def test_the_overview_shows_every_group_in_the_facilitators_language(scenario_dir: Path) -> None:
    room = Room()
    a, b = _board(scenario_dir), _board(scenario_dir, "id")
    a.set_group("  Tim   A  ")
    room.join(a), room.join(b)
    a.step(20)
    a.intervene("withdraw_mediator")
    b.set_side_by_side(True)
    b.step(3)
    statuses = room.status(translator("id"))
    assert [s.name for s in statuses] == ["Tim A", "kelompok 2"]
    assert statuses[0].date == "Sep 2007" and statuses[0].month == 20
    assert statuses[0].changes == ("Sep 2007: SSVA (Yayasan Kota Kembar Ambon-Vlissingen) keluar",)
    assert statuses[1].scenario == "Kota kembar Ambon-Vlissingen | Kota kembar Ambon-Darwin"
    table = pd.read_csv(io.BytesIO(room.summaries_csv(translator("en"))), encoding="utf-8-sig")
    assert list(table["group"]) == ["Tim A", "group 2"] and table["month"].tolist() == [20, 3]


def test_a_closed_session_leaves_the_room(scenario_dir: Path) -> None:
    room = Room()
    board = _board(scenario_dir)
    number = room.join(board)
    assert room.board(number) is board
    del board
    gc.collect()
    assert room.board(number) is None and room.status(translator("en")) == []


def test_a_finished_groups_summary_reaches_the_overview(scenario_dir: Path) -> None:
    room = Room()
    board = _board(scenario_dir)
    room.join(board)
    board.step(400)
    board.compute_summary(0, seeds=3)
    (status,) = room.status(translator("en"))
    assert status.summary and status.summary[0].startswith("Performance ")
