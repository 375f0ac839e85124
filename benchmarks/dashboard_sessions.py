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

``--load 1,8 [--seconds 30]`` is the load test of issue 16 (item 9): for each count, that many
sessions (one browser, a context each: separate participants) play at normal speed at the same
time for SECONDS; it reports the chart updates painted per second in each session (median and
lowest), the months each session advanced per second (normal speed asks for 6), the server's CPU
time per painted update, and the server's memory per open session. The browsers run on the same
machine as the server here, so on a 2-core machine the figures are a floor: in a workshop each
participant's browser has a laptop of its own.

Needs playwright and Chromium at /usr/bin/chromium (as the browser tests do).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from dashboard_live import CHROMIUM, FLAGS, machine, open_session, rss_mb, serving

#: In a room every participant's page is in front on its own screen: no page is throttled as a
#: background one when many share one browser here.
FOREGROUND = [
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


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


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` so far, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _month(page: Any) -> int:
    return int(str(page.locator(".colabsim-month").text_content()).split()[1])


def load(playwright: Any, url: str, sessions: int, seconds: float, pid: int) -> dict[str, float]:
    """`sessions` participants playing at once for `seconds` (see the module); the figures measured."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*FLAGS, *FOREGROUND])
    try:
        before = rss_mb(pid)
        pages = []
        for _ in range(sessions):
            context = browser.new_context(viewport={"width": 1280, "height": 720})
            context.set_default_timeout(120_000)
            page = context.new_page()
            page.goto(url)
            page.locator(".colabsim-network-0").wait_for()
            page.locator(".colabsim-sectors-0[data-frame]").wait_for()
            page.evaluate(COUNT_PAINTS)
            pages.append(page)
        time.sleep(3)  # let the server settle after the openings
        opened = rss_mb(pid)
        months = [_month(page) for page in pages]
        for page in pages:
            page.locator(".colabsim-play").click()
        cpu, started = cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        counts = [int(page.evaluate("window.__paints")) for page in pages]
        elapsed, cpu = time.monotonic() - started, cpu_seconds(pid) - cpu
        advanced = [_month(page) - m for page, m in zip(pages, months, strict=True)]
        for page in pages:
            page.locator(".colabsim-play").click()
        rates = sorted(c / elapsed for c in counts)
        return {
            "sessions": sessions,
            "median": rates[len(rates) // 2],
            "lowest": rates[0],
            "months": sorted(a / elapsed for a in advanced)[len(advanced) // 2],
            "cpu_ms": 1000 * cpu / max(1, sum(counts)),
            "cpu_share": cpu / elapsed,
            "mb_per_session": (opened - before) / sessions,
            "rss": opened,
        }
    finally:
        browser.close()


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument("--keep", type=float, default=0.25, help="minutes a dropped session is kept")
    parser.add_argument("--fps", type=float, default=0.0, help="seconds to play one session first, counting paints")
    parser.add_argument("--load", default="", help="the load test: session counts, e.g. 1,8 (skips the cycles)")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds each load test plays")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with serving("--keep-minutes", f"{args.keep:g}") as server:
        url = server.url
        if args.load:
            with sync_playwright() as pw:
                _load_table(pw, url, [int(n) for n in args.load.split(",")], args.seconds, server.pid)
            return
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


def _load_table(playwright: Any, url: str, counts: list[int], seconds: float, pid: int) -> None:
    load(playwright, url, 1, 5.0, pid)  # warm up: imports, the first charts
    rows = []
    for sessions in counts:
        row = load(playwright, url, sessions, seconds, pid)
        rows.append(row)
        print(f"{sessions} sessions: {row}", flush=True)
    print(f"\n{machine()}; load average {os.getloadavg()[0]:.1f} after the runs")
    print(f"each count plays {seconds:g} s at normal speed (6 months/s asked)\n")
    print(
        "| sessions | painted/s per session (median) | lowest | months/s per session | server CPU per update |"
        " server CPU busy | MB per session |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['sessions']:.0f} | {row['median']:.1f} | {row['lowest']:.1f} | {row['months']:.1f} | "
            f"{row['cpu_ms']:.0f} ms | {100 * row['cpu_share']:.0f}% | {row['mb_per_session']:.1f} |"
        )


if __name__ == "__main__":
    main()
