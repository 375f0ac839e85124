"""docs/validation.md is current, and ``colabsim validate-model`` writes it (issue 14, item 10).

The published report embeds the fingerprint of what it depends on (`colabsim.validation.fingerprint`:
model and scenario source, the validation's bands and submodels, the tuned submodel sets, the
study's scenario files, the Parameters defaults, colabsim's version); the first test recomputes it
and fails when any part changed, saying how to regenerate the report. The command's errors and a
``--quick`` run end to end are tested too.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from colabsim.cli import main
from colabsim.validation.fingerprint import compare_fingerprints, read_fingerprint, report_fingerprint
from colabsim.validation.patterns import bands_markdown
from colabsim.validation.report import QUICK_NOTE, REGENERATE
from colabsim.validation.study import STUDY_FILES
from colabsim.validation.submodels import submodels_markdown

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "validation.md"
SECTIONS = (
    "## Summary", "## 1 Patterns", "## 2 The null model", "## 3 OFAT", "## 4 Knock-outs", "## 5 The coding swap",
    "## 6 The recommendations' levers", "## 7 Replication noise", "## 8 The Vlissingen/Darwin ratio", "## 9 By sector",
    "## 10 Ceiling", "## 11 Robustness to the technical", "## 12 How the conclusions move", "## How this report",
)  # fmt: skip


def _current(scenario_dir: Path) -> dict[str, str]:
    return report_fingerprint([scenario_dir / f"{name}.toml" for name in STUDY_FILES])


def test_docs_validation_md_is_current(scenario_dir):
    how = f"regenerate it (about 15 minutes on two cores) with: {REGENERATE}"
    assert DOC.exists(), f"docs/validation.md is missing; {how}"
    text = DOC.read_text(encoding="utf-8")
    assert QUICK_NOTE not in text, f"docs/validation.md is a --quick report; {how}"
    recorded = read_fingerprint(text)
    assert recorded is not None, f"docs/validation.md has no fingerprint; {how}"
    changed = compare_fingerprints(recorded, _current(scenario_dir))
    assert not changed, f"docs/validation.md is out of date ({', '.join(changed)} changed since it was written); {how}"


def test_the_published_report_shows_its_figures():
    text = DOC.read_text(encoding="utf-8")
    for figure in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (DOC.parent / figure).is_file(), f"docs/validation.md shows {figure}, which is not there"


def test_missing_scenario_files_are_a_usage_error(tmp_path, capsys):
    assert main(["validate-model", "--scenarios", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "colabsim validate-model: error" in err and "vlissingen.toml" in err and "Traceback" not in err


def test_out_must_be_a_folder(tmp_path, capsys):
    target = tmp_path / "file.md"
    target.write_text("not a folder")
    assert main(["validate-model", "--quick", "--out", str(target)]) == 2
    assert "not a folder" in capsys.readouterr().err


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> tuple[Path, str, int]:
    out = tmp_path_factory.mktemp("validation")
    printed = io.StringIO()  # capsys is per test; the run is shared by the module
    with contextlib.redirect_stdout(printed):
        status = main(["validate-model", "--quick", "--out", str(out), "--quiet"])
    return out, printed.getvalue(), status


def test_a_quick_run_writes_every_section_its_figures_and_a_current_fingerprint(quick, scenario_dir):
    out, printed, status = quick
    assert status == 0
    text = (out / "validation.md").read_text(encoding="utf-8")
    assert QUICK_NOTE in text
    for heading in SECTIONS:
        assert heading in text, heading
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(figures) >= 9
    assert all((out / figure).is_file() for figure in figures)
    assert read_fingerprint(text) == _current(scenario_dir)
    assert "validation in" in printed and "v2: meets" in printed and "null: meets" in printed


@pytest.mark.parametrize(
    ("source", "generate"),
    [("colabsim.validation.patterns.PATTERNS", bands_markdown),
     ("colabsim.validation.submodels.SUBMODELS", submodels_markdown)],
    ids=["bands", "submodels"],
)  # fmt: skip
def test_the_odd_shows_the_bands_and_submodels_the_package_defines(source, generate):
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    begin, end = f"<!-- BEGIN GENERATED from {source} -->\n", f"<!-- END GENERATED from {source} -->"
    assert odd.count(begin) == 1 and odd.count(end) == 1, f"docs/ODD.md needs one block generated from {source}"
    block = odd[odd.index(begin) + len(begin) : odd.index(end)]
    assert block == generate(), f"docs/ODD.md's table from {source} is stale; replace it with:\n{generate()}"
