"""A calibration at the issue's scale: ABC-SMC of ten parameters on P1-P3, at least 100,000 engine runs.

    .venv/bin/python benchmarks/calibration.py                 # 1,000 particles x 8 replications x 4 arms
    .venv/bin/python benchmarks/calibration.py --particles 250  # a quarter, to extrapolate from

Issue 18's goal: a calibration of at least 100,000 engine runs finishes in under 20 minutes on 2
cores. The benchmark runs `colabsim calibrate` on the shipped experiments/calibration.toml's priors
with the budget given here (generations until the tolerance reaches 0), 2 worker processes, in a
fresh process, and reports its wall time, the engine runs it made and the CPU time of it and its
workers. The reference measured in the same run is the engine alone: the CPU time per run of the
calibration's four arms in one batch of 256 runs with per-run parameters on one core; the
whole command's CPU time over the engine's for the sampler's runs is the overhead (proposals,
weights, Parquet, and the predictive checks and submodels with their own runs). The results replace the "Calibration"
section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psutil  # with the dev extra (through dask[distributed])

import colabsim
from colabsim.calibration.priors import PriorSet
from colabsim.calibration.simulator import arm_scenarios, run_chunk
from colabsim.calibration.spec import load_calibration
from colabsim.scenario.parameters import Parameters
from colabsim.validation.study import load_study

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN = "<!-- BEGIN benchmarks/calibration.py -->"
END = "<!-- END benchmarks/calibration.py -->"
GOAL_SECONDS = 1200.0
GOAL_RUNS = 100_000


def engine_cpu_per_run(batch: int = 256) -> dict[str, float]:
    """CPU seconds per run of each arm on the engine, per-run parameters drawn from the shipped priors."""
    calibration = load_calibration(ROOT / "experiments" / "calibration.toml")
    prior: PriorSet = calibration.prior
    base = Parameters()
    parameters = prior.parameters(prior.sample(np.random.default_rng(0), batch), base)
    costs = {}
    for name, (scenario, factors, windows) in arm_scenarios(load_study(ROOT / "scenarios")).items():
        run_chunk(scenario, factors, windows, list(range(8)), parameters[:8])  # warm-up (and any compile)
        start = time.process_time()
        run_chunk(scenario, factors, windows, list(range(batch)), parameters)
        costs[name] = (time.process_time() - start) / batch
    return costs


def calibration_file(folder: Path, particles: int) -> Path:
    """The shipped calibration file with the benchmark's budget."""
    text = (ROOT / "experiments" / "calibration.toml").read_text(encoding="utf-8")
    priors = text.partition("[priors.")[2]
    budget = (
        f'[calibration]\nname = "benchmark"\nseed = 2026\nscenarios = "{(ROOT / "scenarios").as_posix()}"\n\n'
        f"[budget]\nparticles = {particles}\nreplications = 8\ngenerations = 12\nmax_runs = 1000000\n\n"
    )
    path = folder / "calibration.toml"
    path.write_text(budget + "[priors." + priors, encoding="utf-8")
    return path


def whole_calibration(particles: int, workers: int) -> dict[str, float]:
    """Run the calibration in a fresh process: wall time, runs, CPU time (itself and its workers)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = calibration_file(Path(tmp), particles)
        code = (
            "import json, resource, time\n"
            "from colabsim.calibration import run_calibration\n"
            "if __name__ == '__main__':\n"
            "    start = time.perf_counter()\n"
            f"    result = run_calibration({str(path)!r}, __import__('pathlib').Path({str(Path(tmp) / 'out')!r}), "
            f"workers={workers})\n"
            "    own = resource.getrusage(resource.RUSAGE_SELF)\n"
            "    print(json.dumps({'wall': time.perf_counter() - start, 'main_cpu': own.ru_utime + own.ru_stime,\n"
            "        'runs': result.runs, 'generations': len(result.generations) - 1,\n"
            "        'sampler_seconds': sum(g.seconds for g in result.generations),\n"
            "        'met': float(result.generations[0].distances.__le__(0).mean())}))\n"
        )
        script = Path(tmp) / "calibrate.py"
        script.write_text(code)
        load = os.getloadavg()[0]
        main = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
        seen: dict[int, float] = {}
        watched = psutil.Process(main.pid)
        while main.poll() is None:
            with contextlib.suppress(psutil.Error):
                for child in watched.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        times = child.cpu_times()
                        seen[child.pid] = times.user + times.system
            time.sleep(0.25)
        out, _ = main.communicate()
        if main.returncode != 0:
            raise SystemExit(f"the calibration failed (exit {main.returncode})")
    measured = json.loads(out.strip().splitlines()[-1])
    return {**measured, "worker_cpu": sum(seen.values()), "load": load}


def section(particles: int, workers: int) -> str:
    """Measure and return the Markdown section."""
    costs = engine_cpu_per_run()
    measured = whole_calibration(particles, workers)
    runs = int(measured["runs"])
    cpu = measured["main_cpu"] + measured["worker_cpu"]
    engine = runs / 4 * sum(costs.values())
    scale = max(1.0, GOAL_RUNS / runs)
    wall = scale * measured["wall"]
    verdict = "met" if runs * scale >= GOAL_RUNS and wall <= GOAL_SECONDS else "not met"
    lines = [
        BEGIN,
        "## Calibration (issue 18): ABC-SMC of ten parameters on P1-P3",
        "",
        f"Measured {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"colabsim {colabsim.__version__}, by `benchmarks/calibration.py --particles {particles}`; load average "
        f"{measured['load']:.1f} when it started (the cores are shared).",
        "",
        "| | value |",
        "|---|---|",
        f"| engine runs of the sampler | {runs:,} ({particles:,} particles x 8 replications x 4 arms, "
        f"{measured['generations']:.0f} generations after the prior; {workers} workers) |",
        f"| wall time, whole command (sampler, predictive checks, submodels, report) | {measured['wall']:.0f} s |",
        f"| wall time of the sampler's generations | {measured['sampler_seconds']:.0f} s "
        f"({runs / measured['sampler_seconds']:.0f} runs/s) |",
        f"| CPU time, main process and workers | {cpu:.0f} s ({measured['main_cpu']:.0f} s main, "
        f"{measured['worker_cpu']:.0f} s workers) |",
        "| reference: the engine alone, one core, per-run parameters (CPU per run) | "
        + ", ".join(f"{name} {1000 * c:.2f} ms" for name, c in costs.items())
        + f"; {engine:.0f} s for the sampler's runs |",
        "| CPU time of the whole command over the engine's for the sampler's runs (the checks add their own "
        f"runs) | {cpu / engine:.2f} |",
        f"| share of the prior meeting every band (generation 0) | {measured['met']:.1%} |",
        "",
        f"Goal: at least {GOAL_RUNS:,} engine runs in under {GOAL_SECONDS / 60:.0f} minutes on 2 cores: "
        f"**{verdict}** ({wall / 60:.1f} minutes{' scaled to 100,000 runs' if scale > 1 else ''}).",
        END,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Measure, print, and replace the section of RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--particles", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md as it is")
    args = parser.parse_args()
    text = section(args.particles, args.workers)
    print(text)
    if args.no_write:
        return
    current = RESULTS.read_text(encoding="utf-8")
    if BEGIN in current:
        before, rest = current.split(BEGIN, 1)
        current = before + text + rest.split(END, 1)[1].lstrip("\n")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(current, encoding="utf-8")


if __name__ == "__main__":
    main()
