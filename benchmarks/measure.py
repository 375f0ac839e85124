"""Measuring on a shared machine: CPU time of this process, medians, the machine's description.

The benchmark machines are shared with other sessions: wall time swings by a factor of two with
their load, the CPU time this process spends (`time.process_time`) much less. Per-run costs are
therefore CPU seconds; wall time is used only where parallelism is the point (sweeps), and said so.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psutil  # with the dev extra (through dask[distributed])

__all__ = ["Watched", "cpu_seconds", "machine", "wall_seconds", "watched_script"]


def cpu_seconds(work: Callable[[], object], repeats: int) -> float:
    """Median CPU time of this process over `repeats` calls of `work` (after one warm-up call)."""
    work()
    times = []
    for _ in range(repeats):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times)


def wall_seconds(work: Callable[[], object], repeats: int) -> float:
    """Median wall time over `repeats` calls of `work` (after one warm-up call)."""
    work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> str:
    """One line on the machine, the time and its load."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    import numba
    import numpy

    return (
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, {cpu} ({platform.machine()}), {os.cpu_count()} cores "
        f"shared with other sessions (load average {load} at the start), Python {platform.python_version()}, "
        f"numpy {numpy.__version__}, numba {numba.__version__}"
    )


class Watched:
    """What `watched_script` measured: the script's printed numbers and the CPU time of its processes.

    Attributes:
        values: The numbers the script printed (whitespace-separated, on its standard output).
        main_cpu: CPU seconds (user + system) of the script's own process.
        worker_cpu: CPU seconds of the processes it started (workers), as last seen.
        load: The load average (1 minute) when it started.
    """

    def __init__(self, values: list[float], main_cpu: float, worker_cpu: float, load: float) -> None:
        self.values, self.main_cpu, self.worker_cpu, self.load = values, main_cpu, worker_cpu, load


def _descendants_cpu(process: psutil.Process, seen: dict[int, float]) -> None:
    """Record the CPU time (user + system) of each process below `process`, as last seen."""
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.Error):  # it may have ended since it was listed
            times = child.cpu_times()
            seen[child.pid] = times.user + times.system


def watched_script(script: Path) -> Watched:
    """Run a Python script in a fresh process; its printed numbers and the CPU time of it and its workers.

    Workers started from a fork server are not in the main process's ``RUSAGE_CHILDREN``: their
    CPU time is read from each of them every quarter second while the script runs (a worker's
    last quarter second may be missed).

    Raises:
        SystemExit: If the script fails.
    """
    load = os.getloadavg()[0]
    main = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    seen: dict[int, float] = {}
    watched = psutil.Process(main.pid)
    main_cpu = 0.0
    while main.poll() is None:
        with contextlib.suppress(psutil.Error):
            _descendants_cpu(watched, seen)
            times = watched.cpu_times()
            main_cpu = times.user + times.system
        time.sleep(0.25)
    out, _ = main.communicate()
    if main.returncode != 0:
        raise SystemExit(f"{script} failed (exit {main.returncode})")
    return Watched([float(v) for v in out.split()], main_cpu, sum(seen.values()), load)
