"""Reruns of the calibration: on validation's band variants, on other priors, and comparing finished runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from calibration_support import ROOT, TINY

from colabsim.calibration import load_calibration, run_calibration
from colabsim.calibration.bands import band_names, bands_name, named_bands
from colabsim.calibration.comparison import compare_calibrations
from colabsim.calibration.posterior import load_posterior
from colabsim.calibration.store import CalibrationError
from colabsim.calibration.targets import DEFAULT_TARGETS, bands_hash
from colabsim.cli import main
from colabsim.scenario.loader import ScenarioError
from colabsim.scenario.parameters import PARAMETER_BOUNDS
from colabsim.validation.patterns import BAND_VARIANTS

#: The tiny calibration with understanding_reach's prior reaching further down ([0.2, 1] against [0.4, 1]).
WIDE = TINY.replace("low = 0.4\nhigh = 1.0", "low = 0.2\nhigh = 1.0")
#: Another tiny calibration of one parameter only.
ONE = TINY[: TINY.index("[priors.success_months]")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Tiny calibrations: default bands, P3 >= 20% from the command line, a wider prior, another parameter set."""
    folder = tmp_path_factory.mktemp("reruns")
    made = {}
    for name, text in (("tiny", TINY), ("wide", WIDE), ("one", ONE)):
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
        made[name] = run_calibration(folder / f"{name}.toml", folder / name).directory
    assert main(["calibrate", str(folder / "tiny.toml"), "--bands", "p3>=20%", "--out", str(folder / "p3"),
                 "-j", "1", "-q"]) == 0  # fmt: skip
    made["p3"] = folder / "p3"
    return made


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calibration.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_band_variant_in_the_file_or_on_the_command_line_moves_its_band_and_keeps_the_other_side(tmp_path):
    in_file = load_calibration(write(tmp_path, TINY + '\n[targets]\nbands = "P3 >= 20%"\n'))
    on_line = load_calibration(write(tmp_path, TINY), bands="p3 >=20%")
    assert in_file.bands == on_line.bands == "P3 >= 20%"
    assert in_file.targets == on_line.targets
    p3 = next(t for t in in_file.targets if t.key == "p3_closed_share")
    assert (p3.low, p3.high) == (0.20, 0.75)  # the variant's lower side, the calibration's upper side
    assert bands_name(bands_hash(in_file.targets)) == "P3 >= 20%"
    # The command line wins over the file, and "default" brings the default bands back.
    back = load_calibration(write(tmp_path, TINY + '\n[targets]\nbands = "P3 >= 20%"\n'), bands="default")
    assert back.targets == DEFAULT_TARGETS and back.bands == "default"
    # A band of the file's own on another target stays, and the name says so.
    both = load_calibration(
        write(tmp_path, TINY + '\n[targets]\nbands = "P3 >= 20%"\n[targets.p2_drop_share]\nlow = 0.1\nhigh = 0.45\n')
    )
    assert both.bands == "P3 >= 20%, with p2_drop_share set in the calibration file"
    assert bands_name(bands_hash(both.targets)) is None


def test_every_band_variant_has_its_own_hash_and_is_recognised():
    hashes = {bands_hash(named_bands(name)[1]) for name in band_names()}
    assert len(hashes) == len(BAND_VARIANTS) + 1
    for name in band_names():
        assert bands_name(bands_hash(named_bands(name)[1])) == name


def test_a_calibration_on_a_band_variant_records_and_reports_its_bands(runs):
    state = json.loads((runs["p3"] / "calibration.json").read_text())
    assert state["bands"] == bands_hash(named_bands("P3 >= 20%")[1]) != bands_hash(DEFAULT_TARGETS)
    assert json.loads((runs["p3"] / "manifest.json").read_text())["bands"] == "P3 >= 20%"
    report = (runs["p3"] / "report.md").read_text()
    assert "Calibrated on the bands: **P3 >= 20%**" in report
    assert "| p3_closed_share | P3 | [0.2, 0.75] | validation's band variant 'P3 >= 20%'" in report
    assert (runs["p3"] / "priors.json").is_file()
    # Same seed, same priors: generation 0 is the same draws, only judged against other bands.
    first = [pd.read_parquet(runs[k] / "generations" / "gen_000.parquet") for k in ("tiny", "p3")]
    assert np.array_equal(first[0]["understanding_reach"], first[1]["understanding_reach"])


