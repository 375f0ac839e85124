"""Run an experiment: chunks of runs through an executor, results written as chunks finish.

The runs of an experiment are split into chunks of consecutive run numbers. A worker runs a whole
chunk through the batch engine (`colabsim.model.batch`), many runs per task; the main process writes
each finished chunk at once as Parquet parts (`colabsim.experiments.store`) and keeps only counters, so memory
stays flat however many runs there are. A run that raises is recorded with its design point, seed
and error, and the experiment goes on. An interrupted experiment resumes with the chunks it has
not written. One process at a time writes a results folder (`colabsim.experiments.lock`). Progress
goes to an optional callback (`colabsim.experiments.progress`); this module draws nothing.
Ctrl-C cancels the pool at once, keeps every finished chunk and marks the manifest
``interrupted``; a second Ctrl-C during that clean-up exits at once. Because a run's numbers
depend only on its seed and factor values, the result tables are the same whatever the executor,
the number of workers or the chunk size.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from colabsim._version import __version__
from colabsim.experiments.executors import cancel, open_executor, second_interrupt_exits
from colabsim.experiments.experiment import Experiment, RunPlan, load_experiment
from colabsim.experiments.lock import FolderLock
from colabsim.experiments.options import DEFAULT_CHUNK_SIZE, ExecutionOptions, refuse_old_keywords
from colabsim.experiments.progress import ProgressEvent
from colabsim.experiments.rundir import environment
from colabsim.experiments.store import ResultStore, StoreError, load_results
from colabsim.model.batch import BatchResult, run_batch
from colabsim.scenario.loader import Scenario
from colabsim.scenario.parameters import Parameters

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "FACTOR_PREFIX",
    "CompletionHook",
    "ExperimentRun",
    "ModelFunction",
    "run_chunk",
    "run_experiment",
]

#: Prefix of the factor columns in result tables (``factor_legal_frame``, ...).
FACTOR_PREFIX = "factor_"

#: Columns of a result table that are not outputs.
_FIXED = ("run", "design_point", "replication", "seed", "status", "error")

#: Any model as a function of factor values and a random generator returning named outputs.
ModelFunction = Callable[[dict[str, float], np.random.Generator], Mapping[str, float]]
#: Called once an experiment is complete: (results directory, manifest, factor names, output columns).
CompletionHook = Callable[[Path, dict[str, Any], list[str], list[str]], object]


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of runs, as sent to a worker."""

    chunk: int
    first_run: int
    replications: int
    seeds: list[int]
    factor_sets: list[dict[str, float]]
    scenario: Scenario | None
    model: ModelFunction | None
    summary_metrics: list[str]
    series_metrics: list[str] = field(default_factory=list)
    hold_factors: bool = True
    parameters: list[Parameters] | None = None
    columns: dict[str, list[float]] = field(default_factory=dict)
    start_values: list[dict[str, float]] | None = None

    def batch(self, runs: slice, keep: bool) -> BatchResult:
        """Run the chunk's `runs` through the batch engine, the design's values held or as start values.

        A replicate's start values replace the scenario file's values; the design's values win over them.
        """
        if self.scenario is None:
            raise ValueError("a chunk needs a scenario or a model function")
        seeds, factor_sets = self.seeds[runs], self.factor_sets[runs]
        parameters = self.parameters[runs] if self.parameters is not None else None
        start = self.start_values[runs] if self.start_values is not None else None
        if self.hold_factors:
            return run_batch(
                self.scenario, seeds, factor_sets, keep_series=keep, start_values=start, parameters=parameters
            )
        if start is not None:
            factor_sets = [{**coded, **design} for coded, design in zip(start, factor_sets, strict=True)]
        return run_batch(self.scenario, seeds, None, keep_series=keep, start_values=factor_sets, parameters=parameters)


