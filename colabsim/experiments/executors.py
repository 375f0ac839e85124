"""Executors behind one interface, `concurrent.futures.Executor`: serial, processes, Dask.

An experiment hands chunks of runs to whichever executor the user picks; each worker imports
colabsim once and runs many runs per task. Dask (``dask.distributed``) reaches a cluster: a
scheduler address, or a local cluster on 127.0.0.1; dask-jobqueue starts such a cluster on
SLURM or PBS. Dask is optional: ``pip install colabsim[dask]``.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

__all__ = ["EXECUTORS", "ExecutorError", "SerialExecutor", "default_workers", "open_executor"]

EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")


class ExecutorError(RuntimeError):
    """An executor cannot be started (missing package, unreachable scheduler)."""


class SerialExecutor(Executor):
    """Runs each task at once in this process: the reference for determinism and debugging."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn(*args, **kwargs)`` now and return a finished future."""
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the future carries the error, as a pool's would
            future.set_exception(exc)
        return future


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@contextmanager
def open_executor(kind: str, workers: int | None = None, scheduler: str | None = None) -> Iterator[Executor]:
    """Start an executor and shut it down afterwards.

    Args:
        kind: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes (default: all cores); ignored by ``serial`` and by a remote
            Dask scheduler.
        scheduler: Address of a running Dask scheduler (implies ``dask``).

    Raises:
        ExecutorError: If the executor cannot be started.
        ValueError: If `kind` is unknown.
    """
    if scheduler is not None:
        kind = "dask"
    count = workers or default_workers()
    if kind == "serial":
        yield SerialExecutor()
    elif kind == "processes":
        # fork: workers inherit the imported code, and no `if __name__ == "__main__"` guard is needed.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context(method)) as pool:
            yield pool
    elif kind == "dask":
        with _dask_client(count, scheduler) as client:
            yield client.get_executor()
    else:
        raise ValueError(f"unknown executor {kind!r}; allowed: {', '.join(EXECUTORS)}")


@contextmanager
def _dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExecutorError("the dask executor needs dask.distributed: pip install 'colabsim[dask]'") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        with client:
            yield client
        return
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    with cluster, Client(cluster) as client:
        yield client
