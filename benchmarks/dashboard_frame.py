"""Server work per dashboard frame: one month simulated plus the charts' data, and its size.

Each frame of ``Play`` (at the slowest speed, one month) costs the server: `Dashboard.step`, a
consistent copy of the run (`Dashboard.views`) and the charts' frames (`colabsim.app.charts`),
which are all that is sent to the browser. The budget (issue 16, item 9) is about 60 ms per
frame, since one Python process serves every session. No browser is involved: painting is the
browser's work (see ``dashboard_sessions.py`` for a run with real browsers).

    .venv/bin/python benchmarks/dashboard_frame.py [--scenario darwin] [--months 120] [--side-by-side]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

from colabsim.app import charts, strip
from colabsim.app.catalog import Catalog
from colabsim.app.session import Dashboard


def frames(board: Dashboard) -> list[dict[str, object]]:
    """Every chart's frame for every run now (what one redraw sends)."""
    out: list[dict[str, object]] = []
    views = board.views()  # a copy of each run, as the page takes one per frame
    for view in views:
        xy = charts.network_layout(view)
        out.append(charts.network_frame(view, view.scenario, xy))
        out.append(charts.time_frame(view, view.scenario, "sectors"))
        out.append(charts.time_frame(view, view.scenario, "dynamics"))
    if board.side_by_side:
        out.append(strip.difference_frame(views[0], views[1]))
    return out


def main() -> None:
    """Time `--months` frames and print the median, 95th percentile and the size sent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="darwin")
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--side-by-side", action="store_true")
    args = parser.parse_args()
    catalog = Catalog()
    board = Dashboard(catalog, seed=1)
    choice = catalog.find(args.scenario)
    if choice is None:
        raise SystemExit(f"no scenario {args.scenario!r}; choose one of {sorted(c.short for c in catalog.choices)}")
    board.choose(0, choice.key)
    if args.side_by_side:
        board.set_side_by_side(True)
    seconds, sizes = [], []
    for _ in range(args.months):
        started = time.perf_counter()
        board.step(1)
        sent = json.dumps(frames(board))
        seconds.append(time.perf_counter() - started)
        sizes.append(len(sent))
    ms = sorted(1000 * s for s in seconds)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    mode = "side by side" if args.side_by_side else "one run"
    print(f"{args.scenario}, {mode}, {args.months} frames of one month:")
    p95, kib = ms[int(0.95 * len(ms))], statistics.median(sizes) / 1024
    print(f"  server work per frame: median {statistics.median(ms):.1f} ms, 95th percentile {p95:.1f} ms")
    print(f"  sent per frame (JSON): median {kib:.1f} KiB, largest {max(sizes) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
