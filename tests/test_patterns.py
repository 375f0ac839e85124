"""The study's patterns P1-P6 (DESIGN.md; docs/ODD.md section 1) hold in Model v2, band by band.

The bands, their reasons and the statistics are data in `colabsim.validation.patterns`, measured by
`colabsim.validation.measure` on the batched engine: 32 replications per configuration with common
random numbers (seeds 20220501 + k, the month of the study's first focus-group discussion), every
assertion about an effect size and its 95% confidence interval, never a single lucky seed. P1 and
P2 are evaluated over the study's last five years (2017-2022) and over the full periods. P1-P3 are
calibration targets; P4-P6 are held out. Criteria not reached are strict expected failures naming
why, so reaching one turns the suite red until its marker goes.
"""

from __future__ import annotations

import pytest

from colabsim.validation.measure import measure_patterns
from colabsim.validation.patterns import CALIBRATION, HELD_OUT, PATTERNS, judge
from colabsim.validation.runs import seed_range
from colabsim.validation.study import load_study
from colabsim.validation.windows import STUDY_WINDOW

SEEDS = seed_range(20220501, 32)
#: Criteria Model v2 does not meet yet: key -> where it stands.
NOT_YET: dict[str, str] = {}


@pytest.fixture(scope="module")
def study_window() -> dict:
    return {r.criterion.key: r for p in judge(measure_patterns(load_study(), SEEDS)) for r in p.criteria}


@pytest.fixture(scope="module")
def full_periods() -> dict:
    estimates = measure_patterns(load_study(), SEEDS, window=None, patterns=("P1", "P2"))
    return {r.criterion.key: r for p in judge(estimates) for r in p.criteria}


def _case(key: str) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=NOT_YET[key])] if key in NOT_YET else []
    return pytest.param(key, marks=marks, id=key)


@pytest.mark.parametrize("key", [_case(c.key) for p in PATTERNS for c in p.criteria])
def test_each_pattern_criterion_lies_in_its_band(study_window, key):
    result = study_window[key]
    assert result.holds, f"{result.criterion.statistic}: {result.estimate} outside {result.band.text()}"


@pytest.mark.parametrize("key", [c.key for p in PATTERNS if p.id in ("P1", "P2") for c in p.criteria])
def test_p1_and_p2_hold_over_the_full_periods_too(full_periods, key):
    result = full_periods[key]
    assert result.holds, f"{result.criterion.statistic}: {result.estimate} outside {result.band.text()}"


def test_the_patterns_say_which_are_calibration_targets_and_which_are_held_out():
    roles = {p.id: p.role for p in PATTERNS}
    assert roles == {"P1": CALIBRATION, "P2": CALIBRATION, "P3": CALIBRATION, "P4": HELD_OUT, "P5": HELD_OUT,
                     "P6": HELD_OUT, "P7": HELD_OUT, "P8": HELD_OUT}  # fmt: skip
    for pattern in PATTERNS:
        assert pattern.wording and pattern.reason and pattern.criteria, pattern.id


def test_the_default_window_is_the_studys_last_five_years():
    assert (STUDY_WINDOW.first, STUDY_WINDOW.last) == ("2017-01", "2022-12")
