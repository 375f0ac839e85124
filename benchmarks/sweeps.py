"""Sweeps: executors and parallel efficiency, per-chunk overheads, memory, and a 410,000-run Sobol'.

Parallel efficiency needs wall time (two workers against one); the machine is shared, so each
executor's start-up (a pool of fresh processes, or a Dask cluster, each loading numba's cache) is
measured apart on a one-chunk experiment and taken out, and the load average is given.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import colabsim
from colabsim.experiments.runner import ChunkTask, run_chunk
from colabsim.experiments.store import ResultStore
from colabsim.model.kernel.layout import kernel_structure
from colabsim.model.structure import build_structure

__all__ = ["sobol_section", "sweep_sections"]

ROOT = Path(__file__).resolve().parents[1]
VLISSINGEN = ROOT / "scenarios" / "vlissingen.toml"


def _experiment(directory: Path, runs_per_point: int, points: int, years: int) -> Path:
    scenario = directory / f"vlissingen_{years}.toml"
    # A shortened horizon needs a window of its own: the whole run.
    scenario.write_text(
        f'extends = "{VLISSINGEN}"\n[scenario]\nname = "Vlissingen, {years} years"\nhorizon_years = {years}\n'
        f'window = ["2006-01", "{2005 + years}-12"]\n'
    )
    experiment = directory / f"sweep_{points}_{years}.toml"
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


def _sweep(experiment: Path, out: Path, executor: str, workers: int) -> tuple[int, float]:
    start = time.perf_counter()
    run = colabsim.run_experiment(
        experiment,
        out=out,
        options=colabsim.ExecutionOptions(executor=executor, workers=workers, progress=False),
        report=False,
    )
    return run.ran, time.perf_counter() - start


def _chunk_overheads(lines: list[str]) -> None:
    """What a chunk of 256 runs costs besides its runs: pickling, structure, Parquet."""
    scenario = colabsim.load_scenario(VLISSINGEN)
    seeds = list(range(256))
    task = ChunkTask(0, 0, 1, seeds, [{"funds": 0.5}] * 256, scenario, None, ["performance", "trust"])
    start = time.perf_counter()
    blob = pickle.dumps(task)
    pickled = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(20):
        kernel_structure(build_structure(scenario.spec))
    structure = (time.perf_counter() - start) / 20
    start = time.perf_counter()
    _, frame, _ = run_chunk(task)
    ran = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        store = ResultStore.create(Path(tmp) / "store")
        start = time.perf_counter()
        store.write_part("summary", 0, frame)
        written = time.perf_counter() - start
    lines += [
        "",
        "### A chunk's overheads (256 runs of Vlissingen, wall time, this process)",
        "",
        "| part | time | share of the chunk |",
        "|---|---|---|",
        f"| the chunk in a worker (`run_chunk`: runs, structure, table) | {1000 * ran:.1f} ms | 100% |",
        f"| pickling the task to send it ({len(blob) / 1024:.0f} KiB) | {1000 * pickled:.2f} ms | "
        f"{100 * pickled / ran:.1f}% |",
        f"| building the structure and its kernel arrays | {1000 * structure:.2f} ms | {100 * structure / ran:.1f}% |",
        f"| writing the summary part as Parquet (main process) | {1000 * written:.1f} ms | "
        f"{100 * written / ran:.1f}% |",
    ]


def sweep_sections(quick: bool, costs: dict[str, float], lines: list[str]) -> None:
    """Executors with start-up apart, chunk overheads, and peak memory of a large against a small sweep."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        experiment = _experiment(directory, 10, 400 if quick else 2000, 18)
        one_chunk = _experiment(directory, 1, 1, 18)
        lines += [
            "",
            f"## Sweeps (Vlissingen, 18 years; LHS over two factors; wall time, load average "
            f"{os.getloadavg()[0]:.1f} at the start)",
            "",
            "| executor | runs | wall time | start-up (one-chunk sweep) | runs/s after start-up | "
            "parallel efficiency |",
            "|---|---|---|---|---|---|",
        ]
        base = None
        for label, executor, workers in (
            ("processes, 1 worker", "processes", 1),
            ("processes, 2 workers", "processes", 2),
            ("dask local cluster, 2 workers", "dask", 2),
        ):
            _, startup = _sweep(one_chunk, directory / f"start_{executor}_{workers}", executor, workers)
            ran, seconds = _sweep(experiment, directory / f"sweep_{executor}_{workers}", executor, workers)
            rate = ran / max(seconds - startup, 1e-9)
            base = base or rate
            efficiency = "" if workers == 1 else f"{rate / (workers * base):.0%}"
            lines.append(f"| {label} | {ran:,} | {seconds:.1f} s | {startup:.1f} s | {rate:.0f} | {efficiency} |")
        lines += [
            "",
            f"One core's rate in-process (batch of 512, CPU time): {1 / costs['batch']:.0f} runs/s; "
            "the workers send each chunk (256 runs) to the batched kernel, single-threaded (no `prange`: "
            "two workers on two cores would oversubscribe them).",
        ]
        _chunk_overheads(lines)
        small = _experiment(directory, 10, 1000, 2)
        large = _experiment(directory, 10, 2000 if quick else 10000, 2)
        lines += [
            "",
            "## Memory of a sweep (Vlissingen, 2 years, 2 workers, summaries only): peak resident memory",
            "",
            "| runs | wall time | main process | largest worker |",
            "|---|---|---|---|",
        ]
        for experiment_file in (small, large):
            points = int(experiment_file.stem.split("_")[1])
            seconds, main, child = _peak_rss(experiment_file, directory / f"mem_{points}", 2)
            lines.append(f"| {10 * points:,} | {seconds:.0f} s | {main:.0f} MB | {child:.0f} MB |")


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