def test_a_posterior_on_a_band_variant_is_used_and_says_so_and_one_on_unnamed_bands_is_refused(runs, tmp_path):
    assert load_posterior(runs["tiny"]).bands == "default"
    assert load_posterior(runs["p3"]).bands == "P3 >= 20%"
    darwin = str(ROOT / "scenarios" / "darwin.toml")
    assert main(["compare", darwin, darwin, "--set", "darwin_2:legal_frame=0.9", "--posterior", str(runs["p3"]),
                 "--draws", "2", "-r", "2", "--out", str(tmp_path / "answer"), "-q"]) == 0  # fmt: skip
    assert "calibrated on (P1-P3, P3 >= 20%" in (tmp_path / "answer" / "report.md").read_text()
    own = tmp_path / "own"
    shutil.copytree(runs["tiny"], own)
    state = json.loads((own / "calibration.json").read_text())
    state["bands"] = bands_hash(load_calibration(write(tmp_path, TINY + "[targets.p3_closed_share]\nlow = 0.25\n"
                                                                        "high = 0.75\n")).targets)  # fmt: skip
    (own / "calibration.json").write_text(json.dumps(state))
    with pytest.raises(CalibrationError, match="neither the current default bands nor one of validation's"):
        load_posterior(own)


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('\n[targets]\nbands = "P2 >= 30%"\n', "targets.bands", "allowed: 'default', 'P1 ratio in [1.5, 20]'"),
        ("\n[targets]\nbands = 2\n", "targets.bands", "must be"),
        ("\n[targets.p9]\nlow = 0.1\nhigh = 0.2\n", "targets.p9", "unknown target"),
        (
            '\n[targets]\nbands = "P2 >= 20%"\n[targets.p2_drop_share]\nlow = 0.1\nhigh = 0.45\n',
            "targets.p2_drop_share",
            "moves this band too",
        ),
    ],
)
def test_bad_bands_in_the_file_name_the_key_and_what_is_allowed(tmp_path, text, key, words):
    with pytest.raises(ScenarioError) as caught:
        load_calibration(write(tmp_path, TINY + text))
    assert f": {key}:" in str(caught.value) and words in str(caught.value)


def test_an_unknown_band_variant_on_the_command_line_lists_the_allowed_ones_before_anything_runs(tmp_path, capsys):
    path = write(tmp_path, TINY)
    assert main(["calibrate", str(path), "--bands", "P2 >= 30%", "--out", str(tmp_path / "run"), "-q"]) == 2
    error = capsys.readouterr().err
    assert "--bands: unknown bands 'P2 >= 30%' (did you mean 'P2 >= 20%'?)" in error and "'P3 >= 40%'" in error
    assert "Traceback" not in error and not (tmp_path / "run").exists()


def test_a_run_compared_with_itself_shows_no_shift(runs, tmp_path):
    comparison = compare_calibrations([runs["tiny"], runs["tiny"]], tmp_path / "same")
    assert list(comparison.runs["run"]) == ["tiny (1)", "tiny (2)"]
    assert np.all(comparison.parameters["shift_in_first_sd"] == 0.0)
    held_out = comparison.held_out
    assert {"pattern", "scenario"} <= set(held_out["check"]) and "P4" in set(held_out["what"])
    assert held_out["tiny (1)"].equals(held_out["tiny (2)"].rename("tiny (1)"))
    assert comparison.bands_check.empty and comparison.priors_check.empty
    assert (tmp_path / "same" / "report.md").is_file() and (tmp_path / "same" / "parameters.csv").is_file()


def test_a_band_rerun_against_the_default_run_checks_the_re_rejection(runs, tmp_path):
    comparison = compare_calibrations([runs["tiny"], runs["p3"]], tmp_path / "bands")
    assert list(comparison.runs["bands"]) == ["default", "P3 >= 20%"]
    check = comparison.bands_check.set_index("quantity")
    # The same seed and priors give the same generation 0: the re-rejection's share is the rerun's exactly.
    share = check.loc["share of the prior meeting every band"]
    assert share["estimate"] == share["rerun"]
    assert set(comparison.parameters["run"]) == {"tiny", "p3"}
    report = (tmp_path / "bands" / "report.md").read_text()
    assert "## The reweighting answers against the reruns" in report and "P3 >= 20%" in report


def test_a_wider_prior_reweights_to_the_narrower_one_but_not_the_other_way(runs, tmp_path):
    comparison = compare_calibrations([runs["tiny"], runs["wide"]], tmp_path / "priors")
    check = comparison.priors_check
    narrow_from_wide = check[(check["to"] == "tiny") & (check["from"] == "wide")]
    assert set(narrow_from_wide["quantity"]) == {"posterior mean of understanding_reach",
                                                 "posterior mean of success_months"}  # fmt: skip
    assert (narrow_from_wide["prior_out_of_reach"] == 0).all()
    assert (narrow_from_wide["effective_draws"] > 1).all()
    wide_from_narrow = check[(check["to"] == "wide") & (check["from"] == "tiny")].iloc[0]
    assert wide_from_narrow["quantity"] == "not reachable by reweighting"
    # A quarter of the wide prior of understanding_reach ([0.2, 0.4) of [0.2, 1]) lies outside the narrow one.
    assert wide_from_narrow["prior_out_of_reach"] == pytest.approx(0.25, abs=0.01)


