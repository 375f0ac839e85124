"""Shared test settings: hypothesis profiles and the repository's folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
#: Replications per design point of the `many_chunks` experiment (9 points).
MANY_CHUNKS_REPLICATIONS = 48

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


@pytest.fixture
def many_chunks(tmp_path: Path) -> Path:
    """An experiment of many cheap chunks, for tests that stop a sweep part-way and resume it.

    The grid of ``tests/experiments/small.toml`` (9 points) with 48 replications each, on Vlissingen
    cut to nine years, no series kept: 432 runs, 144 chunks at ``--chunk-size 3``. Tests that stop
    such a sweep run it in the `numpy_engine` environment, where a chunk costs about 0.05 s, so the
    whole sweep lasts a few seconds after its start-up and a signal sent once the first parts are
    written lands well before the end even when a loaded machine delays it (with 144 runs of three
    years the sweep ended within 0.7 s of its first parts, and at load 12 the signal came too late;
    on the compiled kernel it is faster still). What is tested is the mechanism, not the volume.
    """
    short = tmp_path / "vlissingen_9_years.toml"
    vlissingen = (ROOT / "scenarios" / "vlissingen.toml").as_posix()
    short.write_text(f'extends = "{vlissingen}"\n\n[scenario]\nhorizon_years = 9\nwindow = ["2006-01", "2014-12"]\n')
    experiment = tmp_path / "many_chunks.toml"
    experiment.write_text(
        (ROOT / "tests" / "experiments" / "small.toml")
        .read_text()
        .replace('"../../scenarios/darwin_reformed.toml"', f'"{short.as_posix()}"')
        .replace("replications = 4", f"replications = {MANY_CHUNKS_REPLICATIONS}")
        .replace('series = ["performance"]', "series = []")
    )
    return experiment


@pytest.fixture
def numpy_engine() -> dict[str, str]:
    """The environment of a subprocess that must run on the numpy engine (see `many_chunks`)."""
    return {**os.environ, "COLABSIM_KERNEL": "off"}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    """Playwright driving Debian's Chromium (skips without them, fails in CI; see ``browser_support``)."""
    from browser_support import start_playwright

    yield from start_playwright()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, playwright: Any) -> Iterator[str]:
    """``colabsim serve`` on 127.0.0.1 for one test module; yields its URL."""
    from browser_support import serving

    with serving(tmp_path_factory.mktemp("serve") / "serve.log") as url:
        yield url
