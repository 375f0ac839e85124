"""colabsim's benchmarks: speed against the idiomatic Mesa reference, batching, scale, memory, sweeps.

Run on demand (never as a timed test): ``.venv/bin/python benchmarks/run.py [--quick]``. Every
figure is a median of repeated measurements taken in this process and run, printed as a ratio
against a reference measured in the same run, and written with the machine's description to
``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

import colabsim
from colabsim.model.batch import run_batch
from colabsim.model.structure import build_structure
from colabsim.scenario.synthetic import synthetic_scenario

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from reference_model import run_reference  # noqa: E402


def median_seconds(work: Callable[[], object], repeats: int) -> float:
    """Median wall time of `work` over `repeats` calls (after one warm-up call)."""
    work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_seconds_after(
    setup: Callable[[], colabsim.CollaborationModel],
    work: Callable[[colabsim.CollaborationModel], object],
    repeats: int,
) -> float:
    """Median wall time of `work(setup())` over `repeats` calls, timing `work` only (after a warm-up)."""
    work(setup())
    times = []
    for _ in range(repeats):
        subject = setup()
        start = time.perf_counter()
        work(subject)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _tables(model: colabsim.CollaborationModel) -> None:
    """What `colabsim.simulate` builds after the run: the summary and the four tables."""
    model.summary()
    model.timeseries()
    model.programme_performance()
    model.actors_table()
    model.ties_table()


def single_run_parts(scenario: colabsim.Scenario, repeats: int, lines: list[str]) -> None:
    """Where a single run's time goes besides the months: its tables, and the lazy DataCollector."""

    def finished() -> colabsim.CollaborationModel:
        return colabsim.CollaborationModel(scenario, rng=1).run()

    loop = median_seconds(finished, repeats)
    tables = median_seconds_after(finished, _tables, 3 * repeats)
    collector = median_seconds_after(finished, lambda model: model.datacollector, repeats)
    lines += [
        "",
        "## A single run's parts (Vlissingen, 216 months)",
        "",
        "| part | time |",
        "|---|---|",
        f"| the months: `CollaborationModel(...).run()` | {1000 * loop:.1f} ms |",
        f"| `simulate`'s tables after the run (summary, time series, programmes, actors, ties) | "
        f"{1000 * tables:.2f} ms |",
        f"| reading a finished run's `datacollector` (filled on first read; not part of `simulate`) | "
        f"{1000 * collector:.1f} ms |",
    ]


