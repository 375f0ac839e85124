"""Measuring on a shared machine: CPU time of this process, medians, the machine's description.

The benchmark machines are shared with other sessions: wall time swings by a factor of two with
their load, the CPU time this process spends (`time.process_time`) much less. Per-run costs are
therefore CPU seconds; wall time is used only where parallelism is the point (sweeps), and said so.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["cpu_seconds", "machine", "wall_seconds"]


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