#: Every factor within its bounds, 1,024 base samples with second-order indices, 10 replications.
_SOBOL = """
[experiment]
name = "Sobol: every factor, Vlissingen"
scenario = "{scenario}"
seed = 15
replications = 10

[factors]
{factors}

[design]
method = "sobol"
base_samples = 1024
second_order = true

[outputs]
summary = ["performance"]

[analysis]
outputs = ["performance"]
ofat_levels = 7
"""


def sobol_section(costs: dict[str, float], lines: list[str]) -> None:
    """`colabsim sensitivity` end to end on a 410,000-run Sobol' design; runs and analysis apart."""
    from colabsim.scenario.factors import FACTORS

    factors = "\n".join(f"{name} = [{f.low}, {f.high}]" for name, f in FACTORS.items())
    with tempfile.TemporaryDirectory() as tmp:
        experiment = Path(tmp) / "sobol.toml"
        experiment.write_text(_SOBOL.format(scenario=VLISSINGEN, factors=factors))
        out = Path(tmp) / "out"
        command = [sys.executable, "-m", "colabsim", "sensitivity", str(experiment), "--out", str(out)]
        command += ["--workers", "2", "--max-runs", "1000000", "--quiet"]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, text=True)
        total = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([*command, "--resume"], check=True, capture_output=True, text=True)
        analysis = time.perf_counter() - start
    n = len(FACTORS)
    runs = 1024 * (2 * n + 2) * 10 + n * 7 * 10
    rate = runs / (total - analysis)
    numpy_rate = 2 / costs["numpy_batch"]
    lines += [
        "",
        f"## A Sobol' analysis end to end ({n} factors x 1,024 base samples, second order, x 10 replications: "
        f"{runs:,} runs with the one-factor-at-a-time curves; `colabsim sensitivity --workers 2`, wall time)",
        "",
        "| part | wall time |",
        "|---|---|",
        f"| everything (`colabsim sensitivity`) | {total / 60:.1f} min |",
        f"| the analysis alone (the same command with `--resume`: SALib's Sobol' with bootstrap, delta and "
        f"PAWN, the convergence check, figures and report) | {analysis / 60:.1f} min |",
        f"| the runs (the difference) | {(total - analysis) / 60:.1f} min: {rate:,.0f} runs/s |",
        "",
        f"The numpy engine's batched rate on two cores (twice its one-core rate measured above) is "
        f"{numpy_rate:,.0f} runs/s: the runs went **{rate / numpy_rate:.1f}x** as fast (goal: 4x).",
    ]
