"""Server memory per dashboard session, over open/close cycles (``colabsim serve`` + headless Chromium).

Starts ``colabsim serve`` on 127.0.0.1 with a short keep time, then for each cycle opens SESSIONS
dashboards (each its own browser profile, as another participant's device), steps each once, drops
them all (closes the browsers without a goodbye) and waits until the server has culled them. The
server's resident memory (VmRSS) is read before, with the sessions open and after the cull.
Reports the memory per open session and whether the resident size plateaus over the cycles.

    .venv/bin/python benchmarks/dashboard_sessions.py [--cycles 3] [--sessions 6] [--keep 0.25]

With ``--fps SECONDS`` it first plays one session at normal speed for that long and reports the
chart updates painted in the browser per second (each LiveChart writes ``data-frame`` once it has
painted a frame): a quick look, not the load test with many sessions.

Needs playwright and Chromium at /usr/bin/chromium (as the browser tests do).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from dashboard_live import machine, open_session, rss_mb, serving


def _open(playwright: Any, url: str, sessions: int, workdir: Path) -> list[Any]:
    """Open `sessions` dashboards, each in its own browser, and step each once."""
    contexts = []
    for i in range(sessions):
        context, page = open_session(playwright, url, workdir / f"profile{time.monotonic_ns()}-{i}")
        page.locator(".colabsim-step").click()
        page.get_by_text("month 1 of").wait_for()
        contexts.append(context)
    return contexts


#: Counts the painted frames of the left run's sector chart (see colabsim/app/livechart.vue).
COUNT_PAINTS = """() => { window.__paints = 0;
  new MutationObserver(() => window.__paints++).observe(document.querySelector('.colabsim-sectors-0'),
    {attributes: true, attributeFilter: ['data-frame']}); }"""


def painted_per_second(context: Any, seconds: float) -> float:
    """Play the session in `context` at normal speed for `seconds`; chart updates painted per second."""
    page = context.pages[0]
    page.evaluate(COUNT_PAINTS)
    page.locator(".colabsim-play").click()
    started = time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    painted = int(page.evaluate("window.__paints"))
    page.locator(".colabsim-play").click()
    return painted / (time.monotonic() - started)


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument("--keep", type=float, default=0.25, help="minutes a dropped session is kept")
    parser.add_argument("--fps", type=float, default=0.0, help="seconds to play one session first, counting paints")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with serving("--keep-minutes", f"{args.keep:g}") as server:
        url = server.url
        with tempfile.TemporaryDirectory() as work, sync_playwright() as pw:
            for context in _open(pw, url, 1, Path(work)):  # warm up: imports, first figures
                if args.fps > 0:
                    rate = painted_per_second(context, args.fps)
                    print(f"one session at normal speed: {rate:.1f} chart updates painted per second", flush=True)
                context.close()
            time.sleep(args.keep * 60 + 15)
            start = rss_mb(server.pid)
            for cycle in range(1, args.cycles + 1):
                before = rss_mb(server.pid)
                contexts = _open(pw, url, args.sessions, Path(work))
                opened = rss_mb(server.pid)
                for context in contexts:
                    context.close()
                time.sleep(args.keep * 60 + 15)  # the cull, then the server's release pass (every 10 s)
                after = rss_mb(server.pid)
                rows.append((cycle, before, opened, after, (opened - before) / args.sessions))
                print(f"cycle {cycle}: {before:.0f} -> {opened:.0f} MB open -> {after:.0f} MB culled", flush=True)
    print(f"\n{machine()}")
    print(f"\nbaseline after warm-up: {start:.0f} MB; {args.sessions} sessions a cycle, kept {args.keep:g} min\n")
    print("| cycle | before (MB) | sessions open (MB) | after cull (MB) | per session (MB) |")
    print("|---|---|---|---|---|")
    for cycle, before, opened, after, per in rows:
        print(f"| {cycle} | {before:.0f} | {opened:.0f} | {after:.0f} | {per:.1f} |")
    print(f"\ngrowth over {args.cycles} cycles after cull: {rows[-1][3] - start:+.0f} MB")


if __name__ == "__main__":
    main()
