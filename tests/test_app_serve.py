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


def test_a_contradictory_or_short_token_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--token", "abcdefgh", "--no-token"]) == 2
    assert "--token and --no-token" in capsys.readouterr().err
    assert main(["serve", "--token", "ab-cd"]) == 2
    assert "too short" in capsys.readouterr().err


def test_off_localhost_a_token_is_generated_and_short_enough_to_type(monkeypatch: pytest.MonkeyPatch) -> None:
    from colabsim.app.server import ServeOptions, _token_for, new_token

    monkeypatch.delenv("COLABSIM_TOKEN", raising=False)
    assert _token_for(ServeOptions(host="127.0.0.1")) is None
    assert _token_for(ServeOptions(host="::1")) is None
    made = {_token_for(ServeOptions(host=host)) for host in ("0.0.0.0", "::", "192.168.1.5") for _ in range(5)}
    assert len(made) == 15 and all(t is not None and len(t) == 14 for t in made)
    assert not set("".join(str(t) for t in made)) & set("01ilo")
    assert _token_for(ServeOptions(host="0.0.0.0", no_token=True)) is None
    monkeypatch.setenv("COLABSIM_TOKEN", "from-the-environment")
    assert _token_for(ServeOptions(host="0.0.0.0")) == "from-the-environment"
    assert _token_for(ServeOptions(host="127.0.0.1")) == "from-the-environment"
    assert len(new_token().replace("-", "")) == 12


def test_the_printed_addresses_are_right_for_ipv4_and_ipv6() -> None:
    from colabsim.app.server import urls

    assert urls("127.0.0.1", 8765, None) == ["http://127.0.0.1:8765/"]
    assert urls("::1", 8765, "abcd-efgh-jkmn") == ["http://[::1]:8765/?token=abcd-efgh-jkmn"]
    assert urls("fd00::5", 80, None) == ["http://[fd00::5]:80/"]
    for url in urls("::", 8765, "t") + urls("0.0.0.0", 8765, "t"):
        host = url.removeprefix("http://").rsplit(":", 1)[0]
        assert url.endswith(":8765/?token=t") and ":::" not in url
        assert host.startswith("[") == (":" in host.strip("[]"))


def test_bad_session_limits_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--keep-minutes", "0"]) == 2
    assert "--keep-minutes" in capsys.readouterr().err


def test_the_join_qr_code_encodes_the_link_with_its_token() -> None:
    import segno

    from colabsim.app.server import room_qr

    url = "http://192.168.1.20:8765/?token=abcd-efgh-jkmn"
    text = room_qr(url)
    lines = text.splitlines()
    assert len(lines) > 10 and len({len(line) for line in lines}) == 1  # a square block of text
    # Two lines of modules per text line (compact), plus the quiet zone: the same symbol segno makes.
    symbol = segno.make(url, error="m")
    assert len(lines) == -(-(symbol.symbol_size()[1]) // 2)
    assert room_qr(url) == text and room_qr(url + "x") != text
