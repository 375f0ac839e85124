"""colabsim's benchmarks against the goals of issue 15: speed, scale, compile cost, limit, sweeps.

Run on demand (never as a timed test): ``.venv/bin/python benchmarks/run.py [--quick] [--no-sobol]``.
Per-run costs are CPU seconds of this process (`measure.cpu_seconds`: the machine is shared, wall
time is not comparable between runs), medians of repeats, and every ratio is against a reference
measured in the same run. Writes ``benchmarks/RESULTS.md`` with the machine's description.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

import colabsim
from colabsim.model import kernel
from colabsim.model.batch import run_batch
from colabsim.model.structure import build_structure
from colabsim.scenario.synthetic import synthetic_scenario

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from limit import limit_section  # noqa: E402
from measure import cpu_seconds, machine  # noqa: E402
from reference_model import run_reference  # noqa: E402
from sweeps import sobol_section, sweep_sections  # noqa: E402


@contextlib.contextmanager
def numpy_engine() -> Iterator[None]:
    """Run the numpy engine (as without numba) within the block."""
    available = kernel.available
    kernel.available = lambda: False
    try:
        yield
    finally:
        kernel.available = available


def per_run(work: Callable[[], object], runs: int, repeats: int) -> float:
    """CPU seconds per run of `work`, which does `runs` runs."""
    return cpu_seconds(work, repeats) / runs


def engines(scenario: colabsim.Scenario, repeats: int, batch: int) -> dict[str, float]:
    """CPU seconds per run of each path on `scenario`: reference, simulate, batches, numpy engine."""
    costs = {"reference": per_run(lambda: run_reference(scenario, 1), 1, max(3, repeats // 2))}
    costs["simulate"] = per_run(lambda: colabsim.simulate(scenario, 1), 1, 3 * repeats)
    costs["batch"] = per_run(lambda: run_batch(scenario, list(range(batch)), keep_series=False), batch, repeats)
    costs["batch_series"] = per_run(lambda: run_batch(scenario, list(range(batch)), keep_series=True), batch, repeats)
    with numpy_engine():
        costs["numpy_simulate"] = per_run(lambda: colabsim.simulate(scenario, 1), 1, max(3, repeats // 2))
        costs["numpy_batch"] = per_run(
            lambda: run_batch(scenario, list(range(512)), keep_series=False), 512, max(1, repeats // 3)
        )
    return costs


def _row(label: str, seconds: float, reference: float, goal: str = "") -> str:
    return f"| {label} | {1000 * seconds:.3f} ms | {reference / seconds:.0f}x | {goal} |"


def speed_section(quick: bool, lines: list[str]) -> dict[str, float]:
    """Single runs and batches against the reference: Vlissingen and the 30-actor synthetic network."""
    repeats = 3 if quick else 7
    vlissingen = colabsim.load_scenario(ROOT / "scenarios" / "vlissingen.toml")
    costs = engines(vlissingen, repeats, 512)
    ref = costs["reference"]
    lines += [
        "## Single runs and batches (Vlissingen: 9 actors, 56 ties, 3 programmes, 216 months)",
        "",
        "CPU time of this process per run (median of repeats); speed-up against the reference measured in this run.",
        "",
        "| path | CPU per run | vs reference | goal |",
        "|---|---|---|---|",
        f"| reference: idiomatic Mesa (agents, networkx edges, DataCollector) | {1000 * ref:.1f} ms | 1x | |",
        _row("`colabsim.simulate` (whole-run kernel, tables)", costs["simulate"], ref, ">= 10x"),
        _row("batch of 512, summaries only (one core)", costs["batch"], ref, ">= 200x per core"),
        _row("batch of 512, monthly series kept", costs["batch_series"], ref, ""),
        _row("numpy engine (no numba): `simulate`", costs["numpy_simulate"], ref, "(fallback)"),
        _row("numpy engine (no numba): batch of 512", costs["numpy_batch"], ref, "(fallback; before this branch)"),
    ]
    synthetic = synthetic_scenario(30, seed=1)
    structure = build_structure(synthetic.spec)
    small = engines(synthetic, repeats, 256)
    lines += [
        "",
        f"## The 30-actor synthetic network (`synthetic_scenario(30, seed=1)`: {structure.n_ties} ties, "
        f"{structure.n_programmes} programmes, {synthetic.horizon_months} months)",
        "",
        "| path | CPU per run | vs its reference | goal |",
        "|---|---|---|---|",
        f"| reference (Mesa) | {1000 * small['reference']:.1f} ms | 1x | |",
        _row("`colabsim.simulate`", small["simulate"], small["reference"], ">= 10x"),
        _row("batch of 256, summaries only (one core)", small["batch"], small["reference"], ">= 200x per core"),
        _row("numpy engine: batch of 512", small["numpy_batch"], small["reference"], "(fallback)"),
    ]
    return costs


def scale_section(quick: bool, lines: list[str]) -> None:
    """Single runs of 1,000 to 10,000 actors over 18 years; fitted exponent of time against ties."""
    sizes = [1000, 3000] if quick else [1000, 3000, 10000]
    ties, seconds = [], []
    lines += [
        "",
        "## Scale (synthetic networks, 216 months, one `simulate`, CPU time)",
        "",
        "| actors | ties | CPU time | us per 1,000 tie-months |",
        "|---|---|---|---|",
    ]
    for n in sizes:
        scenario = synthetic_scenario(n, seed=1, horizon_years=18)
        e = build_structure(scenario.spec).n_ties
        cost = cpu_seconds(functools.partial(colabsim.simulate, scenario, 1), 1 if n >= 10000 else 3)
        ties.append(e)
        seconds.append(cost)
        lines.append(f"| {n:,} | {e:,} | {cost:.2f} s | {1e9 * cost / e / 216:.0f} |")
    exponent = float(np.polyfit(np.log(ties), np.log(seconds), 1)[0])
    lines += ["", f"Fitted exponent of time against ties: **{exponent:.2f}** (1.0 = linear)."]


#: Imports colabsim and times its first simulate and a second one, in CPU seconds.
_COMPILE_PROBE = textwrap.dedent(
    """
    import time
    start = time.process_time()
    import colabsim
    from colabsim.model import kernel
    scenario = colabsim.load_scenario({scenario!r})
    imported = time.process_time()
    colabsim.simulate(scenario, 1)
    first = time.process_time()
    from colabsim.model.batch import run_batch
    run_batch(scenario, [1, 2], keep_series=False)
    batch = time.process_time()
    colabsim.simulate(scenario, 2)
    print(int(kernel.available()), imported - start, first - imported, batch - first, time.process_time() - batch)
    """
)


def compile_section(lines: list[str]) -> None:
    """Cold compile (empty cache), then a fresh process loading the cache, in CPU seconds."""
    scenario = str(ROOT / "scenarios" / "vlissingen.toml")
    rows = []
    with tempfile.TemporaryDirectory() as cache:
        environment = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("cold (empty cache: compiles)", "warm (a new process loads the cache)"):
            done = subprocess.run(
                [sys.executable, "-c", _COMPILE_PROBE.format(scenario=scenario)],
                capture_output=True,
                text=True,
                env=environment,
                check=True,
            )
            _, imported, first, batch, again = (float(v) for v in done.stdout.split())
            rows.append(f"| {label} | {imported:.2f} s | {first:.2f} s | {batch:.2f} s | {1000 * again:.1f} ms |")
    lines += [
        "",
        "## Compile cost (fresh processes, CPU seconds)",
        "",
        "| process | import colabsim | first `simulate` | first batch | next `simulate` |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "The first `simulate` of a cold process compiles the kernel (every function, once: one signature "
        "each) and writes numba's cache (`NUMBA_CACHE_DIR`; `dev.py` and CI put it in `.venv/numba-cache`); "
        "the first batch then compiles the whole-run entry for batches. A warm process only loads the cache.",
    ]


def main() -> None:
    """Run every benchmark, print the results and write benchmarks/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sweeps, no 10,000 actors")
    parser.add_argument("--no-sobol", action="store_true", help="skip the 410,000-run Sobol' analysis")
    args = parser.parse_args()
    if not kernel.available():
        sys.exit(f"the benchmarks measure the compiled kernel, which is not in use: {kernel.unavailable_reason()}")
    started = time.perf_counter()
    lines = ["# Benchmark results", "", f"Measured {machine()}" + (" (quick mode)." if args.quick else "."), ""]
    results = ROOT / "benchmarks" / "RESULTS.md"
    kept = _dashboard_sections(results.read_text(encoding="utf-8")) if results.exists() else ""

    def write() -> None:  # after each section, so a failing section keeps the others
        results.write_text("\n".join(lines) + "\n" + kept, encoding="utf-8")

    costs = speed_section(args.quick, lines)
    write()
    scale_section(args.quick, lines)
    write()
    compile_section(lines)
    limit_section(costs, lines)
    write()
    sweep_sections(args.quick, costs, lines)
    write()
    if not args.no_sobol and not args.quick:
        sobol_section(costs, lines)
    lines += ["", f"All sections took {(time.perf_counter() - started) / 60:.0f} minutes of wall time."]
    write()
    print("\n".join(lines))


#: Sections of RESULTS.md that other scripts write (the dashboard scripts, robustness.py, calibration.py).
_OTHER_SCRIPTS = ("Dashboard", "Workshop dashboard", "Coding robustness", "Calibration")


def _dashboard_sections(text: str) -> str:
    """RESULTS.md's sections measured by the other scripts, kept as they are (with their markers)."""
    sections = text.split("\n## ")
    return "".join(f"\n## {s.rstrip()}\n" for s in sections[1:] if s.startswith(_OTHER_SCRIPTS))


if __name__ == "__main__":
    main()
