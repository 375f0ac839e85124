"""Scenario discovery: PRIM and CART boxes on known answers, the pipeline, and its errors."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import colabsim
from colabsim.cli import main
from colabsim.robustness import boxes
from colabsim.robustness.boxes import box_rule, cart_boxes, evaluate_box, prim_box
from colabsim.robustness.discovery import load_discovery, run_discovery

ROOT = Path(__file__).resolve().parents[1]
SERIAL = colabsim.ExecutionOptions(executor="serial", progress=False)


@pytest.fixture(scope="module")
def known() -> tuple[pd.DataFrame, np.ndarray]:
    """Points of interest exactly where a >= 0.6 and b <= 0.5; c and d do nothing."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((1200, 4)), columns=["a", "b", "c", "d"])
    return x, ((x["a"] >= 0.6) & (x["b"] <= 0.5)).to_numpy()


def test_evaluate_box_and_rules_have_known_answers() -> None:
    x = pd.DataFrame({"a": [0.1, 0.5, 0.7, 0.9], "b": [0.0, 0.0, 0.0, 1.0]})
    y = np.array([False, True, True, False])
    assert evaluate_box(x, y, {"a": (0.4, np.inf)}) == (1.0, 2 / 3)
    assert evaluate_box(x, y, {"a": (0.4, np.inf), "b": (-np.inf, 0.5)}) == (1.0, 1.0)
    assert box_rule({"a": (0.4, np.inf), "b": (-np.inf, 0.5), "c": (0.1, 0.2)}) == (
        "a >= 0.40 and b <= 0.50 and 0.10 <= c <= 0.20"
    )
    assert box_rule({}) == "anywhere"


def test_prim_recovers_the_true_box_and_it_holds_out_of_sample(known) -> None:
    x, y = known
    box, train = prim_box(x, y, seed=3)
    assert set(box.limits) == {"a", "b"}  # the idle factors are left free
    assert box.limits["a"][0] == pytest.approx(0.6, abs=0.05) and box.limits["a"][1] == np.inf
    assert box.limits["b"][1] == pytest.approx(0.5, abs=0.05) and box.limits["b"][0] == -np.inf
    assert box.test_coverage > 0.9 and box.test_density > 0.9
    assert 0.5 < train.mean() < 0.9
    assert box.reproducibility is not None and min(box.reproducibility.values()) >= 80
    assert box.trajectory is not None and int(box.trajectory["chosen"].sum()) == 1


def test_a_restriction_that_adds_nothing_significant_is_dropped() -> None:
    limits = {"a": (0.6, np.inf), "b": (-np.inf, 0.5), "c": (0.1, 0.9), "d": (0.05, np.inf)}
    quasi_p = {"a": [1e-9, -1.0], "b": [-1.0, 0.01], "c": [0.2, 0.001], "d": [0.3, -1.0]}
    kept = boxes._significant(limits, quasi_p, 0.05)
    assert kept == {"a": (0.6, np.inf), "b": (-np.inf, 0.5), "c": (-np.inf, 0.9)}


def test_cart_finds_the_same_box(known) -> None:
    x, y = known
    _, train = prim_box(x, y, seed=3)
    leaves = cart_boxes(x, y, train, seed=3)
    best = leaves[0]
    assert best.limits["a"][0] == pytest.approx(0.6, abs=0.05) and best.limits["b"][1] == pytest.approx(0.5, abs=0.05)
    assert best.test_density > 0.9 and best.test_coverage > 0.9


def test_no_point_of_interest_is_a_clear_error(known) -> None:
    x, _ = known
    with pytest.raises(ValueError, match="no point of the sample is of interest"):
        prim_box(x, np.zeros(len(x), dtype=bool), seed=1)


def test_a_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str):
        raise ImportError(name)

    monkeypatch.setattr(boxes.importlib, "import_module", refuse)
    with pytest.raises(boxes.DiscoveryUnavailableError, match=r"pip install -e '\.\[discovery\]'"):
        boxes._optional("ema_workbench.analysis.prim")


STUDY = """[discovery]
name = "test"
scenario = "{scenario}"
factors = ["legal_frame", "admin_capacity", "commitment"]
points = 60
replications = 2
seed = 5
threshold_quantile = 0.5
"""


def test_the_pipeline_labels_points_and_writes_boxes(tmp_path: Path, capsys) -> None:
    path = tmp_path / "discover.toml"
    path.write_text(STUDY.format(scenario=ROOT / "scenarios" / "darwin.toml"), encoding="utf-8")
    result = run_discovery(path, tmp_path / "out", options=SERIAL)
    points = pd.read_csv(result.directory / "points.csv")
    assert len(points) == 60 and points["of_interest"].mean() == pytest.approx(0.5, abs=0.05)
    assert ((points["mean"] > result.threshold) == points["of_interest"]).all()
    runs = colabsim.load_results(result.directory / "runs")
    assert len(runs) == 120 and runs["factor_legal_frame"].between(0, 1).all()
    table = pd.read_csv(result.directory / "boxes.csv")
    assert table["method"].iloc[0] == "prim" and table["rule"].iloc[0] == box_rule(result.prim.limits)
    report = (result.directory / "report.md").read_text()
    assert "PRIM" in report and "held out" in report and "prim_trajectory.png" in report
    assert (result.directory / "figures" / "prim_trajectory.png").stat().st_size > 1000
    # The same seed, the same points and labels.
    again = run_discovery(path, tmp_path / "again", options=SERIAL)
    pd.testing.assert_frame_equal(again.points, result.points)


BAD = {
    "no threshold": ("threshold_quantile = 0.5\n", "", "either 'threshold'"),
    "two thresholds": ("", "threshold = 0.3\n", "either 'threshold'"),
    "unknown factor": ('"commitment"]', '"luck"]', "unknown factor 'luck'"),
    "too few points": ("points = 60", "points = 10", "discovery.points"),
    "unknown space": ("points = 60", 'points = 60\nspace = "everywhere"', "'bounds' or 'coded'"),
    "coded without codings": (
        f'{ROOT / "scenarios" / "darwin.toml"}"',  # a scenario written with plain values
        f'{ROOT / "tests" / "bad_scenarios" / "_base.toml"}"\nspace = "coded"',
        "'legal_frame' is not coded with a range",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_discovery_files_are_clear_errors(tmp_path: Path, capsys, case: str) -> None:
    old, new, expected = BAD[case]
    text = STUDY.format(scenario=ROOT / "scenarios" / "darwin.toml")
    text = text.replace(old, new) if old else text + new
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(colabsim.ScenarioError) as info:
        load_discovery(path)
    assert expected in str(info.value) and "bad.toml" in str(info.value)
    assert main(["discover", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "Traceback" not in capsys.readouterr().err and not (tmp_path / "o").exists()
