"""Scenario validation: malformed files fail with a clear ScenarioError; valid files load.

Every file in ``tests/bad_scenarios/`` (other than ``_base.toml``, a valid minimal scenario the
others extend) breaks one rule. Loading it must raise `colabsim.ScenarioError` whose message
names the file, the key path at fault and what is allowed there.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

import colabsim
from colabsim import ScenarioError, load_scenario
from colabsim.scenario.factors import FACTORS

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "bad_scenarios"
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.toml"))

#: file -> (key path the message must name, phrase saying what is allowed or expected).
BAD_FILES: dict[str, tuple[str, str]] = {
    "unknown_top_level_key.toml": ("colour", "allowed top-level keys: extends, scenario, factors"),
    "unknown_actor_key.toml": ("actors[0] (city).colour", "allowed keys: id, name, kind, side"),
    "wrong_type_string_for_number.toml": ("factors.history", "must be a number"),
    "factor_out_of_range.toml": ("factors.kinship", "allowed: 0.0 to 1.0"),
    "unknown_factor.toml": ("factors.luck", "allowed: history, kinship, central_support"),
    "unknown_factor_in_event.toml": ("events[0].factors.luck", "allowed: history, kinship"),
    "unknown_actor_kind.toml": (
        "actors[2] (parish).kind",
        "'agency', 'municipality', 'foundation', 'university' or 'donor'",
    ),
    "dangling_tie_actor.toml": ("ties[1].target", "actors: city, partner"),
    "dangling_programme_participant.toml": ("programmes[0] (clinic).participants[1]", "actors: city, partner"),
    "dangling_event_actor.toml": ("events[0].actor", "actors: city, partner"),
    "dangling_event_programme.toml": ("events[0].programme", "programmes: clinic"),
    "event_after_horizon.toml": ("events[0].at", "allowed months 0 to 23"),
    "event_before_start.toml": ("events[0].at", "allowed months 0 to 23"),
    "event_negative_month.toml": ("events[0].at", "use 0 or later"),
    "circular_extends_a.toml": ("extends", "circular"),
    "circular_extends_b.toml": ("extends", "circular"),
    "extends_missing_file.toml": ("extends", "no_such_scenario.toml"),
    "invalid_toml_syntax.toml": ("line 4", "not valid TOML"),
    "duplicate_actor_id.toml": ("actors[1].id", "ids must be unique"),
    "duplicate_actor_id_in_child.toml": ("actors[1].id", "ids must be unique"),
    "set_factors_without_factors.toml": ("events[0]", "needs a non-empty 'factors' table"),
    "bad_month_start.toml": ("scenario.start", "YYYY-MM"),
    "bad_month_event.toml": ("events[0].at", "YYYY-MM"),
    "unknown_parameter.toml": ("parameters.warp_speed", "allowed: turnover_rate, turnover_loss"),
    "parameter_list_for_number.toml": ("parameters.formal_rate", "must be a single number"),
    "self_tie.toml": ("ties[1]", "two different actors"),
    "duplicate_participant.toml": ("programmes[0] (clinic).participants[2]", "list each actor once"),
    "missing_actor_name.toml": ("actors[2] (donor).name", "required key is missing"),
    "bad_identifier.toml": ("actors[2] (Big Donor).id", "lower-case letters, digits and '_'"),
    "coded_range_missing_value.toml": ("factors.kinship.value", "required key is missing"),
    "coded_range_without_range.toml": ("factors.kinship.range", "required key is missing"),
    "coded_range_not_containing_value.toml": ("factors.kinship", "must contain its value 0.9"),
    "coded_range_outside_bounds.toml": ("factors.kinship", "allowed: 0.0 to 1.0"),
    "coded_range_reversed.toml": ("factors.kinship", "[low, high] with low <= high"),
    "coded_range_one_number.toml": ("factors.kinship", "two numbers, [low, high]"),
    "coded_range_unknown_distribution.toml": ("factors.kinship.distribution", "'uniform' or 'triangular'"),
    "coded_range_unknown_key.toml": ("factors.kinship.source", "allowed keys: value, range, distribution"),
    "coded_range_bad_group.toml": ("factors.kinship.group", "lower-case letters, digits and '_'"),
    "coded_range_in_event.toml": ("events[0].factors.legal_frame", "must be a number"),
    "coded_group_on_unknown_factor.toml": ("factors.luck", "unknown factor 'luck'; allowed: history, kinship"),
}


def _error_for(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def test_every_bad_file_has_an_expectation() -> None:
    on_disk = {p.name for p in BAD.glob("*.toml")} - {"_base.toml"}
    assert on_disk == set(BAD_FILES)
    assert len(on_disk) >= 14


def test_base_of_bad_files_is_valid() -> None:
    # Otherwise the bad files could fail for the base's fault rather than their own.
    scenario = load_scenario(BAD / "_base.toml")
    assert [a.id for a in scenario.spec.actors] == ["city", "partner"]
    assert scenario.horizon_months == 24


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_raises_clear_error(name: str) -> None:
    key, allowed = BAD_FILES[name]
    error = _error_for(BAD / name)
    message = str(error)
    assert name in message, message
    assert error.path is not None and error.path.name == name
    assert error.problems, "a ScenarioError lists at least one problem"
    # The key path and the statement of what is allowed appear in the same problem line.
    lines = message.splitlines()
    assert any(key in line and allowed in line for line in lines), message
    assert all(line.startswith(str(error.path)) for line in lines), message
    assert "Traceback" not in message
    assert "pydantic" not in message.lower()  # no library jargon, no links to pydantic's docs


def test_bad_file_errors_are_scenario_errors_and_value_errors() -> None:
    # Callers that catch ValueError (e.g. a notebook) also catch scenario problems.
    assert issubclass(ScenarioError, ValueError)
    assert colabsim.ScenarioError is ScenarioError


def test_circular_extends_names_both_files() -> None:
    message = str(_error_for(BAD / "circular_extends_a.toml"))
    assert "circular_extends_a.toml -> " in message
    assert "circular_extends_b.toml" in message


def test_unknown_factor_lists_every_factor() -> None:
    message = str(_error_for(BAD / "unknown_factor.toml"))
    for name in FACTORS:
        assert name in message


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    bad = tmp_path / "two_problems.toml"
    bad.write_text(
        f'extends = "{(BAD / "_base.toml").as_posix()}"\n'
        '[[ties]]\nsource = "city"\ntarget = "nobody"\n'
        '[[events]]\nat = 2\naction = "remove_actor"\nactor = "nobody_either"\n',
        encoding="utf-8",
    )
    error = _error_for(bad)
    keys = [key for key, _ in error.problems]
    assert "ties[1].target" in keys
    assert "events[0].actor" in keys


def test_union_type_error_is_one_readable_problem(tmp_path: Path) -> None:
    bad = tmp_path / "float_month.toml"
    bad.write_text(
        f'extends = "{(BAD / "_base.toml").as_posix()}"\n'
        '[[events]]\nat = 1.5\naction = "set_factors"\nfactors = { legal_frame = 0.1 }\n',
        encoding="utf-8",
    )
    error = _error_for(bad)
    assert [key for key, _ in error.problems] == ["events[0].at"]
    assert "1.5" in str(error)


def test_file_that_cannot_be_found(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    error = _error_for(missing)
    assert "nowhere.toml" in str(error)
    assert "not found" in str(error)


# --- the command line: no traceback for bad input -------------------------------------------
# `colabsim validate` is checked in-process for every bad file (fast) and through a real
# ``python -m colabsim`` subprocess for a few representative files and for all of them at once.


def _require_cli() -> None:
    if not (ROOT / "colabsim" / "__main__.py").exists():
        pytest.skip("colabsim/__main__.py does not exist yet (the CLI is being written)")


def _run_cli(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "colabsim", "validate", *map(str, files)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_cli_validate_in_process(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    _require_cli()
    from colabsim.cli import main

    status = main(["validate", str(BAD / name)])
    out, err = capsys.readouterr()
    assert status == 2, out + err
    assert name in out + err
    assert BAD_FILES[name][0] in out + err  # the key path reaches the user
    assert "Traceback" not in out + err


@pytest.mark.parametrize("name", ["invalid_toml_syntax.toml", "circular_extends_a.toml", "unknown_actor_kind.toml"])
def test_cli_validate_subprocess_reports_without_traceback(name: str) -> None:
    _require_cli()
    result = _run_cli(BAD / name)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert name in output
    assert "Traceback" not in output


def test_cli_validate_subprocess_all_bad_files_and_shipped_ones() -> None:
    _require_cli()
    bad = [BAD / name for name in sorted(BAD_FILES)]
    result = _run_cli(*bad)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    for path in bad:
        assert path.name in output, path.name
    good = _run_cli(*SHIPPED)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Traceback" not in good.stdout + good.stderr


# --- valid files ----------------------------------------------------------------------------


def test_there_are_shipped_scenarios() -> None:
    assert {"vlissingen.toml", "darwin.toml", "darwin_reformed.toml"} <= {p.name for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_loads(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.path == path
    assert scenario.name
    assert len(scenario.sha256) == 64
    assert set(scenario.factors) == set(FACTORS)
    for name, value in scenario.factors.items():
        assert FACTORS[name].check(value), (name, value)
    assert scenario.horizon_months == scenario.spec.scenario.horizon_years * 12
    # Every event falls inside the horizon.
    for event in scenario.spec.events:
        assert 0 <= scenario.month_index(event.at) < scenario.horizon_months


def test_loading_is_deterministic() -> None:
    first = load_scenario(SCENARIOS / "darwin.toml")
    second = load_scenario(SCENARIOS / "darwin.toml")
    assert first.sha256 == second.sha256
    assert first.spec == second.spec


def test_extends_merges_shipped_programmes_by_id() -> None:
    parent = load_scenario(SCENARIOS / "darwin.toml")
    child = load_scenario(SCENARIOS / "darwin_reformed.toml")
    parent_progs = {p.id: p for p in parent.spec.programmes}
    child_progs = {p.id: p for p in child.spec.programmes}
    assert set(child_progs) == set(parent_progs)
    for pid, prog in child_progs.items():
        # The child changes only the participants; name, sector, need and status are inherited.
        assert "local_partner" in prog.participants
        assert "local_partner" not in parent_progs[pid].participants
        assert prog.optional == parent_progs[pid].optional == ["pattimura"]
        assert prog.name == parent_progs[pid].name
        assert prog.sector == parent_progs[pid].sector
        assert prog.need == parent_progs[pid].need
        assert prog.status == parent_progs[pid].status
    # The child's [scenario] table changes the name but keeps the parent's start and horizon.
    assert child.name != parent.name
    assert child.spec.scenario.start == parent.spec.scenario.start
    assert child.spec.scenario.horizon_years == parent.spec.scenario.horizon_years
    # Factors are inherited, events appended after the parent's.
    assert child.factors == parent.factors
    assert child.spec.events[: len(parent.spec.events)] == parent.spec.events
    assert len(child.spec.events) > len(parent.spec.events)
    # A new actor is appended after the parent's actors.
    assert [a.id for a in child.spec.actors][: len(parent.spec.actors)] == [a.id for a in parent.spec.actors]
    assert child.spec.actors[-1].id == "local_partner"


def test_extends_changing_one_actor_field_keeps_the_others(tmp_path: Path) -> None:
    parent_path = tmp_path / "parent.toml"
    parent_path.write_text((BAD / "_base.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    child_path = tmp_path / "sub" / "child.toml"
    child_path.write_text(
        'extends = "../parent.toml"\n[factors]\nhistory = 0.9\n[[actors]]\nid = "partner"\ncommitment = 0.25\n',
        encoding="utf-8",
    )
    parent = load_scenario(parent_path)
    child = load_scenario(child_path)
    before = {a.id: a for a in parent.spec.actors}["partner"]
    after = {a.id: a for a in child.spec.actors}["partner"]
    assert after.commitment == 0.25
    assert before.commitment is None
    for field in ("name", "kind", "sectors", "side", "status", "endowment", "capacity", "funded"):
        assert getattr(after, field) == getattr(before, field), field
    # The other actor and the factors the child does not set are untouched.
    assert {a.id: a for a in child.spec.actors}["city"] == {a.id: a for a in parent.spec.actors}["city"]
    assert child.factors["history"] == 0.9
    assert child.factors["legal_frame"] == parent.factors["legal_frame"] == 0.8
    assert child.path == child_path


def test_extends_error_in_child_names_the_child(tmp_path: Path) -> None:
    parent_path = tmp_path / "parent.toml"
    parent_path.write_text((BAD / "_base.toml").read_text(encoding="utf-8"), encoding="utf-8")
    child_path = tmp_path / "child.toml"
    child_path.write_text('extends = "parent.toml"\n[factors]\nmediation = -0.1\n', encoding="utf-8")
    error = _error_for(child_path)
    assert "child.toml" in str(error)
    assert "factors.mediation" in str(error)
    assert "inherited" not in str(error)


def test_extends_error_in_parent_says_where_it_comes_from(tmp_path: Path) -> None:
    base = (BAD / "_base.toml").read_text(encoding="utf-8")
    (tmp_path / "parent.toml").write_text(base.replace("legal_frame = 0.8", "legal_frame = 1.8"), encoding="utf-8")
    child_path = tmp_path / "child.toml"
    child_path.write_text('extends = "parent.toml"\n[factors]\nmediation = 0.3\n', encoding="utf-8")
    error = _error_for(child_path)
    message = str(error)
    assert error.path == child_path
    assert "factors.legal_frame" in message
    assert "allowed: 0.0 to 1.0" in message
    assert f"inherited from {tmp_path / 'parent.toml'}" in message


# --- Scenario.with_factors ------------------------------------------------------------------


@pytest.fixture(scope="module")
def darwin() -> colabsim.Scenario:
    return load_scenario(SCENARIOS / "darwin.toml")


def test_with_factors_returns_new_scenario(darwin: colabsim.Scenario) -> None:
    original = dict(darwin.factors)
    changed = darwin.with_factors(legal_frame=0.95, mediation=0.0)
    assert changed is not darwin
    assert changed.factors["legal_frame"] == 0.95
    assert changed.factors["mediation"] == 0.0
    assert darwin.factors == original  # the original is unchanged
    assert {k: v for k, v in changed.factors.items() if k not in ("legal_frame", "mediation")} == {
        k: v for k, v in original.items() if k not in ("legal_frame", "mediation")
    }
    assert changed.spec == darwin.spec
    # Overrides stack.
    again = changed.with_factors(legal_frame=0.1)
    assert again.factors["legal_frame"] == 0.1
    assert again.factors["mediation"] == 0.0


def test_with_factors_accepts_bounds(darwin: colabsim.Scenario) -> None:
    lows = darwin.with_factors(**{name: f.low for name, f in FACTORS.items()})
    highs = darwin.with_factors(**{name: f.high for name, f in FACTORS.items()})
    assert all(lows.factors[name] == f.low for name, f in FACTORS.items())
    assert all(highs.factors[name] == f.high for name, f in FACTORS.items())


def test_with_factors_rejects_unknown_name(darwin: colabsim.Scenario) -> None:
    with pytest.raises(ScenarioError) as info:
        darwin.with_factors(luck=0.5)
    message = str(info.value)
    assert "luck" in message
    assert "darwin.toml" in message
    assert "allowed: history" in message


@pytest.mark.parametrize("value", [-0.01, 1.01, 7, math.nan, "high", None])
def test_with_factors_rejects_bad_value(darwin: colabsim.Scenario, value: object) -> None:
    with pytest.raises(ScenarioError) as info:
        darwin.with_factors(legal_frame=value)  # type: ignore[arg-type]
    message = str(info.value)
    assert "legal_frame" in message
    assert "allowed: 0.0 to 1.0" in message


def test_with_factors_reports_all_problems(darwin: colabsim.Scenario) -> None:
    with pytest.raises(ScenarioError) as info:
        darwin.with_factors(luck=0.5, legal_frame=2.0, history=0.5)
    assert sorted(key for key, _ in info.value.problems) == ["legal_frame", "luck"]


# --- [parameters] values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key", "allowed"),
    [
        ("ces_rho = 0.0", "parameters.ces_rho", "must not be 0"),
        ("resource_weights = [0.0, 0.0, 0.0, 0.0]", "parameters.resource_weights", "not all 0"),
        ("resource_weights = [0.5, 0.5]", "parameters.resource_weights", "list of four weights"),
        ("trust_decay = -0.1", "parameters.trust_decay", "allowed: 0 to 1"),
        ("contact_trust_gain = 1.5", "parameters.contact_trust_gain", "allowed: 0 to 1"),
        ("reputation_threshold = 1.0", "parameters.reputation_threshold", "allowed: 0 to 0.99"),
        ("success_months = 2.5", "parameters.success_months", "must be a whole number"),
        ('formal_rate = "fast"', "parameters.formal_rate", "must be a number"),
    ],
)
def test_bad_parameter_values(tmp_path: Path, table: str, key: str, allowed: str) -> None:
    path = tmp_path / "params.toml"
    path.write_text(f'extends = "{(BAD / "_base.toml").as_posix()}"\n[parameters]\n{table}\n', encoding="utf-8")
    error = _error_for(path)
    assert any(key in line and allowed in line for line in str(error).splitlines()), str(error)


def test_good_parameter_values_are_used(tmp_path: Path) -> None:
    path = tmp_path / "params.toml"
    path.write_text(
        f'extends = "{(BAD / "_base.toml").as_posix()}"\n'
        "[parameters]\nces_rho = -2.0\nsuccess_months = 12\nformal_rate = 1\nresource_weights = [1, 1, 1, 1]\n",
        encoding="utf-8",
    )
    params = load_scenario(path).parameters
    assert params.ces_rho == -2.0
    assert params.success_months == 12
    assert params.formal_rate == 1
    assert params.resource_weights == (1.0, 1.0, 1.0, 1.0)


# --- Coded factors: a value with the range the evidence supports ------------------------------


def _coded(tmp_path: Path, factors: str, parent: str | None = None) -> colabsim.Scenario:
    if parent is not None:
        (tmp_path / "parent.toml").write_text(f'extends = "{BAD / "_base.toml"}"\n[factors]\n{parent}\n')
        base = tmp_path / "parent.toml"
    else:
        base = BAD / "_base.toml"
    path = tmp_path / "coded.toml"
    path.write_text(f'extends = "{base}"\n[factors]\n{factors}\n', encoding="utf-8")
    return load_scenario(path)


def test_a_coded_factor_runs_at_its_value_and_keeps_its_range(tmp_path: Path) -> None:
    scenario = _coded(
        tmp_path,
        'kinship = { value = 0.9, range = [0.75, 0.95], distribution = "triangular", evidence = "ikatan kekeluargaan",'
        ' group = "family" }\nhistory = 0.8',
    )
    assert scenario.factors["kinship"] == 0.9
    assert scenario.factors["history"] == 0.8
    coding = scenario.codings["kinship"]
    assert (coding.range, coding.distribution, coding.group) == ([0.75, 0.95], "triangular", "family")
    assert coding.evidence == "ikatan kekeluargaan"
    assert set(scenario.codings) == {"kinship"}
    # A run of the coded scenario is the run of the same value written plainly.
    plain = _coded(tmp_path, "kinship = 0.9\nhistory = 0.8")
    first = colabsim.simulate(scenario, seed=3).summary
    assert first.equals(colabsim.simulate(plain, seed=3).summary)


def test_a_child_file_replaces_a_coded_factor_whole(tmp_path: Path) -> None:
    parent = "kinship = { value = 0.9, range = [0.75, 0.95] }\nmediation = { value = 0.6, range = [0.4, 0.8] }"
    child = _coded(tmp_path, "kinship = 0.5", parent=parent)
    assert child.factors["kinship"] == 0.5
    assert "kinship" not in child.codings  # a plain number carries no range
    assert child.codings["mediation"].range == [0.4, 0.8]  # what the child does not set is inherited
