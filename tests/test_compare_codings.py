"""compare --coding-robustness: a comparison over codings sampled within the files' coded ranges.

Budgets are tiny (4 codings x 2 replications of the robustness tests' 8-year scenarios): the tests
check the bookkeeping (seeds, one reading per shared line, windows, report, errors), not the findings.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import colabsim
from colabsim.cli import main
from colabsim.experiments.progress import ProgressEvent
from colabsim.robustness.comparison import (
    CodingRobustness,
    CodingRobustnessError,
    PairCheck,
    plan_codings,
)
from colabsim.robustness.spec import MAX_RUNS
from colabsim.workflows import run_scenarios, study_pair

HERE = Path(__file__).resolve().parent
STRONG = HERE / "robustness" / "strong.toml"
WEAK = HERE / "robustness" / "weak.toml"
UNCODED = HERE / "bad_scenarios" / "_base.toml"
SMALL = CodingRobustness(codings=4, replications=2)


@pytest.fixture(scope="module")
def pair_run(tmp_path_factory: pytest.TempPathFactory):
    """The two coded test scenarios under the study's labels, so P1 is checked too, on the same window."""
    folder = tmp_path_factory.mktemp("pair")
    strong = folder / "strong_2019.toml"
    strong.write_text(
        f'extends = "{STRONG}"\n[scenario]\nhorizon_years = 14\nwindow = ["2016-01", "2019-12"]\n', encoding="utf-8"
    )
    events: list[ProgressEvent] = []
    scenarios = [("vlissingen", colabsim.load_scenario(strong)), ("darwin", colabsim.load_scenario(WEAK))]
    out = folder / "run"
    runs = run_scenarios(scenarios, 3, 2, out=out, command="compare", progress=events.append, coding_robustness=SMALL)
    return runs, events


def test_the_shares_and_quantiles_are_those_of_the_per_coding_table(pair_run) -> None:
    runs, _ = pair_run
    coding = runs.coding
    assert coding is not None and coding.sampled
    per = coding.per_coding
    assert len(per) == SMALL.codings
    [verdict] = coding.verdicts
    assert verdict.label == "darwin"
    assert verdict.higher.share == (per["darwin_mean"] > per["vlissingen_mean"]).mean()
    assert verdict.higher.codings == SMALL.codings
    assert 0.0 <= verdict.higher.misclassification <= 1.0  # the bootstrap's flip rate, not NaN
    effect = per["darwin_minus_vlissingen_effect"]
    assert np.allclose(effect, per["darwin_mean"] - per["vlissingen_mean"])
    assert verdict.quantiles["q50"] == pytest.approx(float(np.quantile(effect, 0.5)))
    assert verdict.clearly_lower.share == (per["darwin_minus_vlissingen_high"] < 0).mean()
    # P1 for the study's pair, with P1's own band (validation.patterns).
    assert coding.plan.pair == PairCheck("vlissingen", "darwin", (2.0, 10.0))
    assert coding.p1 is not None and coding.p1.share == per["p1_holds"].mean()


def test_every_arm_runs_the_same_seeds_and_its_own_codings(pair_run) -> None:
    runs, _ = pair_run
    folder = runs.directory / "coding_robustness"
    strong, weak = colabsim.load_results(folder / "vlissingen"), colabsim.load_results(folder / "darwin")
    assert len(strong) == len(weak) == SMALL.codings * SMALL.replications
    assert (strong["seed"].to_numpy() == weak["seed"].to_numpy()).all()  # common random numbers
    codings = pd.read_parquet(folder / "codings.parquet")
    assert {"vlissingen.kinship", "darwin.legal_frame"} <= set(codings.columns)
    # The two files' co-moving group (kinship with history) takes one quantile of each range.
    assert (codings["vlissingen.kinship"].rank() == codings["vlissingen.history"].rank()).all()
    assert np.allclose(strong["factor_kinship"].to_numpy()[:: SMALL.replications], codings["vlissingen.kinship"])


def test_the_report_table_figure_and_manifest_carry_it(pair_run) -> None:
    runs, events = pair_run
    report = (runs.directory / "report.md").read_text(encoding="utf-8")
    assert "## How sure is this?" in report and "**P1.**" in report
    assert report.index("## How sure is this?") < report.index("## Figures")  # beside the findings
    assert "figures/coding_robustness.png" in report and (runs.directory / "figures/coding_robustness.png").is_file()
    table = pd.read_csv(runs.directory / "coding_robustness.csv")
    assert set(table["statement"]) == {"higher", "clearly higher", "clearly lower", "P1"}
    assert {"mc_error", "misclassification", "difference_q05", "difference_q95"} <= set(table.columns)
    manifest = json.loads((runs.directory / "manifest.json").read_text())
    assert manifest["coding_robustness"]["codings"] == SMALL.codings
    assert manifest["coding_robustness"]["root_seed"] == 3
    # The long part reports its progress, one labelled phase per arm.
    assert {"coding robustness: vlissingen", "coding robustness: darwin"} <= {e.phase for e in events}


def test_files_of_one_lineage_share_a_reading_and_windows_are_matched(tmp_path: Path) -> None:
    # A file that extends Darwin and is judged over two other years: the same coding lines, so the
    # same values in every coding; Darwin is run again over those years, so the difference is zero.
    later = tmp_path / "later.toml"
    later.write_text(f'extends = "{WEAK}"\n[scenario]\nwindow = ["2018-01", "2019-12"]\n', encoding="utf-8")
    scenarios = [("weak", colabsim.load_scenario(WEAK)), ("later", colabsim.load_scenario(later))]
    runs = run_scenarios(scenarios, 5, 2, out=tmp_path / "run", coding_robustness=SMALL)
    assert runs.coding is not None
    plan = runs.coding.plan
    assert plan.measured_on == {"later": "weak_over_2018-01_2019-12"}
    weak_points, later_points = plan.arms["weak"][1], plan.arms["later"][1]
    pd.testing.assert_frame_equal(weak_points, later_points)
    [verdict] = runs.coding.verdicts
    assert verdict.quantiles["q05"] == verdict.quantiles["q95"] == 0.0
    assert verdict.higher.share == 0.0


