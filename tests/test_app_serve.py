"""``colabsim serve``: bad input ends with a clear message and exit status 2, before any server starts."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from colabsim.cli import main


def test_serve_rejects_a_bad_scenario_file(bad_scenario_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", str(bad_scenario_dir / "unknown_factor.toml")]) == 2
    err = capsys.readouterr().err
    assert "unknown_factor.toml" in err and "unknown factor" in err and "Traceback" not in err


def test_serve_says_when_the_port_is_taken(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_serve_checks_the_port_number(port: str) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["serve", "--port", port])
    assert stop.value.code == 2