def _run_rows(task: ChunkTask) -> tuple[list[dict[str, Any]], pd.DataFrame | None]:
    """Outputs of each run of the chunk; a run that raises gets status ``error`` and its message."""
    if task.model is not None:
        records: list[dict[str, Any]] = []
        for seed, factors in zip(task.seeds, task.factor_sets, strict=True):
            try:
                outputs = dict(task.model(dict(factors), np.random.default_rng(seed)))
                records.append({"status": "ok", "error": "", **{k: float(v) for k, v in outputs.items()}})
            except Exception as exc:  # a failing run is recorded, the others go on
                records.append({"status": "error", "error": f"{type(exc).__name__}: {exc}"})
        return records, None
    if task.scenario is None:
        raise ValueError("a chunk needs a scenario or a model function")
    keep = bool(task.series_metrics)
    # Each run's outcome: (its batch, its row in the batch), or the error it raised.
    outcomes: list[tuple[BatchResult, int] | str]
    try:
        batch = task.batch(slice(None), keep)
        outcomes = [(batch, k) for k in range(len(task.seeds))]
    except Exception:
        # Isolate the failing runs: rerun the chunk one run at a time.
        outcomes = []
        for i in range(len(task.seeds)):
            try:
                outcomes.append((task.batch(slice(i, i + 1), keep), 0))
            except Exception as exc:  # recorded, not raised
                outcomes.append(f"{type(exc).__name__}: {exc}")
    rows: list[dict[str, Any]] = []
    series_frames = []
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, str):
            rows.append({"status": "error", "error": outcome})
            continue
        batch, k = outcome
        rows.append({"status": "ok", "error": "", **{m: float(batch.summary[m][k]) for m in task.summary_metrics}})
        if keep:
            months = batch.series[task.series_metrics[0]].shape[1]
            columns = {m: batch.series[m][k] for m in task.series_metrics}
            series_frames.append(pd.DataFrame({"run": task.first_run + i, "step": np.arange(months), **columns}))
    series = pd.concat(series_frames, ignore_index=True) if series_frames else None
    return rows, series


def run_chunk(task: ChunkTask) -> tuple[int, pd.DataFrame, pd.DataFrame | None]:
    """Run one chunk (in a worker) and return its summary table and, if kept, its monthly table."""
    outputs, series = _run_rows(task)
    runs = np.arange(task.first_run, task.first_run + len(task.seeds))
    summary = pd.DataFrame(
        {
            "run": runs,
            "design_point": runs // task.replications,
            "replication": runs % task.replications,
            "seed": np.array(task.seeds, dtype=np.int64),
            **task.columns,
        }
    )
    # Factor columns carry a prefix: a factor and an output may share a name (commitment).
    factors = pd.DataFrame(task.factor_sets).add_prefix(FACTOR_PREFIX)
    results = pd.DataFrame(outputs)
    for column in task.summary_metrics:
        if column not in results:
            results[column] = np.nan
    frame = pd.concat([summary, factors, results], axis=1)
    return task.chunk, frame, series


@dataclass(frozen=True)
class ExperimentRun:
    """What `run_experiment` did.

    Attributes:
        directory: The results directory.
        total_runs: Runs in the experiment.
        ran: Runs executed by this call (fewer than total when resuming).
        failed: Runs recorded as failed, in the whole directory.
        seconds: Wall time of this call.
    """

    directory: Path
    total_runs: int
    ran: int
    failed: int
    seconds: float

    def results(self, table: str = "summary") -> pd.DataFrame:
        """The results as one table (see `colabsim.experiments.store.load_results`)."""
        return load_results(self.directory, table)


def _manifest(plan: RunPlan, chunk_size: int) -> dict[str, Any]:
    seeds = "run r uses SeedSequence(root_seed, spawn_key=(r,)); each run's seed is in its row"
    if plan.replicates is not None:
        seeds = "replication r of every design point uses the same seed and parameters (see replicates)"
    return {
        "colabsim_version": __version__,
        "name": plan.name,
        "experiment": {"name": plan.name, "sha256": plan.sha256},
        **plan.description,
        "root_seed": plan.seed,
        "seeds": seeds,
        **(
            {"replicates": plan.replicates.manifest_record(), "replicates_describe": plan.replicates.describe}
            if plan.replicates is not None
            else {}
        ),
        "total_runs": plan.total_runs,
        "chunk_size": chunk_size,
        "environment": environment(),
        "runs": [],
    }