def test_a_file_without_ranges_is_a_note_not_an_error(tmp_path: Path) -> None:
    scenarios = [("weak", colabsim.load_scenario(WEAK)), ("plain", colabsim.load_scenario(UNCODED))]
    plan = plan_codings(scenarios, 1, SMALL)
    assert "no coding uncertainty" in plan.notes["plain"]
    assert plan.arms["plain"][1].shape == (SMALL.codings, 0)  # one row per coding, nothing sampled


def test_no_ranged_file_at_all_runs_nothing_and_says_so(tmp_path: Path, capsys) -> None:
    first, second = tmp_path / "first.toml", tmp_path / "second.toml"
    for path in (first, second):
        path.write_text(f'extends = "{UNCODED}"\n', encoding="utf-8")
    out = tmp_path / "run"
    status = main(["compare", str(first), str(second), "-r", "2", "--coding-robustness", "4", "--out", str(out), "-q"])
    assert status == 0
    assert "there is no coding uncertainty" in capsys.readouterr().out
    assert "there is no coding uncertainty to sample" in (out / "report.md").read_text(encoding="utf-8")
    assert not (out / "coding_robustness").exists()


def test_the_cli_option_runs_with_quiet_and_prints_the_shares(tmp_path: Path, capsys) -> None:
    later = tmp_path / "later.toml"  # Darwin with another window, which Darwin's runs cover
    later.write_text(f'extends = "{WEAK}"\n[scenario]\nwindow = ["2018-01", "2019-12"]\n', encoding="utf-8")
    out = tmp_path / "cli"
    argv = ["compare", str(WEAK), str(later), "-r", "2", "--coding-robustness", "3", "--coding-replications", "2"]
    assert main([*argv, "--seed", "0", "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "later above weak in 0% of the coding space" in captured.out and "difference 5/50/95%" in captured.out
    assert "P1" not in captured.out  # not the study's pair
    assert captured.err == ""  # --quiet: no bars, no noise
    assert (out / "coding_robustness.csv").is_file()


def test_a_window_the_baseline_does_not_cover_is_said_and_not_run(tmp_path: Path, capsys) -> None:
    # The test Vlissingen ends in 2013; the test Darwin is judged over 2016-2019, as compare's table says.
    out = tmp_path / "run"
    argv = ["compare", str(STRONG), str(WEAK), "-r", "2", "--coding-robustness", "3", "--out", str(out), "-q"]
    assert main(argv) == 0
    assert "weak: not compared: strong's runs do not cover its window (2016-01 to 2019-12)" in capsys.readouterr().out
    assert "No scenario could be compared" in (out / "report.md").read_text(encoding="utf-8")
    assert not (out / "coding_robustness").exists()


def test_the_study_pair_is_found_by_its_file_stems() -> None:
    assert study_pair(["darwin", "vlissingen"]) == PairCheck("vlissingen", "darwin", (2.0, 10.0))
    assert study_pair(["darwin", "darwin_reformed"]) is None


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--coding-robustness", "1"], "must be at least 2"),
        (["--coding-robustness", "x"], "--coding-robustness"),
        (["--coding-robustness", "4", "--coding-replications", "1"], "must be at least 2"),
        (["--coding-replications", "4"], "--coding-replications needs --coding-robustness"),
        (["--coding-robustness", str(MAX_RUNS)], "more than the limit"),
    ],
)
def test_bad_options_are_clear_errors_and_nothing_is_lost(tmp_path: Path, capsys, extra, expected) -> None:
    out = tmp_path / "kept"
    out.mkdir()
    (out / "earlier.txt").write_text("an earlier result", encoding="utf-8")
    assert _status(["compare", str(STRONG), str(WEAK), "-r", "2", "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert [p.name for p in out.iterdir()] == ["earlier.txt"]  # refused before anything was written


def _status(argv: list[str]) -> int:
    """The exit status, whether main returns it or argparse exits with it (a malformed option)."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def test_bad_settings_from_python_are_clear_errors() -> None:
    with pytest.raises(CodingRobustnessError, match="codings must be a whole number of at least 2"):
        CodingRobustness(codings=1)
    with pytest.raises(CodingRobustnessError, match="replications"):
        CodingRobustness(codings=10, replications=True)
    scenarios = [("strong", colabsim.load_scenario(STRONG)), ("weak", colabsim.load_scenario(WEAK))]
    with pytest.raises(CodingRobustnessError, match="more than the limit"):
        plan_codings(scenarios, 1, CodingRobustness(codings=MAX_RUNS))


def test_the_codings_follow_the_seed() -> None:
    # The runs' own seeds and the executors' equality are the runner's (tests/test_sweep.py); the
    # codings come from the comparison's root seed through the sampling's own stream.
    scenarios = [("strong", colabsim.load_scenario(STRONG)), ("weak", colabsim.load_scenario(WEAK))]
    first, again, other = (plan_codings(scenarios, seed, SMALL) for seed in (11, 11, 12))
    assert "weak" not in first.arms  # its window is past the baseline's runs: not run
    pd.testing.assert_frame_equal(first.arms["strong"][1], again.arms["strong"][1])
    assert not first.arms["strong"][1].equals(other.arms["strong"][1])
