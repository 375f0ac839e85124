"""Uploads of one's own scenario: hostile files and names never read, name or probe a server file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from colabsim.app.catalog import MAX_UPLOADS, Catalog
from colabsim.app.upload import (
    UPLOAD_BOUNDS,
    UPLOAD_LIMIT,
    UploadError,
    display_name,
    read_limited,
    scenario_from_upload,
)


@pytest.fixture(scope="module")
def catalog(scenario_dir: Path) -> Catalog:
    return Catalog(dirs=[scenario_dir])


def _error(catalog: Catalog, name: object, data: bytes) -> str:
    with pytest.raises(UploadError) as caught:
        catalog.upload(name, data)
    return str(caught.value)


class Endless(io.RawIOBase):
    """A stream that never ends (like /dev/zero) and counts what is read from it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        buffer[:] = b"a" * len(buffer)
        self.given += len(buffer)
        return len(buffer)


def test_reading_stops_one_byte_past_the_limit() -> None:
    stream = Endless()
    data = read_limited(stream, 1000)
    assert len(data) == 1001 and stream.given == 1001
    assert read_limited(io.BytesIO(b"x" * 10), 1000) == b"x" * 10


def test_an_oversized_file_is_refused(catalog: Catalog, scenario_dir: Path) -> None:
    good = (scenario_dir / "darwin.toml").read_bytes()
    padded = good + b"\n#" + b"x" * UPLOAD_LIMIT
    assert "larger than 256 KiB" in _error(catalog, "big.toml", read_limited(io.BytesIO(padded)))
    assert catalog.upload("fits.toml", good).scenario.name == load_name(scenario_dir / "darwin.toml")


def load_name(path: Path) -> str:
    return Catalog(dirs=[path.parent]).find(path.stem).label  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "not a text file"),
        ('[scenario]\nname = "x"\n'.encode("utf-16"), "UTF-16 text; save it as UTF-8"),
        ('[scenario]\nname = "x"\n'.encode("utf-16-le"), "or it is UTF-16 text"),
        (b"\xc3\x28 latin", "not UTF-8 text"),
        (b"", "the file is empty"),
        (b"[scenario\n", "not valid TOML"),
        (b'password = "hunter2"\n', "unknown key"),
    ],
)
def test_binary_utf16_and_broken_files_say_what_is_wrong(catalog: Catalog, data: bytes, words: str) -> None:
    message = _error(catalog, "mine.toml", data)
    assert message.startswith("mine.toml:") and words in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    "extends",
    [
        "/etc/passwd",
        "../pyproject.toml",
        "../../../../etc/hostname",
        "~/.bashrc",
        "/proc/self/environ",
        "scenarios/darwin.toml",
        "darwin",
        "_base.toml",
        "pyproject.toml",
        "/dev/zero",
    ],
)
def test_extends_names_only_a_shipped_scenario(catalog: Catalog, extends: str) -> None:
    message = _error(catalog, "mine.toml", f'extends = "{extends}"\n[scenario]\nname = "x"\n'.encode())
    assert "can extend only a shipped scenario" in message and "darwin.toml" in message
    assert "/" not in message and "~" not in message  # the path given is never echoed


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/proc/self/environ", "environ"),
        ("..", "upload.toml"),
        ("", "upload.toml"),
        (None, "upload.toml"),
        ("a\x00b\nc.toml", "abc.toml"),
        ("x" * 5000, "x" * 77 + "..."),
    ],
)
def test_upload_names_are_only_shown_never_opened(name: object, shown: str) -> None:
    assert display_name(name) == shown


def test_a_named_upload_reads_nothing_from_the_server(catalog: Catalog, scenario_dir: Path) -> None:
    # A valid scenario named like a server file is the upload's content, not that file's.
    data = b'extends = "darwin.toml"\n[scenario]\nname = "Not the server file"\n'
    choice = catalog.upload(str(scenario_dir / "vlissingen.toml"), data)
    assert choice.label == "Not the server file" and choice.key == "upload/vlissingen.toml"
    message = _error(catalog, "../../pyproject.toml", b"[project]\nname = 'x'\n")
    assert message.startswith("pyproject.toml: project: unknown key")


