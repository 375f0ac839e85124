"""The workshop's commands: ``colabsim serve`` (the dashboard) and ``colabsim handout`` (its A4 page).

Kept apart from `colabsim.cli` so the command line stays readable; `add_workshop_commands` adds
both to its parser. The web dependencies load only when ``serve`` runs.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from colabsim.inputs import UsageError, port_number, positive

__all__ = ["add_workshop_commands"]

#: The dashboard's languages, as ``--lang`` takes them (`colabsim.app.i18n.LANGUAGES`).
LANGUAGE_CHOICES = ("en", "id")


def _cmd_serve(args: argparse.Namespace) -> int:
    from colabsim.app.i18n import ENV_LANGUAGE
    from colabsim.app.server import ServeError, ServeOptions, serve  # the web dependencies load only here

    os.environ[ENV_LANGUAGE] = args.lang  # each session starts in it; a participant may switch in the page
    options = ServeOptions(
        host=args.host,
        port=args.port,
        open_browser=args.open,
        token=args.token,
        no_token=args.no_token,
        keep_minutes=args.keep_minutes,
        max_sessions=args.max_sessions,
    )
    try:
        return serve(args.scenario, options)
    except ServeError as exc:
        raise UsageError(str(exc)) from None


def _cmd_handout(args: argparse.Namespace) -> int:
    from colabsim.app.handout import HANDOUT_FORMATS, write_handout

    out = args.out if args.out is not None else Path(f"colabsim-handout-{args.lang}.pdf")
    if out.suffix.lower().lstrip(".") not in HANDOUT_FORMATS:
        raise UsageError(f"--out {out}: the handout is written as {', '.join(HANDOUT_FORMATS)} (by the file's suffix)")
    if out.parent and not out.parent.is_dir():
        raise UsageError(f"--out {out}: the folder {out.parent} does not exist")
    write_handout(out, args.lang)
    print(f"handout written: {out}")
    return 0


def add_workshop_commands(sub: Any) -> None:
    """Add ``serve`` and ``handout`` to the command line's subparsers `sub` (``parser.add_subparsers()``)."""
    serve = sub.add_parser("serve", help="the workshop dashboard in the browser (http://127.0.0.1:8765 by default)")
    serve.add_argument("scenario", nargs="?", help="scenario file to show first (default: the shipped Vlissingen)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this computer)")
    serve.add_argument("--port", type=port_number, default=8765, help="port to listen on (default 8765)")
    serve.add_argument("--open", action="store_true", help="open the dashboard in the default browser")
    serve.add_argument(
        "--token",
        default=None,
        help="access code to ask for (default: generated when --host is not this computer; or $COLABSIM_TOKEN)",
    )
    serve.add_argument(
        "--no-token", action="store_true", help="serve to the network without an access code (not recommended)"
    )
    serve.add_argument(
        "--keep-minutes",
        type=float,
        default=15.0,
        help="minutes a dropped tab's run is kept for a reconnect (default 15)",
    )
    serve.add_argument("--max-sessions", type=positive, default=40, help="most dashboards open at a time (default 40)")
    serve.add_argument(
        "--lang",
        choices=LANGUAGE_CHOICES,
        default="en",
        help="language each dashboard starts in: en (English) or id (Bahasa Indonesia); each participant can switch",
    )
    serve.set_defaults(handler=_cmd_serve)

    handout = sub.add_parser(
        "handout", help="the workshop's one-page A4 handout, in two languages (PDF, PNG or SVG; greyscale-safe)"
    )
    handout.add_argument(
        "--lang",
        choices=LANGUAGE_CHOICES,
        default="id",
        help="the language that comes first (the other follows each text); default id",
    )
    handout.add_argument(
        "--out", type=Path, default=None, help="file to write (default colabsim-handout-LANG.pdf; .png, .svg too)"
    )
    handout.set_defaults(handler=_cmd_handout)
