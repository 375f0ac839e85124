"""Start the dashboard's web server: ``colabsim serve [SCENARIO] [--host H] [--port P] ...``.

The page is `colabsim.app.page`, served by Solara's Starlette app under uvicorn, behind
`colabsim.app.guard.Guard` (token, read-only assets, session cap). The server binds to 127.0.0.1
unless told otherwise; any other address needs an access token (generated unless ``--token`` or
``$COLABSIM_TOKEN`` gives one, or ``--no-token`` opts out). It works offline: the browser's
scripts and fonts come from the installed ``solara-assets`` package, read only, and nothing is
fetched from the internet.

Solara reads its settings from the environment, and from a ``.env`` file in the working folder,
when it is first imported. The settings safety depends on are therefore set, not defaulted:
in the environment before the import (which a ``.env`` does not override) and on Solara's settings
objects after it (`pin_settings`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import ipaddress
import os
import secrets
import socket
import sys
import threading
import warnings
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from colabsim.app.guard import Guard, normal_token
from colabsim.scenario.loader import load_scenario

__all__ = ["ENV_TOKEN", "ServeError", "ServeOptions", "build_app", "new_token", "pin_settings", "serve", "urls"]

APP = "colabsim.app.page"
#: Environment variable with the access token (instead of ``--token``).
ENV_TOKEN = "COLABSIM_TOKEN"
#: Letters of a generated token: no 0/o, 1/l/i, so it can be read off a projector and typed.
TOKEN_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
#: Shortest token accepted (after dashes and spaces are dropped).
MIN_TOKEN = 8


class ServeError(ValueError):
    """The server cannot start (e.g. the port is taken, or a token is missing or too short)."""


@dataclass(frozen=True)
class ServeOptions:
    """How ``colabsim serve`` runs.

    Attributes:
        host: Address to listen on (127.0.0.1: this computer only).
        port: Port to listen on.
        open_browser: Open the dashboard in the default browser once it is up.
        token: The access token; None to generate one off localhost (or take ``$COLABSIM_TOKEN``).
        no_token: Serve off localhost without a token (explicit opt-out).
        keep_minutes: Minutes a dropped tab's session is kept for a reconnect before it is freed.
        max_sessions: Most sessions (open or dropped tabs) at a time; more get "room full".
    """

    host: str = "127.0.0.1"
    port: int = 8765
    open_browser: bool = False
    token: str | None = None
    no_token: bool = False
    keep_minutes: float = 15.0
    max_sessions: int = 40


def _environment(options: ServeOptions, scenario: str) -> dict[str, str]:
    """What Solara and the page read from the environment (set before Solara is imported)."""
    return {
        "SOLARA_APP": APP,
        "SOLARA_MODE": "production",
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_THEME_LOADER": "plain",
        "SOLARA_ASSETS_PROXY": "True",
        "SOLARA_KERNEL_CULL_TIMEOUT": f"{options.keep_minutes * 60:g}s",
        "SOLARA_STATE_BACKEND": "",
        "SOLARA_OAUTH_PRIVATE": "False",
        "SOLARA_SESSION_HTTP_ONLY": "True",
        "COLABSIM_SCENARIO": scenario,
        "COLABSIM_SCENARIOS": os.environ.get("COLABSIM_SCENARIOS", ""),
    }


def pin_settings(options: ServeOptions) -> Path:
    """Set Solara's safety settings on its settings objects; return the offline assets' folder.

    Whatever the environment or a ``.env`` said: production mode, no telemetry, no debugger, no
    login or state backend, asset URLs on this server (never a CDN), the cull timeout of
    `options`, and the assets folder of the installed package.
    """
    import solara.server.settings as settings
    import solara.settings

    assets = Path(str(getattr(settings, "prefix", sys.prefix))) / "share" / "solara" / "cdn"
    settings.main.mode = "production"
    settings.main.use_pdb = False
    # Not None: Solara would take the root from the first request's (X-)Script-Name header, so any
    # visitor could make every page load its scripts from another server.
    settings.main.root_path = ""
    settings.main.base_url = ""
    settings.telemetry.mixpanel_enable = False
    settings.theme.loader = "plain"
    settings.kernel.cull_timeout = f"{options.keep_minutes * 60:g}s"
    settings.kernel.max_count = None  # the guard caps sessions with a message; a limiter would hang them
    settings.state.backend = ""
    settings.state.test_eviction = False
    settings.oauth.private = False
    settings.session.http_only = True
    settings.assets.proxy_cache_dir = assets
    settings.assets.extra_locations = []
    solara.settings.assets.proxy = True
    return assets


def _live_sessions() -> set[str]:
    from solara.server import kernel_context

    return set(kernel_context.contexts)


def build_app(options: ServeOptions, token: str | None, scenario: str = "") -> Guard:
    """Solara's app behind the guard, with its settings set (Solara is first imported here).

    Args:
        options: The session limits (see `ServeOptions`).
        token: The access token, or None for none.
        scenario: The resolved path of the scenario file to show first, or "".
    """
    os.environ.update(_environment(options, scenario))
    assets = pin_settings(options)
    from solara.server.starlette import app

    return Guard(app, assets, token, options.max_sessions, _live_sessions)


def new_token() -> str:
    """A random access token, short enough to type: ``xxxx-xxxx-xxxx`` (about 59 bits)."""
    letters = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(12))
    return "-".join(letters[i : i + 4] for i in range(0, 12, 4))


def is_loopback(host: str) -> bool:
    """Whether `host` is this computer only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _token_for(options: ServeOptions) -> str | None:
    """The token the server asks for, or None (see `ServeOptions`)."""
    given = options.token if options.token is not None else os.environ.get(ENV_TOKEN) or None
    if options.no_token:
        if options.token is not None:
            raise ServeError("--token and --no-token contradict each other; give one of them")
        return None
    if given is None:
        return None if is_loopback(options.host) else new_token()
    if len(normal_token(given)) < MIN_TOKEN:
        raise ServeError(f"the access token is too short: give at least {MIN_TOKEN} letters or digits")
    return given


