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
MANY_CHUNKS_REPLICATIONS = 16

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

    The grid of ``tests/experiments/small.toml`` (9 points) with 16 replications each, on Vlissingen
    cut to three years, no series kept: 144 runs, 48 chunks at ``--chunk-size 3``. A chunk costs a
    tenth of a second on the numpy engine, so a signal sent once the first parts are written lands
    well before the end, and the resume is quick; what is tested is the mechanism, not the volume.
    Tests that stop such a sweep run it in the `numpy_engine` environment: on the compiled kernel
    the whole sweep can end before a loaded machine lets the signal go out.
    """
    short = tmp_path / "vlissingen_3_years.toml"
    vlissingen = (ROOT / "scenarios" / "vlissingen.toml").as_posix()
    short.write_text(f'extends = "{vlissingen}"\n\n[scenario]\nhorizon_years = 3\nwindow = ["2006-01", "2008-12"]\n')
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