def test_comparing_what_is_no_finished_calibration_of_the_same_parameters_is_refused(runs, tmp_path, capsys):
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    shutil.copy(runs["tiny"] / "calibration.json", unfinished)
    other_model = tmp_path / "other_model"
    shutil.copytree(runs["tiny"], other_model)
    state = json.loads((other_model / "calibration.json").read_text())
    state["model"]["colabsim version"] = "0.0.1"
    (other_model / "calibration.json").write_text(json.dumps(state))
    cases = [
        ([runs["tiny"]], "needs two calibration folders or more"),
        ([runs["tiny"], tmp_path], "no calibration.json, so this is no calibration's folder"),
        ([runs["tiny"], tmp_path / "missing"], "no such folder"),
        ([runs["tiny"], unfinished], "has not finished (no manifest.json, posterior.csv, draws.parquet)"),
        ([runs["tiny"], runs["one"]], "compare calibrations of the same parameters"),
        ([runs["tiny"], other_model], "model.colabsim version: recorded '0.0.1'"),
    ]
    for k, (folders, words) in enumerate(cases):
        with pytest.raises(CalibrationError, match=None) as caught:
            compare_calibrations(folders, tmp_path / f"out{k}")
        assert words in str(caught.value)
        assert main(["calibrate-compare", *map(str, folders), "--out", str(tmp_path / f"cli{k}"), "-q"]) == 2
        error = capsys.readouterr().err
        assert words in error and "Traceback" not in error
        assert not (tmp_path / f"cli{k}").exists()


def test_the_command_line_compares_and_prints_the_largest_shift(runs, tmp_path, capsys):
    assert main(["calibrate-compare", str(runs["tiny"]), str(runs["p3"]), "--out", str(tmp_path / "c")]) == 0
    printed = capsys.readouterr().out
    assert "tiny: bands default" in printed and "p3: bands P3 >= 20%" in printed and "largest shift" in printed


def test_the_wide_prior_file_holds_the_shipped_priors_twice_as_wide_where_the_range_allows():
    shipped = load_calibration(ROOT / "experiments" / "calibration.toml")
    wide = load_calibration(ROOT / "experiments" / "calibration_wide_priors.toml")
    assert wide.prior.names == shipped.prior.names and wide.targets == shipped.targets
    assert wide.spec.budget == shipped.spec.budget and wide.spec.calibration.seed == shipped.spec.calibration.seed
    for narrow, broad in zip(shipped.prior.priors, wide.prior.priors, strict=True):
        bound_low, bound_high = PARAMETER_BOUNDS[narrow.name]
        documented = narrow.mean  # every shipped prior is centred on (or has its mode at) the documented value
        low = max(documented - 2 * (documented - narrow.low), bound_low)
        high = min(documented + 2 * (narrow.high - documented), bound_high)
        assert (broad.low, broad.high) == pytest.approx((low, high), abs=0.002), narrow.name
        assert broad.kind == narrow.kind and (broad.sd is None) == (narrow.sd is None), narrow.name
        if broad.sd is not None and narrow.sd is not None:
            assert broad.sd == 2 * narrow.sd, narrow.name


def test_a_what_if_over_each_posterior_gives_the_same_answer_for_the_same_posterior(runs, tmp_path, capsys):
    darwin = str(ROOT / "scenarios" / "darwin.toml")
    folders = [str(runs["tiny"]), str(runs["tiny"]), str(runs["p3"])]
    status = main(["calibrate-compare", *folders, "--scenario", darwin, "--what-if", "legal_frame=0.9",
                   "--draws", "3", "-r", "2", "--out", str(tmp_path / "w"), "-q"])  # fmt: skip
    assert status == 0, capsys.readouterr().err
    table = pd.read_csv(tmp_path / "w" / "what_if.csv")
    assert list(table["bands"]) == ["default", "default", "P3 >= 20%"]
    assert table.loc[0, "mean"] == table.loc[1, "mean"] and table.loc[0, "q95"] == table.loc[1, "q95"]
    assert (tmp_path / "w" / "what-if" / "p3" / "report.md").is_file()
    assert "what-if in p3: effect" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--what-if", "legal_frame=0.9"], "--what-if FACTOR=VALUE and --scenario FILE go together"),
        (["--what-if", "legal_frame=1.9", "--scenario", str(ROOT / "scenarios" / "darwin.toml")], "out of range"),
        (["--what-if", "legal_fame=0.9", "--scenario", str(ROOT / "scenarios" / "darwin.toml")], "unknown factor"),
    ],
)
def test_a_bad_what_if_is_refused_before_anything_is_written(runs, tmp_path, capsys, options, words):
    out = tmp_path / "w"
    assert main(["calibrate-compare", str(runs["tiny"]), str(runs["p3"]), *options, "--out", str(out), "-q"]) == 2
    error = capsys.readouterr().err
    assert words in error and "Traceback" not in error and not out.exists()