def _start_store(plan: RunPlan, out: Path, resume: bool, chunk_size: int) -> tuple[ResultStore, dict[str, Any]]:
    """The results folder and its manifest; called while holding the folder's lock."""
    if resume:
        store = ResultStore.open(out)
        store.remove_temporaries()
        manifest = store.manifest()
        if manifest["experiment"]["sha256"] != plan.sha256:
            raise StoreError(
                f"{out} holds results of another version of the experiment file; "
                "resume with the same file, or start again with another --out"
            )
        _check_replicates(out, manifest, plan)
        return store, manifest
    store = ResultStore(out)
    if plan.source is not None:
        shutil.copyfile(plan.source, out / "experiment.toml")
    plan.points.reset_index().to_parquet(out / "design.parquet", index=False)
    return store, _manifest(plan, chunk_size)


def _check_replicates(out: Path, manifest: dict[str, Any], plan: RunPlan) -> None:
    """Refuse to resume `out` with other per-replication seeds, parameters or start values than it was started with."""
    recorded = manifest.get("replicates")
    # As the manifest holds it (JSON: tuples become lists), so that the same record compares equal.
    record = plan.replicates.manifest_record() if plan.replicates is not None else None
    asked = json.loads(json.dumps(record, default=str)) if record is not None else None
    if recorded == asked:
        return
    own = "with the experiment's own seeds and the scenario's parameters"
    before = manifest.get("replicates_describe", own) if recorded is not None else own
    now = plan.replicates.describe if plan.replicates is not None else own
    if before == now:  # said the same way, recorded differently: name what changed
        changed = [
            key
            for key in sorted({*_flat(recorded), *_flat(asked)})
            if _flat(recorded).get(key) != _flat(asked).get(key)
        ]
        now += f", but {', '.join(changed[:3])} now differ from what manifest.json's replicates record"
    raise StoreError(
        f"{out} was run {before}; this call asks for a run {now}. Resume it as it was started, "
        "or start again with another --out (the results there are kept)"
    )


def _flat(record: Any, prefix: str = "") -> dict[str, Any]:
    """A nested record as ``{"a.b": value}``."""
    if not isinstance(record, dict):
        return {prefix.rstrip("."): record} if prefix else {}
    return {k: v for key, value in record.items() for k, v in _flat(value, f"{prefix}{key}.").items()}


def _output_columns(results: pd.DataFrame) -> list[str]:
    return [str(c) for c in results.columns if c not in _FIXED and not str(c).startswith(FACTOR_PREFIX)]


def _chunk_tasks(plan: RunPlan, chunk_size: int, model: ModelFunction | None, chunks: list[int]) -> Iterator[ChunkTask]:
    for chunk in chunks:
        first = chunk * chunk_size
        last = first + chunk_size
        seeds, factor_sets = plan.run_plan(first, last)
        yield ChunkTask(
            chunk, first, plan.replications, seeds, factor_sets,
            None if model is not None else plan.scenario, model, plan.summary_metrics, plan.series_metrics,
            plan.hold_factors, plan.run_parameters(first, last), plan.run_columns(first, last),
            plan.run_start_values(first, last),
        )  # fmt: skip


def _execute(
    store: ResultStore, tasks: Iterator[ChunkTask], pool: Executor, limit: int, advance: Callable[[int], None]
) -> None:
    """Keep up to `limit` chunks in flight; write each as it finishes."""
    pending: set[Future[Any]] = set()
    while True:
        for task in tasks:
            pending.add(pool.submit(run_chunk, task))
            if len(pending) >= limit:
                break
        if not pending:
            return
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            chunk, summary, series = future.result()
            if series is not None:
                store.write_part("series", chunk, series)
            store.write_part("summary", chunk, summary)
            advance(len(summary))


