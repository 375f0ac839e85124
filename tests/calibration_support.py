"""A tiny calibration file for the calibration tests (seconds, not minutes)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TINY = f"""
[calibration]
name = "tiny"
seed = 5
scenarios = "{ROOT / "scenarios"}"

[budget]
particles = 10
replications = 2
generations = 2

[checks]
posterior_draws = 2
replications = 2
submodel_draws = 10

[priors.understanding_reach]
distribution = "uniform"
low = 0.4
high = 1.0

[priors.success_months]
distribution = "integer"
low = 12
high = 36
"""


def calibrate_tiny(folder: Path) -> Path:
    """Run the tiny calibration in `folder` (a few seconds) and return its run folder."""
    from colabsim.calibration import run_calibration

    path = folder / "calibration.toml"
    path.write_text(TINY, encoding="utf-8")
    return run_calibration(path, folder / "run").directory
