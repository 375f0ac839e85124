"""Start the dashboard's web server: ``colabsim serve [SCENARIO] [--host H] [--port P]``.

The page is `colabsim.app.page`, served by Solara's Starlette app under uvicorn. The server binds
to 127.0.0.1 unless told otherwise. It works offline: Solara's telemetry and version checks are
off, and the browser's scripts and fonts come from the ``solara-assets`` package through Solara's
local asset route (nothing is fetched from the internet while the packages match).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import warnings
import webbrowser
from pathlib import Path

from colabsim.scenario.loader import load_scenario

__all__ = ["ServeError", "serve"]

APP = "colabsim.app.page"

#: Solara settings for a self-contained, quiet server (read when Solara is first imported).
SOLARA_ENVIRONMENT = {
    "SOLARA_APP": APP,
    "SOLARA_MODE": "production",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_THEME_LOADER": "plain",
    # A closed tab's session (its runs) is kept an hour for a reconnect, then freed.
    "SOLARA_KERNEL_CULL_TIMEOUT": "1h",
}


class ServeError(ValueError):
    """The server cannot start (e.g. the port is taken)."""


def _check_address(host: str, port: int) -> None:
    """Raise `ServeError` if nothing can listen on host:port."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"unknown host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            hint = " (is another dashboard running? try --port 8766)" if exc.errno == 98 else ""
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}{hint}") from None


def offline_assets_missing() -> list[str]:
    """The browser assets the page needs that are not installed locally (empty when all are)."""
    import solara.server.settings as settings

    cache = Path(settings.assets.proxy_cache_dir)
    needed = ["requirejs@2.3.6", "@widgetti"]
    return [name for name in needed if not (cache / name).exists()]


def serve(scenario: str | None = None, host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False) -> int:
    """Serve the dashboard until interrupted (Ctrl+C); return the exit status.

    Args:
        scenario: A scenario file to show first (validated before the server starts).
        host: Address to listen on (127.0.0.1: this computer only).
        port: Port to listen on.
        open_browser: Open the dashboard in the default browser once it is up.

    Raises:
        colabsim.ScenarioError: If `scenario` is not a valid scenario file.
        ServeError: If the server cannot listen on host:port.
    """
    if scenario:
        load_scenario(scenario)
        os.environ["COLABSIM_SCENARIO"] = str(Path(scenario).resolve())
    _check_address(host, port)
    for key, value in SOLARA_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    import solara.server.settings as settings
    import uvicorn

    settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"
    from solara.server.starlette import app

    url = f"http://{host}:{port}/"
    for name in offline_assets_missing():
        print(
            f"colabsim serve: warning: browser asset {name} is not installed (pip install solara-assets)",
            file=sys.stderr,
        )
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"colabsim serve: listening on {host}: anyone who can reach this computer can open the dashboard",
            file=sys.stderr,
        )
    print(f"colabsim dashboard: {url}  (Ctrl+C to stop)", flush=True)
    if open_browser:
        threading.Timer(1.5, webbrowser.open, [url]).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