def _address(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _lan_addresses(family: socket.AddressFamily) -> list[str]:
    """This computer's addresses others on the network can reach (no packet is sent to find them)."""
    found: list[str] = []
    probe_target = "192.0.2.1" if family == socket.AF_INET else "2001:db8::1"  # documentation ranges
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((probe_target, 9))
            found.append(str(probe.getsockname()[0]))
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, family, socket.SOCK_STREAM):
            found.append(str(info[4][0]))
    except OSError:
        pass
    usable = []
    for text in dict.fromkeys(found):
        address = ipaddress.ip_address(text.split("%")[0])
        if not (address.is_loopback or address.is_link_local or address.is_unspecified):
            usable.append(str(address))
    return usable


def urls(host: str, port: int, token: str | None) -> list[str]:
    """The addresses to open the dashboard at, with the token; the reachable ones for 0.0.0.0 or ::."""
    hosts = [host]
    if host in ("0.0.0.0", "::", ""):
        hosts = _lan_addresses(socket.AF_INET)
        if host == "::":
            hosts += _lan_addresses(socket.AF_INET6)
        hosts = hosts or ["127.0.0.1"]
    suffix = f"?token={token}" if token else ""
    return [f"http://{_address(name)}:{port}/{suffix}" for name in hosts]


def room_qr(url: str) -> str:
    """A QR code of `url` as terminal text, for participants to scan from the projector or the screen."""
    import io

    import segno

    buffer = io.StringIO()
    segno.make(url, error="m").terminal(out=buffer, compact=True)
    return buffer.getvalue()


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
            raise ServeError(f"cannot listen on {_address(host)}:{port}: {exc.strerror}{hint}") from None


def offline_assets_missing() -> list[str]:
    """The browser assets the page needs that are not installed locally (empty when all are)."""
    import solara.server.settings as settings

    cache = Path(settings.assets.proxy_cache_dir)
    needed = ["requirejs@2.3.6", "@widgetti"]
    return [name for name in needed if not (cache / name).exists()]


def _release_memory(stop: threading.Event, period: float = 10.0) -> None:
    """After sessions are freed, collect garbage and give freed heap pages back to the system.

    Without `malloc_trim` glibc keeps a freed session's memory in the process, so the server's
    resident size only grows over a workshop.
    """
    name = ctypes.util.find_library("c")
    libc: Any = ctypes.CDLL(name) if name else None
    trim = getattr(libc, "malloc_trim", None)
    last = 0
    while not stop.wait(period):
        count = len(_live_sessions())
        if count < last:
            gc.collect()
            if trim is not None:
                trim(0)
        last = count


def serve(scenario: str | None = None, options: ServeOptions | None = None) -> int:
    """Serve the dashboard until interrupted (Ctrl+C); return the exit status.

    Args:
        scenario: A scenario file to show first (validated before the server starts).
        options: Address, token and session limits (see `ServeOptions`).

    Raises:
        colabsim.ScenarioError: If `scenario` is not a valid scenario file.
        ServeError: If the server cannot listen on host:port, or the token is unusable.
    """
    options = options or ServeOptions()
    if not options.keep_minutes > 0 or options.max_sessions < 1:
        raise ServeError("--keep-minutes must be more than 0 (default 15), --max-sessions 1 or more")
    first = ""
    if scenario is not None:
        load_scenario(scenario)
        first = str(Path(scenario).resolve())
    token = _token_for(options)
    _check_address(options.host, options.port)
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    import uvicorn

    app = build_app(options, token, first)
    for name in offline_assets_missing():
        print(
            f"colabsim serve: warning: browser asset {name} is not installed (pip install solara-assets)",
            file=sys.stderr,
        )
    if not is_loopback(options.host):
        who = "with the access code" if token else "WITHOUT an access code (--no-token)"
        print(f"colabsim serve: anyone on this network can open the dashboard {who}", file=sys.stderr)
    addresses = urls(options.host, options.port, token)
    for url in addresses:
        print(f"colabsim dashboard: {url}", flush=True)
    if not is_loopback(options.host) and addresses:
        print(f"scan to join ({addresses[0]}):", flush=True)
        print(room_qr(addresses[0]), end="", flush=True)
    if token:
        print(f"access code: {token}  (Ctrl+C to stop)", flush=True)
    else:
        print("(Ctrl+C to stop)", flush=True)
    if options.open_browser:
        threading.Timer(1.5, webbrowser.open, [addresses[0]]).start()
    stop = threading.Event()
    threading.Thread(target=_release_memory, args=(stop,), name="colabsim-release-memory", daemon=True).start()
    try:
        uvicorn.run(app, host=options.host, port=options.port, log_level="warning")
    finally:
        stop.set()
    return 0
