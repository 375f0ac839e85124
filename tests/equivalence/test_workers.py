"""Worker processes load the compiled kernel from numba's cache instead of compiling it again."""

from __future__ import annotations

from pathlib import Path

from colabsim.experiments.executors import process_pool
from colabsim.model.batch import run_batch
from colabsim.model.kernel.run import run_batch as whole_run_kernel
from colabsim.scenario.loader import load_scenario

from .support import TOLERANCE  # noqa: F401  (skips without numba)

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "darwin.toml"


def cache_use_in_a_fresh_process() -> tuple[int, int]:
    """Run a small batch; return how often the whole-run kernel was loaded from and missed the cache."""
    run_batch(load_scenario(SCENARIO), [1, 2], keep_series=False)
    stats = whole_run_kernel.stats
    return sum(stats.cache_hits.values()), sum(stats.cache_misses.values())


def test_a_worker_loads_the_kernel_from_the_cache() -> None:
    run_batch(load_scenario(SCENARIO), [1], keep_series=False)  # compiled (or loaded) and cached here
    with process_pool(1) as pool:
        hits, misses = pool.submit(cache_use_in_a_fresh_process).result()
    assert (hits, misses) == (1, 0)
