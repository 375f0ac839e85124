"""How an experiment's runs execute, as one value: `ExecutionOptions`.

Where runs go (executor, workers, a Dask scheduler), how they are grouped (chunk size), what is
shown while they run (progress), how large a design is accepted (max runs) and whether another
process's lock on the results folder is overridden (force) say nothing about what is computed:
the result tables are the same whatever they are. So they travel together, from the command line
or `colabsim.run_experiment` down to the runner, the sensitivity and robustness pipelines.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from colabsim.experiments.checks import DEFAULT_MAX_RUNS
from colabsim.experiments.executors import EXECUTORS
from colabsim.experiments.progress import ProgressCallback

__all__ = ["DEFAULT_CHUNK_SIZE", "ExecutionOptions", "refuse_old_keywords"]

#: Runs per chunk: large enough for the batch engine to be efficient, small enough to lose little
#: work when an experiment is killed.
DEFAULT_CHUNK_SIZE = 256


@dataclass(frozen=True)
class ExecutionOptions:
    """How the runs of an experiment execute; none of it changes the results.

    Attributes:
        executor: ``serial`` (this process), ``processes`` (default) or ``dask``.
        workers: Worker processes (None: all cores); ignored by ``serial`` and a remote scheduler.
        scheduler: Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786`` (implies ``dask``).
        chunk_size: Runs per task (a resumed experiment keeps the size it started with).
        progress: True: labelled bars on standard error when it is a terminal (`colabsim.run_experiment`
            and the command line; code below them treats True as no callback); False or None:
            nothing; or a callback that receives every `colabsim.experiments.progress.ProgressEvent`.
        max_runs: The largest experiment file accepted, in runs (design points x replications).
        force: Take over the results folder even if another live process holds its lock.

    Raises:
        ValueError: If a value is outside what is allowed (the message names the option).
    """

    executor: str = "processes"
    workers: int | None = None
    scheduler: str | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE
    progress: bool | ProgressCallback | None = True
    max_runs: int = DEFAULT_MAX_RUNS
    force: bool = False

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise ValueError(f"ExecutionOptions.executor: {self.executor!r} is not one of {', '.join(EXECUTORS)}")
        for name in ("workers", "chunk_size", "max_runs"):
            value = getattr(self, name)
            if value is None and name == "workers":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"ExecutionOptions.{name}: must be a whole number of at least 1, got {value!r}")

    @classmethod
    def check(cls, options: object) -> ExecutionOptions:
        """`options` itself, or the defaults for None.

        Raises:
            TypeError: If `options` is something else (e.g. an executor's name passed by position,
                as the third argument of ``run_experiment`` was in earlier versions).
        """
        if options is None:
            return cls()
        if not isinstance(options, cls):
            example = f"executor={options!r}" if isinstance(options, str) else "executor='serial', workers=2"
            raise TypeError(
                f"options must be an ExecutionOptions, got {options!r} ({type(options).__name__}); the execution "
                f"settings travel together, e.g. options=ExecutionOptions({example}) "
                "(from colabsim import ExecutionOptions)"
            )
        return options

    @property
    def callback(self) -> ProgressCallback | None:
        """The progress callback, or None (for True, which only the command line's layer can draw)."""
        return self.progress if callable(self.progress) else None


def refuse_old_keywords(function: str, given: dict[str, object]) -> None:
    """Refuse keywords that `function` no longer takes, naming `ExecutionOptions` for its old ones.

    Raises:
        TypeError: If `given` is not empty.
    """
    if not given:
        return
    moved = [name for name in given if name in {f.name for f in fields(ExecutionOptions)}]
    if not moved:
        raise TypeError(f"{function}() got an unexpected keyword argument {next(iter(given))!r}")
    example = ", ".join(f"{name}={given[name]!r}" for name in moved)
    raise TypeError(
        f"{function}() no longer takes {', '.join(moved)} as keywords: the execution options travel together "
        f"in one ExecutionOptions, e.g. {function}(..., options=ExecutionOptions({example})) "
        "(from colabsim import ExecutionOptions)"
    )
