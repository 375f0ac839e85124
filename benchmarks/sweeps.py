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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import colabsim
from colabsim.experiments.runner import ChunkTask, run_chunk
from colabsim.experiments.store import ResultStore
from colabsim.model.kernel.layout import kernel_structure
from colabsim.model.structure import build_structure

__all__ = ["sobol_section", "sweep_sections"]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from measure import watched_script  # noqa: E402

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


def _sweep(experiment: Path, out: Path, executor: str, workers: int) -> tuple[float, float, float, float]:
    """Run a sweep in a fresh process: (runs, wall seconds, CPU seconds of the main process, of its workers)."""
    script = out.with_suffix(".py")
    script.write_text(
        "import time, colabsim\n"
        "if __name__ == '__main__':\n"
        "    start = time.perf_counter()\n"
        f"    run = colabsim.run_experiment({str(experiment)!r}, out={str(out)!r}, "
        f"options=colabsim.ExecutionOptions(executor={executor!r}, workers={workers}, progress=False), report=False)\n"
        "    print(run.ran, time.perf_counter() - start)\n"
    )
    measured = watched_script(script)
    ran, wall = measured.values
    return ran, wall, measured.main_cpu, measured.worker_cpu


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
            "## Sweeps (Vlissingen, 18 years; LHS over two factors; wall time, load average at each start)",
            "",
            "| executor | runs | load average | wall time | start-up (one-chunk sweep) | runs/s after start-up | "
            "parallel efficiency (wall) | CPU after start-up: main + workers | "
            "efficiency on quiet cores (CPU, estimated) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        base = quiet_base = None
        for label, executor, workers in (
            ("processes, 1 worker", "processes", 1),
            ("processes, 2 workers", "processes", 2),
            ("dask local cluster, 2 workers", "dask", 2),
        ):
            load = os.getloadavg()[0]
            _, startup, start_main, start_workers = _sweep(
                one_chunk, directory / f"start_{executor}_{workers}", executor, workers
            )
            ran, seconds, main_cpu, worker_cpu = _sweep(
                experiment, directory / f"sweep_{executor}_{workers}", executor, workers
            )
            # The CPU time of the start-up (imports, cache loads, the pool) is taken out as its wall time is.
            main_cpu, worker_cpu = max(main_cpu - start_main, 0.0), max(worker_cpu - start_workers, 0.0)
            rate = ran / max(seconds - startup, 1e-9)
            base = base or rate
            # On quiet cores the main process (collecting, writing) and the workers run side by
            # side: the sweep takes the larger of the busiest process and the CPU time per core.
            quiet = max(main_cpu, worker_cpu / workers, (main_cpu + worker_cpu) / 2)
            quiet_base = quiet_base or quiet
            efficiency = "" if workers == 1 else f"{rate / (workers * base):.0%}"
            estimated = "" if workers == 1 else f"{quiet_base / (workers * quiet):.0%}"
            lines.append(
                f"| {label} | {ran:,.0f} | {load:.1f} | {seconds:.1f} s | {startup:.1f} s | {rate:.0f} | "
                f"{efficiency} | {main_cpu:.1f} + {worker_cpu:.1f} s | {estimated} |"
            )
        lines += [
            "",
            f"One core's rate in-process (batch of 512, CPU time): {1 / costs['batch']:.0f} runs/s; "
            "the workers send each chunk (256 runs) to the batched kernel, single-threaded (no `prange`: "
            "two workers on two cores would oversubscribe them). Each sweep runs in a fresh process whose "
            "workers load numba's cache (warm); its start-up (the pool or cluster, the workers' imports "
            "and cache loads) is measured apart on a one-chunk sweep and taken out of the rate. Parallel "
            "efficiency is the rate with 2 workers over twice the rate with 1, in wall time (so it depends "
            "on the load beside it); the estimate on quiet cores uses the CPU time instead: a sweep "
            "takes the larger of its busiest process and its CPU time per core.",
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


#: The Sobol' experiment of the goals, with fixed options (every factor, 1,024 base samples, S2, 10 replications).
SOBOL_EXPERIMENT = ROOT / "benchmarks" / "sobol_all_factors.toml"

#: Runs `colabsim.sensitivity.run_sensitivity` (what `colabsim sensitivity` runs) and prints when each phase ended.
_SOBOL_SCRIPT = """
import time, colabsim
from colabsim.sensitivity import run_sensitivity
first, last = {{}}, {{}}
def timer(event):
    now = (time.perf_counter(), time.process_time())
    first.setdefault(event.phase, now)
    last[event.phase] = now
if __name__ == "__main__":
    start = time.perf_counter()
    run_sensitivity({experiment!r}, {out!r}, options=colabsim.ExecutionOptions(workers=2, progress=timer))
    end = time.perf_counter()
    marks = (last["OFAT runs"][0], last["runs"][0], first["figures"][0], last["figures"][0])
    print(end - start, *(mark - start for mark in marks), last["runs"][1] - last["OFAT runs"][1])
"""


def _estimation_parts(out: Path) -> list[tuple[str, float]]:
    """Each estimator of the analysis alone on the stored results (wall seconds, this process)."""
    from colabsim.experiments.experiment import load_experiment
    from colabsim.experiments.store import load_results
    from colabsim.sensitivity import analysis
    from colabsim.sensitivity.problem import registry_problem

    experiment = load_experiment(SOBOL_EXPERIMENT)
    problem = registry_problem(experiment.spec.factors)
    seed = experiment.spec.experiment.seed
    parts: list[tuple[str, float]] = []

    def timed(label: str, work: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = work()
        parts.append((label, time.perf_counter() - start))
        return value

    results = timed("reading the stored results", lambda: load_results(out / "runs"))
    means = timed("replication means", lambda: analysis.replication_means(results, ["performance"]))
    y = means["performance"].to_numpy()
    x = experiment.plan().points.to_numpy()
    estimation = analysis.Estimation()
    with analysis.salib_notes():
        main = timed(
            f"Sobol' S1, ST, S2 with {estimation.resamples} bootstrap resamples",
            lambda: analysis.sobol_indices(problem, y, "performance", True, seed, estimation.resamples),
        )
        timed(
            f"convergence check ({estimation.convergence_steps} sample sizes, the full one reused)",
            lambda: analysis.sobol_convergence(
                problem, y, "performance", True, seed, estimation.convergence_steps, estimation.resamples, main
            ),
        )
        rows = analysis.given_data_rows("sobol", problem, len(y), True)
        if rows is None:
            raise SystemExit("a Sobol' design has a given-data sample")
        timed(
            f"delta on the {len(rows):,} sample rows, {estimation.moment_resamples} resamples",
            lambda: analysis.delta_indices(problem, x[rows], y[rows], "performance", seed, estimation.moment_resamples),
        )
        timed(
            f"PAWN on the same rows, {estimation.pawn_slices} slices",
            lambda: analysis.pawn_indices(problem, x[rows], y[rows], "performance", seed, estimation.pawn_slices),
        )
    return parts


def _sobol_runs() -> tuple[int, int]:
    """Runs of the Sobol' experiment's design, and of its OFAT curves."""
    from colabsim.experiments.experiment import load_experiment

    experiment = load_experiment(SOBOL_EXPERIMENT)
    spec, plan = experiment.spec, experiment.plan()
    ofat = len(spec.factors) * spec.analysis.ofat_levels * (spec.analysis.ofat_replications or plan.replications)
    return len(plan.points) * plan.replications, ofat


def sobol_section(costs: dict[str, float], lines: list[str]) -> None:
    """The Sobol' analysis of the goals end to end (`run_sensitivity`), runs and analysis apart."""
    runs, ofat_runs = _sobol_runs()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        script = Path(tmp) / "sobol.py"
        script.write_text(_SOBOL_SCRIPT.format(experiment=str(SOBOL_EXPERIMENT), out=str(out)))
        measured = watched_script(script)
        parts = _estimation_parts(out)
    total, *ends = measured.values
    # Phases end at their last progress event; the estimation (one event as it starts) ends as the figures start.
    ofat_end, runs_end, estimation_end, figures_end, runs_main_cpu = ends
    rate = runs / (runs_end - ofat_end)
    numpy_rate = 2 / costs["numpy_batch"]
    analysis_time = total - runs_end
    quiet = max(measured.worker_cpu / 2, (measured.worker_cpu + runs_main_cpu) / 2)
    lines += [
        "",
        f"## A Sobol' analysis end to end (`benchmarks/{SOBOL_EXPERIMENT.name}`: all 19 factors x 1,024 base "
        f"samples, second order, x 10 replications = {runs:,} runs, and {ofat_runs:,} OFAT runs; 2 workers, "
        f"wall time, load average {measured.load:.1f} at the start)",
        "",
        "`colabsim.sensitivity.run_sensitivity`, the function behind `colabsim sensitivity`, in a fresh process; "
        "each phase ends at its last progress event.",
        "",
        "| phase | wall time | |",
        "|---|---|---|",
        f"| OFAT pre-run ({ofat_runs:,} runs, pool start-up included) | {ofat_end:.1f} s | |",
        f"| the design's runs (pool start-up included) | {runs_end - ofat_end:.1f} s | {rate:,.0f} runs/s |",
        f"| estimation (reading the results, Sobol' with bootstrap, convergence, delta, PAWN, noise share) | "
        f"{estimation_end - runs_end:.1f} s | |",
        f"| figures | {figures_end - estimation_end:.1f} s | |",
        f"| report and the rest | {total - figures_end:.1f} s | |",
        f"| everything | {total:.1f} s ({total / 60:.1f} min) | CPU: {measured.main_cpu:.0f} s main, "
        f"{measured.worker_cpu:.0f} s workers |",
        "",
        f"The analysis after the runs took {analysis_time:.1f} s, {analysis_time / total:.0%} of the whole. "
        "Its estimators alone, on the stored results (this process, wall time):",
        "",
        "| part | wall time |",
        "|---|---|",
        *(f"| {label} | {seconds:.1f} s |" for label, seconds in parts),
        "",
        f"The numpy engine's batched rate on two cores (twice its one-core rate measured above) is "
        f"{numpy_rate:,.0f} runs/s: the design's runs went **{rate / numpy_rate:.1f}x** as fast in wall time "
        f"(goal: 4x). By CPU time: the workers spent {measured.worker_cpu:.0f} s on {runs + ofat_runs:,} runs and "
        f"the main process {runs_main_cpu:.0f} s collecting and writing them while they ran; on two quiet cores "
        f"that takes the larger of a worker's share and the CPU time per core, {quiet:.0f} s: about "
        f"{runs / quiet:,.0f} runs/s, **{runs / quiet / numpy_rate:.1f}x**.",
    ]