def single_and_batch(repeats: int, lines: list[str]) -> float:
    """Single run (fast engine vs reference) and batched per-run cost; returns the reference time."""
    scenario = colabsim.load_scenario(ROOT / "scenarios" / "vlissingen.toml")
    reference = median_seconds(lambda: run_reference(scenario, 1), repeats)
    fast = median_seconds(lambda: colabsim.simulate(scenario, 1), repeats)
    lines.append("## Single run and batches (Vlissingen, 216 months)")
    lines.append("")
    lines.append("| engine | time per run | runs/s | speed-up vs reference |")
    lines.append("|---|---|---|---|")
    ref = f"{1000 * reference:.1f} ms | {1 / reference:.1f}"
    lines.append(f"| reference: Mesa agents, networkx edges, DataCollector | {ref} | 1.0x |")
    speed = f"{1000 * fast:.1f} ms | {1 / fast:.1f} | {reference / fast:.1f}x"
    lines.append(f"| colabsim.simulate (Mesa model, array rules) | {speed} |")
    for size in (64, 512):
        cost = median_seconds(
            lambda size=size: run_batch(scenario, list(range(size)), keep_series=False), max(1, repeats // 2)
        )
        per_run = cost / size
        lines.append(
            f"| batch engine, {size} runs per batch (one core) | {1000 * per_run:.2f} ms | {1 / per_run:.0f} | "
            f"{reference / per_run:.0f}x |"
        )
    single_run_parts(scenario, repeats, lines)
    return reference


def scaling(lines: list[str]) -> None:
    """Single runs of synthetic networks of 1k, 3k, 10k actors over 120 months; exponent vs ties."""
    sizes, ties, seconds = [1000, 3000, 10000], [], []
    lines += [
        "",
        "## Scale (synthetic networks, 120 months, one run)",
        "",
        "| actors | ties | time | ms per 1,000 ties |",
        "|---|---|---|---|",
    ]
    for n in sizes:
        scenario = synthetic_scenario(n, seed=1)
        structure = build_structure(scenario.spec)
        cost = median_seconds(lambda scenario=scenario: colabsim.simulate(scenario, 1), 3)
        ties.append(structure.n_ties)
        seconds.append(cost)
        lines.append(f"| {n:,} | {structure.n_ties:,} | {cost:.2f} s | {1e6 * cost / structure.n_ties:.1f} |")
    exponent = float(np.polyfit(np.log(ties), np.log(seconds), 1)[0])
    lines += ["", f"Fitted exponent of time against ties: **{exponent:.2f}** (1.0 = linear)."]


def _sweep_file(directory: Path, runs_per_point: int, points: int, years: int) -> Path:
    scenario = directory / "short.toml"
    scenario.write_text(
        f'extends = "{ROOT / "scenarios" / "vlissingen.toml"}"\n[scenario]\nname = "Vlissingen, {years} years"\n'
        f"horizon_years = {years}\n"
    )
    experiment = directory / f"sweep_{points}.toml"
    experiment.write_text(
        textwrap.dedent(
            f"""
            [experiment]
            name = "benchmark"
            scenario = "{scenario}"
            seed = 1
            replications = {runs_per_point}
            [factors]
            funds = [0.2, 1.0]
            mediation = [0.0, 1.0]
            [design]
            method = "lhs"
            points = {points}
            [outputs]
            summary = ["performance", "trust"]
            """
        )
    )
    return experiment


def _peak_rss(experiment: Path, out: Path, workers: int) -> tuple[float, float, float]:
    """Run a sweep in a fresh process; return (seconds, peak RSS of the main process, of a worker) in MB."""
    code = (
        "import resource, time, colabsim\n"
        f"start = time.perf_counter(); colabsim.run_experiment({str(experiment)!r}, out={str(out)!r}, "
        f"options=colabsim.ExecutionOptions(workers={workers}, progress=False), report=False)\n"
        "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, main, child = (float(v) for v in result.stdout.split())
    return seconds, main, child


def sweeps(quick: bool, lines: list[str]) -> None:
    """Sweep throughput by executor, and memory of a large sweep against a small one."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        experiment = _sweep_file(directory, 10, 200 if quick else 400, 18)
        lines += [
            "",
            "## Sweeps (Vlissingen, 18 years; LHS over two factors)",
            "",
            "| executor | runs | time | runs/s | vs 1 worker |",
            "|---|---|---|---|---|",
        ]
        base = None
        for label, executor, workers in (
            ("processes, 1 worker", "processes", 1),
            ("processes, 2 workers", "processes", 2),
            ("dask local, 2 workers (incl. cluster start-up)", "dask", 2),
        ):
            start = time.perf_counter()
            run = colabsim.run_experiment(
                experiment,
                out=directory / label.replace(" ", "_"),
                options=colabsim.ExecutionOptions(executor=executor, workers=workers, progress=False),
                report=False,
            )
            rate = run.ran / (time.perf_counter() - start)
            base = base or rate
            lines.append(f"| {label} | {run.ran:,} | {run.ran / rate:.1f} s | {rate:.0f} | {rate / base:.2f}x |")
        small = _sweep_file(directory, 10, 1000, 2)
        large = _sweep_file(directory, 10, 2000 if quick else 10000, 2)
        lines += [
            "",
            "## Memory of a sweep (Vlissingen, 2 years, 2 workers): peak resident memory",
            "",
            "| runs | time | main process | largest worker |",
            "|---|---|---|---|",
        ]
        for experiment_file in (small, large):
            points = int(experiment_file.stem.split("_")[1])
            seconds, main, child = _peak_rss(experiment_file, directory / f"mem_{points}", 2)
            lines.append(f"| {10 * points:,} | {seconds:.0f} s | {main:.0f} MB | {child:.0f} MB |")


def main() -> None:
    """Run every benchmark, print the results and write benchmarks/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller sweeps")
    args = parser.parse_args()
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, colabsim {colabsim.__version__}"
        + (" (quick mode)" if args.quick else "")
        + ". Medians of repeated runs in one process; ratios against references measured in the same run. "
        "These machines are shared: absolute times vary between runs, ratios much less.",
        "",
    ]
    single_and_batch(3 if args.quick else 7, lines)
    scaling(lines)
    sweeps(args.quick, lines)
    text = "\n".join(lines) + "\n"
    print(text)
    results = ROOT / "benchmarks" / "RESULTS.md"
    kept = _dashboard_sections(results.read_text(encoding="utf-8")) if results.exists() else ""
    results.write_text(text + kept, encoding="utf-8")


def _dashboard_sections(text: str) -> str:
    """The ``## Dashboard ...`` sections of RESULTS.md: measured by the dashboard scripts, kept as they are."""
    sections = text.split("\n## ")
    return "".join(f"\n## {s.rstrip()}\n" for s in sections[1:] if s.startswith("Dashboard"))


if __name__ == "__main__":
    main()
