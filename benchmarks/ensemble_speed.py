"""Runs per second of the shipped scenarios, serial and in a process pool.

Prints the median over repeats of the time per run, and ratios against the serial Vlissingen
run measured in the same process.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path

import colabsim

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REPEATS = 3
RUNS = 20


def seconds_per_run(pairs: list[tuple[str, colabsim.Scenario]], workers: int) -> float:
    times = []
    for repeat in range(REPEATS):
        start = time.perf_counter()
        colabsim.run_ensemble(pairs, seed=repeat, replications=RUNS, workers=workers)
        times.append((time.perf_counter() - start) / (RUNS * len(pairs)))
    return statistics.median(times)


def main() -> None:
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    scenarios = {
        name: colabsim.load_scenario(SCENARIOS / f"{name}.toml") for name in ("vlissingen", "darwin", "darwin_reformed")
    }
    reference = seconds_per_run([("vlissingen", scenarios["vlissingen"])], workers=1)
    print(f"reference: vlissingen serial, {1000 * reference:.1f} ms per run ({1 / reference:.1f} runs/s)")
    for name, scenario in scenarios.items():
        for workers in (1, 2):
            cost = seconds_per_run([(name, scenario)], workers)
            speed = f"{1000 * cost:6.1f} ms/run  {1 / cost:6.1f} runs/s"
            print(f"{name:<16} workers={workers}: {speed}  speed vs reference x{reference / cost:.2f}")


if __name__ == "__main__":
    main()