def test_errors_after_extends_name_the_upload_not_the_shipped_file(catalog: Catalog, scenario_dir: Path) -> None:
    message = _error(catalog, "mine.toml", b'extends = "darwin.toml"\n[factors]\nlegal_frame = 7\n')
    assert message.startswith("mine.toml: factors.legal_frame") and str(scenario_dir) not in message


def test_uploads_per_session_are_bounded(scenario_dir: Path) -> None:
    own = Catalog(dirs=[scenario_dir])
    shipped = len(own.choices)
    for i in range(MAX_UPLOADS + 5):
        own.upload(f"mine{i}.toml", f'extends = "darwin.toml"\n[scenario]\nname = "Mine {i}"\n'.encode())
    assert len(own.choices) == shipped + MAX_UPLOADS
    assert own.choices[-1].label == f"Mine {MAX_UPLOADS + 4}"


def test_scenario_from_upload_needs_no_catalogue() -> None:
    with pytest.raises(UploadError, match="one of: none"):
        scenario_from_upload("x.toml", b'extends = "darwin.toml"\n', {})


@pytest.mark.parametrize(
    "nested", [b"a = " + b"[" * 100_000 + b"]" * 100_000, b"a = " + b"{b=" * 20_000 + b"1" + b"}" * 20_000]
)
def test_toml_nested_too_deeply_gets_a_message(catalog: Catalog, nested: bytes) -> None:
    assert "mine.toml: not valid as a scenario: arrays or tables nested" in _error(catalog, "mine.toml", nested)


def _actors(count: int) -> str:
    sides = ("local", "foreign")
    return "".join(
        f'[[actors]]\nid = "a{i}"\nname = "A {i}"\nkind = "agency"\nside = "{sides[i % 2]}"\nsectors = ["tourism"]\n'
        for i in range(count)
    )


def test_an_upload_too_large_for_a_shared_server_is_refused_before_it_is_built(catalog: Catalog) -> None:
    # 2,500 actors and one tie rule would be 3 million ties: gigabytes and minutes in the server.
    rule = '[[tie_rules]]\nbetween = ["local", "foreign"]\n' * (UPLOAD_BOUNDS["tie_rules"] + 1)
    message = _error(catalog, "mine.toml", f'extends = "darwin.toml"\n{_actors(2500)}{rule}'.encode())
    assert f"actors: an uploaded scenario may have at most {UPLOAD_BOUNDS['actors']} actors" in message
    assert "(this one has 2505)" in message  # the five of darwin.toml count too
    assert f"at most {UPLOAD_BOUNDS['tie_rules']} tie rules" in message
    fits = f'extends = "darwin.toml"\n[scenario]\nname = "Big"\n{_actors(UPLOAD_BOUNDS["actors"] - 5)}'
    assert catalog.upload("fits.toml", fits.encode()).label == "Big"


@pytest.mark.parametrize(
    "info",
    [
        {"name": "a.toml", "size": "many"},
        {"name": "a.toml", "size": -1},
        {"name": "a.toml", "size": True},
        {"name": ["a"], "size": 10},
        {"size": 10},
        "a.toml",
    ],
)
def test_a_file_description_a_page_script_made_up_is_marked_unusable(info: object) -> None:
    from colabsim.app.picker import Picker

    picker = Picker()
    picker.file_info = [info]  # as a websocket message from the page sets it
    assert picker.file_info == [{"name": "", "size": 0, "unusable": True}]
    picker.file_info = [{"name": "a.toml", "size": 10, "type": ""}]
    assert picker.file_info[0]["size"] == 10 and len(picker.get_files()) == 1
