"""The distance to the limit: a run's operations against this core's rate on a plain kernel.

Operations of one month, counted from the rules as issue 15 did: about 67 per tie, 60 per
membership and 130 per programme (12 of them ``pow``), and one uniform per tie, per actor (twice:
turnover and joining), per membership (once: defection; v2 has no inclusion draw) and per
programme (plus one) for the random rules. The core's rate is measured on a plain compiled loop
over arrays that stay in cache, ``out[i] = mask[i] ? a * x[idx[i]] + y[i] : y[i]``, counted as four operations
(a gather, a multiply, an add, a select) per element: the kind of work the rules do, without the
rules. The limit of a run is its operations at that rate; each path's distance is its CPU time
per run over the limit.
"""

from __future__ import annotations

import time
from pathlib import Path

import numba
import numpy as np

import colabsim
from colabsim.model.structure import build_structure

__all__ = ["limit_section", "run_operations"]

PER_TIE, PER_MEMBER, PER_PROGRAMME, PER_UNIFORM = 67, 60, 130, 10


def run_operations(scenario: colabsim.Scenario) -> tuple[float, float]:
    """Operations and uniforms of one run of `scenario`, as counted in the module's docstring."""
    s = build_structure(scenario.spec)
    uniforms = s.n_ties + 2 * s.n_actors + s.n_members + s.n_programmes + 1
    month = PER_TIE * s.n_ties + PER_MEMBER * s.n_members + PER_PROGRAMME * s.n_programmes
    return float(month * scenario.horizon_months), float(uniforms * scenario.horizon_months)


@numba.njit(cache=True, fastmath=False)
def _plain(x: np.ndarray, y: np.ndarray, idx: np.ndarray, mask: np.ndarray, out: np.ndarray, sweeps: int) -> float:
    a = 1.000001
    total = 0.0
    for _ in range(sweeps):
        for i in range(x.shape[0]):
            out[i] = a * x[idx[i]] + y[i] if mask[i] else y[i]
        total += out[sweeps % x.shape[0]]
        a += 1e-9
    return total


def plain_rate() -> float:
    """Operations per CPU second of this core on the plain kernel (4 per element, 4,096 elements)."""
    n = 4096
    rng = np.random.default_rng(0)
    x, y = rng.random(n), rng.random(n)
    idx, mask, out = rng.integers(0, n, n), rng.random(n) < 0.7, np.empty(n)
    _plain(x, y, idx, mask, out, 10)
    sweeps = 20000
    best = np.inf
    for _ in range(5):
        start = time.process_time()
        _plain(x, y, idx, mask, out, sweeps)
        best = min(best, time.process_time() - start)
    return 4 * n * sweeps / best


def limit_section(costs: dict[str, float], lines: list[str]) -> None:
    """The limit of a Vlissingen run and how far each path is from it."""
    scenario = colabsim.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "vlissingen.toml")
    operations, uniforms = run_operations(scenario)
    rate = plain_rate()
    # A uniform from PCG64 costs about as much as PER_UNIFORM plain operations (about 2 ns).
    limit = (operations + PER_UNIFORM * uniforms) / rate
    lines += [
        "",
        "## Distance to the limit (Vlissingen, 216 months)",
        "",
        f"One run: about {operations / 1e6:.2f} million operations ({operations / 216:,.0f} a month) and "
        f"{uniforms:,.0f} uniforms ({uniforms / 216:.0f} a month). This core runs the plain kernel "
        "(`out[i] = mask[i] ? a * x[idx[i]] + y[i] : y[i]` over 4,096 doubles in cache, 4 operations an "
        f"element) at {rate / 1e9:.2f} billion operations per CPU second; a uniform is counted as "
        f"{PER_UNIFORM} operations. The limit of a run is therefore about **{1000 * limit:.3f} ms**.",
        "",
        "| path | CPU per run | times the limit |",
        "|---|---|---|",
    ]
    for label, key in (
        ("batch, summaries only (kernel)", "batch"),
        ("`simulate` (kernel and tables)", "simulate"),
        ("numpy engine, batch of 512", "numpy_batch"),
        ("numpy engine, `simulate`", "numpy_simulate"),
        ("reference (Mesa)", "reference"),
    ):
        lines.append(f"| {label} | {1000 * costs[key]:.3f} ms | {costs[key] / limit:.1f}x |")
