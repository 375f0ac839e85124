"""A run comes back after a reload: its scenario, seed, start values and changes, from a short text.

A run of an uploaded file gets the file's text from the browser's storage (keyed by its SHA-256)
and sends it through the upload's validation again; without it, it says so and starts afresh.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from colabsim.app.catalog import Catalog
from colabsim.app.restore import RestoreError, Snapshot, decode, encode, files_wanted, kept_files, restore, snapshot
from colabsim.app.session import Dashboard
from colabsim.app.upload import UPLOAD_LIMIT, digest_of

MINE = b'extends = "darwin.toml"\n[scenario]\nname = "Mine"\n'


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


def _texts(board: Dashboard) -> dict[str, str]:
    """What the browser keeps of `board`'s uploaded files, as it gives them back: text by hash."""
    return {digest: file["text"] for digest, file in kept_files(board).items()}


def test_an_uploaded_run_comes_back_with_the_file_the_browser_kept(scenario_dir: Path) -> None:
    board = _board(scenario_dir)
    data = b"\xef\xbb\xbf" + MINE  # a BOM too: the kept text gives back the very same bytes
    assert board.upload_file(0, "../mine.toml", data)
    board.step(30)
    board.intervene("renew_mou")
    board.step(4)
    text = encode(snapshot(board))
    assert len(text) < 400 and files_wanted(decode(text)) == {digest_of(data): "mine.toml"}  # the hash, not the file
    assert kept_files(board) == {digest_of(data): {"name": "mine.toml", "text": data.decode("utf-8")}}

    again = _board(scenario_dir)
    restore(again, decode(text), _texts(board))
    left, right = board.views()[0], again.views()[0]
    assert (right.title, right.month) == ("Mine", 34)
    pd.testing.assert_frame_equal(left.timeseries, right.timeseries)
    assert again.controls().log == board.controls().log
    assert encode(snapshot(again)) == text and kept_files(again) == kept_files(board)


@pytest.mark.parametrize("kept", ["none", "other device", "changed", "not text"])
def test_without_the_kept_file_the_run_says_so_and_starts_afresh(scenario_dir: Path, kept: str) -> None:
    board = _board(scenario_dir)
    board.upload_file(0, "mine.toml", MINE)
    board.step(3)
    digest = digest_of(MINE)
    stored: dict[str, object] = {
        "none": {},
        "other device": {"0" * 64: MINE.decode()},
        "changed": {digest: MINE.decode().replace("Mine", "Yours")},
        "not text": {digest: list(MINE)},
    }[kept]
    fresh = _board(scenario_dir)
    with pytest.raises(RestoreError) as caught:
        restore(fresh, decode(encode(snapshot(board))), stored)
    assert caught.value.message.text.startswith("Your own file {name} is not kept on the server")
    assert dict(caught.value.message.args)["name"] == "mine.toml"
    assert fresh.views()[0].short == "vlissingen" and fresh.views()[0].month == 0


def test_two_uploads_of_the_same_name_each_come_back_on_their_side(scenario_dir: Path) -> None:
    board = _board(scenario_dir)
    board.set_side_by_side(True)
    other = MINE.replace(b"Mine", b"Also mine") + b"[factors]\nleadership = 0.9\n"
    board.upload_file(0, "mine.toml", MINE)
    board.upload_file(1, "mine.toml", other)  # replaces the first in the picker; the left run keeps its own
    board.step(12)
    text = encode(snapshot(board))
    assert set(files_wanted(decode(text))) == {digest_of(MINE), digest_of(other)}
    again = _board(scenario_dir)
    restore(again, decode(text), _texts(board))
    assert [v.title for v in again.views()] == ["Mine", "Also mine"]
    for a, b in zip(board.views(), again.views(), strict=True):
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries)


def _crafted(text: str) -> tuple[Snapshot, dict[str, object]]:
    """A run of an uploaded file `text`, as a page's own script could make both up."""
    data = text[: UPLOAD_LIMIT + 1].encode()[: UPLOAD_LIMIT + 1]
    shot = Snapshot(("upload/x.toml",), 1, 0, 0, False, ({},), ((),), (digest_of(data),))
    return decode(encode(shot)), {digest_of(data): text}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('extends = "/etc/hostname"\n[scenario]\nname = "X"\n', "can extend only a shipped scenario"),
        ('extends = "../scenarios/darwin.toml"\n', "can extend only a shipped scenario"),
        ("#" * (UPLOAD_LIMIT + 5000), "larger than 256 KiB"),
        ("[scenario\n", "not valid TOML"),
        ("".join(f"[[events]]\nmonth = {i}\n" for i in range(501)), "at most 500 events"),
    ],
)
def test_a_kept_file_goes_through_the_uploads_validation_again(scenario_dir: Path, text: str, says: str) -> None:
    shot, stored = _crafted(text)
    fresh = _board(scenario_dir)
    with pytest.raises(RestoreError) as caught:
        restore(fresh, shot, stored)
    message = caught.value.message
    assert message.text.startswith("Your own file {name}, kept in this browser, cannot be opened")
    error = str(dict(message.args)["error"])
    assert says in error and str(scenario_dir) not in error  # the uploaded name only, never a server path
    assert fresh.views()[0].short == "vlissingen" and not any(
        c.key.startswith("upload/") for c in fresh.catalog.choices
    )


def test_a_run_text_from_before_files_were_kept_still_decodes(scenario_dir: Path) -> None:
    import base64
    import json
    import zlib

    old = {"v": 1, "s": ["upload/mine.toml"], "seed": 1, "m": 3, "t": 0, "l": 0, "sv": [{}], "c": [[]]}
    text = base64.urlsafe_b64encode(zlib.compress(json.dumps(old).encode())).decode().rstrip("=")
    shot = decode(text)
    assert shot.files == ("",) and files_wanted(shot) == {}
    with pytest.raises(RestoreError, match="not kept on the server"):
        restore(_board(scenario_dir), shot, {})
    bad = base64.urlsafe_b64encode(zlib.compress(json.dumps({**old, "f": ["../x"]}).encode())).decode()
    with pytest.raises(RestoreError, match="could not be restored"):
        decode(bad)


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
