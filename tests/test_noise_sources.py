"""Noise that means something (issue 14, item 8): no one source explains most replication noise.

With the per-source streams (`colabsim.model.streams`), each noise source is varied alone over 64
seeds while the others keep one seed; its share is that variance over the variance of 64 fully
independent runs. The band: no source above half. Not reached yet for the optional members'
yearly inclusion draws (whether Pattimura takes part in a budget year): a strict expected failure
naming the share, so reaching the band turns the suite red until the marker goes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import colabsim
from colabsim.model.batch import run_batch
from colabsim.model.streams import NOISE_SOURCES

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
N = 64
NOT_YET = {("vlissingen", "inclusion"): "about 71%", ("darwin", "inclusion"): "about 64%"}


def _shares(name: str) -> dict[str, float]:
    scenario = colabsim.load_scenario(SCENARIOS / f"{name}.toml")
    seeds = list(range(1000, 1000 + N))
    total = run_batch(scenario, seeds, keep_series=False).summary["performance"].var()
    shares = {}
    for source in NOISE_SOURCES:
        alone = run_batch(scenario, [7] * N, keep_series=False, source_seeds=[{source: s} for s in seeds])
        shares[source] = float(alone.summary["performance"].var() / total)
    return shares


@pytest.fixture(scope="module")
def shares() -> dict[str, dict[str, float]]:
    return {name: _shares(name) for name in ("vlissingen", "darwin")}


def _case(name: str, source: str) -> object:
    reason = NOT_YET.get((name, source))
    marks = [pytest.mark.xfail(strict=True, reason=f"issue 14 item 8 not reached: {reason}")] if reason else []
    return pytest.param(name, source, marks=marks, id=f"{name}-{source}")


@pytest.mark.parametrize(("name", "source"), [_case(n, s) for n in ("vlissingen", "darwin") for s in NOISE_SOURCES])
def test_no_noise_source_explains_more_than_half_of_the_replication_variance(shares, name, source):
    assert shares[name][source] <= 0.5, f"{source}: {shares[name][source]:.0%} of {name}'s replication variance"


def test_the_shares_are_estimated_from_real_variation(shares):
    for name, by_source in shares.items():
        assert np.isfinite(list(by_source.values())).all(), name
        assert max(by_source.values()) > 0.0, f"{name}: some source must vary the output"
