"""Executors behind one interface, `concurrent.futures.Executor`: serial, processes, Dask.

An experiment hands chunks of runs to whichever executor the user picks; each worker imports
colabsim once and runs many runs per task. Dask (``dask.distributed``) reaches a cluster: a
scheduler address, or a local cluster on 127.0.0.1; dask-jobqueue starts such a cluster on
SLURM or PBS. Dask is optional: ``pip install colabsim[dask]``.

Worker processes start from a fork server (not by forking the main process, which by then may run
threads: a lock heartbeat, Arrow's pools) and ignore Ctrl-C: the main process decides what an
interrupt means, cancels the pool (`cancel`) and keeps what finished. As with any process pool
that does not fork, a script that runs experiments on processes needs the
``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

__all__ = [
    "EXECUTORS",
    "ExecutorError",
    "SerialExecutor",
    "cancel",
    "default_workers",
    "open_executor",
    "process_pool",
    "second_interrupt_exits",
]

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


def _ignore_interrupts() -> None:
    """Worker initializer: Ctrl-C goes to the whole process group; only the main process acts on it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes started by a fork server, each ignoring Ctrl-C."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_ignore_interrupts)


def cancel(pool: Executor) -> None:
    """Drop every task not yet finished and stop the workers now (after Ctrl-C).

    Queued tasks are cancelled; worker processes of a process pool are terminated, since they
    ignore Ctrl-C and would otherwise finish their chunk first. Finished results are unaffected.
    """
    try:
        pool.shutdown(wait=False, cancel_futures=True)
    except TypeError:  # an executor without cancel_futures (older dask.distributed)
        pool.shutdown(wait=False)
    if isinstance(pool, ProcessPoolExecutor):
        terminate = getattr(pool, "terminate_workers", None)  # Python 3.14 and later
        if terminate is not None:
            terminate()
            return
        processes = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            process.terminate()


@contextmanager
def second_interrupt_exits(status: int = 130) -> Iterator[None]:
    """While cleaning up after Ctrl-C: a second Ctrl-C ends the process at once with `status`.

    The previous handler comes back afterwards, so a notebook's kernel is not left with this one.
    Outside the main thread (where handlers cannot be set) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave_now(signum: int, frame: object) -> None:
        os._exit(status)

    previous = signal.signal(signal.SIGINT, leave_now)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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
        with process_pool(count) as pool:
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