def run_experiment(
    experiment: Experiment | RunPlan | str | Path,
    out: str | Path | None = None,
    options: ExecutionOptions | None = None,
    *,
    resume: bool = False,
    model: ModelFunction | None = None,
    on_complete: CompletionHook | None = None,
    **removed: object,
) -> ExperimentRun:
    """Run an experiment and write its results (same as ``colabsim sweep``).

    Args:
        experiment: An experiment file's path, an `Experiment`, or a `RunPlan` built in code.
        out: Results directory (default ``runs/sweep-<UTC time>``); must be new unless resuming.
        options: How the runs execute (default `ExecutionOptions()`: processes on all cores). Only a
            callback in ``options.progress`` is used here: it receives a ``runs`` event as the run
            starts, after every chunk and at the end.
        resume: Continue the experiment in `out`, running only the chunks not yet written.
        model: Run this function instead of colabsim's model for each run (factor values, rng).
        on_complete: Called when every run is written, with the results directory, the manifest, the
            factor names and the output columns (the CLI writes the sweep report through it).
        **removed: Nothing; the execution keywords of earlier versions (``executor``, ``workers``,
            ...) are refused with a message naming `ExecutionOptions`.

    Returns:
        A summary of what ran.

    Raises:
        TypeError: If `options` is not an `ExecutionOptions` or an old keyword is given.
        ScenarioError: If the experiment file is invalid.
        StoreError: If `out` cannot be used (not empty, or resuming another experiment).
        FolderLockedError: If another process is writing `out`.
        KeyboardInterrupt: On Ctrl-C, after finished chunks are kept and the manifest says so.
    """
    refuse_old_keywords("run_experiment", removed)
    options = ExecutionOptions.check(options)
    progress = options.callback
    chunk_size = options.chunk_size
    started = time.perf_counter()
    if isinstance(experiment, str | Path):
        experiment = load_experiment(experiment, options.max_runs)
    plan = experiment.plan() if isinstance(experiment, Experiment) else experiment
    if plan.scenario is None and model is None:
        raise ValueError("a run plan without a scenario needs a model function")
    if model is not None and plan.replicates is not None:
        raise ValueError("a model function takes no rule parameters: a plan with replicates needs its scenario")
    if out is None:
        out = Path("runs") / f"sweep-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
    out = Path(out)
    if resume:
        ResultStore.open(out)  # a folder without results is refused before anything is written there
    else:
        ResultStore.create(out)
    with FolderLock(out, force=options.force) as lock:
        store, manifest = _start_store(plan, out, resume, chunk_size)
        chunk_size = int(manifest.get("chunk_size", chunk_size))
        this_run: dict[str, Any] = {
            "started": datetime.now(UTC).isoformat(), "executor": options.executor, "workers": options.workers,
            "resumed": resume,
        }  # fmt: skip
        if lock.took_over is not None:
            this_run["took_over_lock_of"] = {"pid": lock.took_over.pid, "host": lock.took_over.host}
        manifest.setdefault("runs", []).append(this_run)
        manifest["status"] = "running"
        store.write_manifest(manifest)

        total = plan.total_runs
        chunks = range(-(-total // chunk_size))
        done = store.done_chunks()
        todo = [c for c in chunks if c not in done]
        counts = {"done": sum(min(chunk_size, total - c * chunk_size) for c in done if c in chunks), "ran": 0}

        def advance(runs: int) -> None:
            counts["done"] += runs
            counts["ran"] += runs
            if progress:
                progress(ProgressEvent("runs", counts["done"], total))

        advance(0)
        try:
            with open_executor(options.executor, options.workers, options.scheduler) as pool:
                try:
                    tasks = _chunk_tasks(plan, chunk_size, model, todo)
                    _execute(store, tasks, pool, 2 * (options.workers or 2) + 2, advance)
                except BaseException:
                    with second_interrupt_exits():
                        cancel(pool)
                    raise
        except BaseException as exc:
            with second_interrupt_exits():
                manifest["status"] = "interrupted" if isinstance(exc, KeyboardInterrupt) else "stopped by an error"
                this_run.update({"finished": datetime.now(UTC).isoformat(), "ran": counts["ran"]})
                store.write_manifest(manifest)
            raise
        if progress:
            progress(ProgressEvent("runs", counts["done"], total, finished=True))
        results = load_results(out)
        failed = int((results["status"] != "ok").sum())
        seconds = time.perf_counter() - started
        manifest["status"] = "complete"
        this_run.update({"finished": datetime.now(UTC).isoformat(), "ran": counts["ran"], "seconds": round(seconds, 3)})
        manifest["counts"] = {"runs": len(results), "failed": failed}
        store.write_manifest(manifest)
        if on_complete is not None:
            outputs = plan.summary_metrics if model is None else _output_columns(results)
            on_complete(out, manifest, plan.factor_names, outputs)
    return ExperimentRun(out, total, counts["ran"], failed, seconds)
