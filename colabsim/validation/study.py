"""The study's scenario files the validation runs, loaded once and given parameters together.

The patterns are about named files of ``scenarios/`` (Vlissingen, Darwin, the reformed Darwin and
the other collaborations of the study's Table 1.1). `load_study` finds and loads them, and says
which are missing and where it looked; `Study.with_parameters` sets a parameter set (a submodel,
a tuned entry, a robustness sample) on every one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from colabsim.scenario.loader import Scenario, load_scenario

__all__ = ["STUDY_FILES", "TABLE_1_1", "Study", "StudyError", "find_scenario_dir", "load_study"]

#: The scenario files the validation needs (file stems).
STUDY_FILES: tuple[str, ...] = (
    "vlissingen",
    "darwin",
    "darwin_reformed",
    "apik",
    "saiig",
    "apik_ccbo",
    "unido",
    "ambon_music",
    "vlissingen_partners",
    "darwin_partners",
)
#: One scenario file per collaboration of the study's Table 1.1 (CCBO follows APIK; Havana and Metz
#: are the exploratory partners of the music city).
TABLE_1_1: tuple[str, ...] = ("apik", "saiig", "darwin", "vlissingen", "unido", "apik_ccbo", "ambon_music")


class StudyError(ValueError):
    """The study's scenario files cannot be found or loaded."""


@dataclass(frozen=True)
class Study:
    """The study's scenarios by file stem, with the parameters they all run with.

    Attributes:
        scenarios: Scenario by file stem (`STUDY_FILES`).
        directory: Where the files were read.
        parameters: The parameters set on top of the files' own (empty for the defaults).
    """

    scenarios: Mapping[str, Scenario]
    directory: Path
    parameters: Mapping[str, float]

    def __getitem__(self, name: str) -> Scenario:
        """The scenario of file `name` (a stem of `STUDY_FILES`)."""
        return self.scenarios[name]

    def with_parameters(self, values: Mapping[str, float]) -> Study:
        """The same files with `values` set as rule parameters on every one.

        Raises:
            ScenarioError: If a name is not a parameter or a value is out of its range.
        """
        if not values:
            return self
        scenarios = {name: s.with_parameters(**values) for name, s in self.scenarios.items()}
        return Study(scenarios, self.directory, {**self.parameters, **values})


def find_scenario_dir(directory: str | Path | None = None) -> Path:
    """The folder with the study's scenario files.

    `directory` if given; else ``./scenarios`` if it holds Vlissingen's file; else the
    ``scenarios`` folder of the source checkout colabsim runs from.

    Raises:
        StudyError: If no such folder is found.
    """
    if directory is not None:
        return Path(directory)
    candidates = [Path.cwd() / "scenarios", Path(__file__).resolve().parents[2] / "scenarios"]
    for folder in candidates:
        if (folder / "vlissingen.toml").is_file():
            return folder
    looked = ", ".join(str(c) for c in candidates)
    raise StudyError(f"the study's scenario files (vlissingen.toml, darwin.toml, ...) are not in {looked}; "
                     "give the folder with --scenarios DIR")  # fmt: skip


def load_study(directory: str | Path | None = None) -> Study:
    """Load every file of `STUDY_FILES` from `directory` (see `find_scenario_dir`).

    Raises:
        StudyError: If the folder or a file is missing.
        ScenarioError: If a file is invalid.
    """
    folder = find_scenario_dir(directory)
    if not folder.is_dir():
        raise StudyError(f"{folder}: no such folder; it should hold the study's scenario files")
    missing = [f"{name}.toml" for name in STUDY_FILES if not (folder / f"{name}.toml").is_file()]
    if missing:
        raise StudyError(
            f"{folder}: missing the study's scenario file(s) {', '.join(missing)}; "
            f"the validation needs {', '.join(f'{n}.toml' for n in STUDY_FILES)}"
        )
    return Study({name: load_scenario(folder / f"{name}.toml") for name in STUDY_FILES}, folder, {})
