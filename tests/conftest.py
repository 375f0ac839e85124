"""Shared test settings: hypothesis profiles and the repository's folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]

# No per-example deadline: runtimes vary on shared machines and a deadline would make tests flaky.
settings.register_profile("colabsim", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "colabsim"))


@pytest.fixture(scope="session")
def scenario_dir() -> Path:
    """The shipped scenarios (``scenarios/*.toml``)."""
    return ROOT / "scenarios"


@pytest.fixture(scope="session")
def bad_scenario_dir() -> Path:
    """Malformed scenario files used by the validation tests."""
    return ROOT / "tests" / "bad_scenarios"
