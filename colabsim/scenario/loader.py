"""Load, merge and validate scenario files.

`load_scenario` reads a TOML file, follows its ``extends`` chain (a child changes only what
differs), validates the merged result against `colabsim.scenario.schema` and checks cross-references.
Every problem becomes a `ScenarioError` that names the file, the key path and what is allowed;
no Python traceback reaches the user for bad input.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from colabsim.scenario.checks import cross_reference_problems, month_index, validation_problems
from colabsim.scenario.factors import FACTORS
from colabsim.scenario.parameters import Parameters
from colabsim.scenario.schema import FactorCoding, ScenarioFile, parse_month

__all__ = ["Scenario", "ScenarioError", "load_scenario", "scenario_from_dict"]

_KEYED_LISTS = ("actors", "programmes")
_APPENDED_LISTS = ("ties", "tie_rules", "events")
_MERGED_TABLES = ("scenario", "factors", "parameters")
_TOP_LEVEL = ("extends", *_MERGED_TABLES, *_KEYED_LISTS, *_APPENDED_LISTS)


class ScenarioError(ValueError):
    """A scenario file (or override) is invalid.

    Attributes:
        path: The file at fault, or None for a scenario built in memory.
        problems: (key path, message) pairs, one per problem found.
    """

    def __init__(self, path: Path | str | None, problems: list[tuple[str, str]]) -> None:
        self.path = Path(path) if path is not None else None
        self.problems = problems
        where = str(self.path) if self.path is not None else "<scenario>"
        lines = [f"{where}: {key}: {message}" if key else f"{where}: {message}" for key, message in problems]
        super().__init__("\n".join(lines))


def read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """Read a TOML file: its text and its tables, or a `ScenarioError` naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(path, [("", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, [("", f"cannot read the file: {exc}")]) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, [("", f"not valid TOML: {exc}")]) from None


def _merge_keyed(parent: list[Any], child: list[Any], table: str, path: Path) -> list[Any]:
    """Merge lists of tables keyed by ``id``: a child entry updates the parent's entry field by field."""
    merged = [dict(item) if isinstance(item, dict) else item for item in parent]
    index = {item.get("id"): i for i, item in enumerate(merged) if isinstance(item, dict)}
    seen: dict[Any, int] = {}
    for position, item in enumerate(child):
        if not isinstance(item, dict) or "id" not in item:
            raise ScenarioError(path, [(f"{table}[{position}]", "each entry needs an 'id'")])
        if item["id"] in seen:
            message = f"duplicate id {item['id']!r} (also {table}[{seen[item['id']]}]); ids must be unique"
            raise ScenarioError(path, [(f"{table}[{position}].id", message)])
        seen[item["id"]] = position
        if item["id"] in index:
            merged[index[item["id"]]] = {**merged[index[item["id"]]], **item}
        else:
            index[item["id"]] = len(merged)
            merged.append(dict(item))
    return merged


def _merge(parent: dict[str, Any], child: dict[str, Any], path: Path) -> dict[str, Any]:
    """Merge a child file's tables over its parent's (see docs/scenarios.md, "extends")."""
    result = copy.deepcopy(parent)
    for key, value in child.items():
        if key == "extends":
            continue
        if key in _MERGED_TABLES and isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = {**result[key], **value}
        elif key in _KEYED_LISTS and isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = _merge_keyed(result[key], value, key, path)
        elif key in _APPENDED_LISTS and isinstance(value, list) and isinstance(result.get(key), list):
            result[key] = result[key] + value
        else:
            result[key] = copy.deepcopy(value)
    return result


def _load_raw(path: Path, chain: tuple[Path, ...], visited: list[Path] | None = None) -> dict[str, Any]:
    """Read `path` and, recursively, the files it extends (appending each file read to `visited`)."""
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        message = f"circular 'extends': {cycle}; a file may not extend itself, directly or through others"
        raise ScenarioError(path, [("extends", message)])
    raw = read_toml(path)[1]
    if visited is not None:
        visited.append(path)
    unknown = sorted(set(raw) - set(_TOP_LEVEL))
    if unknown:
        allowed = ", ".join(_TOP_LEVEL)
        raise ScenarioError(path, [(key, f"unknown key; allowed top-level keys: {allowed}") for key in unknown])
    parent_name = raw.get("extends")
    if parent_name is None:
        return raw
    if not isinstance(parent_name, str):
        raise ScenarioError(path, [("extends", 'must be a file name (a string), e.g. "darwin.toml"')])
    parent_path = path.parent / parent_name
    if not parent_path.exists():
        message = f"the file it extends does not exist: {parent_path} (give a path relative to this file's folder)"
        raise ScenarioError(path, [("extends", message)])
    parent = _load_raw(parent_path, (*chain, resolved), visited)
    return _merge(parent, raw, path)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the merged file, where it came from, and any factor overrides.

    Build one with `load_scenario`; change factors with `with_factors`, which returns a new
    scenario and leaves this one unchanged.
    """

    spec: ScenarioFile
    path: Path | None = None
    sha256: str = ""
    overrides: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The scenario's display name."""
        return self.spec.scenario.name

    @property
    def factors(self) -> dict[str, float]:
        """Every registered factor's value: registry default, then the file, then overrides."""
        values = {name: f.default for name, f in FACTORS.items()}
        values.update(self.spec.factor_values())
        values.update(self.overrides)
        return values

    @property
    def codings(self) -> dict[str, FactorCoding]:
        """The factors the file codes with a plausible range (``kinship = { value, range, ... }``)."""
        return self.spec.factor_codings()

    @property
    def parameters(self) -> Parameters:
        """The rule parameters, with the file's ``[parameters]`` applied."""
        values: dict[str, Any] = dict(self.spec.parameters)
        if "resource_weights" in values:
            values["resource_weights"] = tuple(float(w) for w in values["resource_weights"])
        return Parameters().updated(values)

    @property
    def horizon_months(self) -> int:
        """Number of monthly steps the scenario covers."""
        return self.spec.scenario.horizon_years * 12

    @property
    def start(self) -> tuple[int, int]:
        """The (year, month) of step 0."""
        return parse_month(self.spec.scenario.start)

    @property
    def window(self) -> tuple[int, int] | None:
        """The evaluation window as ``(first, stop)`` month indices (the file's ``window``), or None."""
        months = self.spec.scenario.window
        if months is None:
            return None
        return self.month_index(months[0]), self.month_index(months[1]) + 1

    def month_index(self, at: int | str) -> int:
        """Convert an event time (month index or ``"YYYY-MM"``) into a month index."""
        return month_index(at, self.start)

    def with_factors(self, **values: float) -> Scenario:
        """Return a copy with the given factors set, e.g. ``with_factors(legal_frame=0.9)``.

        An overridden factor holds for the whole run: timeline events that set the same factor
        are ignored, so the override is what the run tests.

        Raises:
            ScenarioError: If a name is not a registered factor or a value is out of range.
        """
        problems = []
        for name, value in values.items():
            if name not in FACTORS:
                problems.append((name, f"unknown factor; allowed: {', '.join(FACTORS)}"))
            elif isinstance(value, bool) or not isinstance(value, int | float):
                factor = FACTORS[name]
                problems.append(
                    (
                        name,
                        f"must be a number; got {value!r} ({type(value).__name__}); "
                        f"allowed: {factor.low} to {factor.high}",
                    )
                )
            elif not FACTORS[name].check(value):
                factor = FACTORS[name]
                problems.append((name, f"{value!r} is out of range; allowed: {factor.low} to {factor.high}"))
        if problems:
            raise ScenarioError(self.path, problems)
        merged = {**self.overrides, **{k: float(v) for k, v in values.items()}}
        return Scenario(self.spec, self.path, self.sha256, merged)

    def with_parameters(self, **values: float) -> Scenario:
        """Return a copy with rule parameters set on top of the file's ``[parameters]`` table.

        Raises:
            ScenarioError: If a name is not a parameter or a value is out of its range.
        """
        raw = self.spec.model_dump()
        raw["parameters"] = {**raw.get("parameters", {}), **values}
        changed = scenario_from_dict(raw, self.path)
        return Scenario(changed.spec, self.path, changed.sha256, dict(self.overrides))

    def through_window(self) -> Scenario:
        """Return a copy that ends with the budget year in which the evaluation window ends.

        The summary ``performance`` averages over the window only, so the shorter runs give the same
        ``performance`` for a fraction of the cost (an OFAT or a sweep that reads nothing else).
        Without a window, the scenario itself.
        """
        if self.window is None:
            return self
        return self.until(self.window[1] - 1)

    def until(self, last: int | str) -> Scenario:
        """Return a copy that ends with the budget year (from the start) that holds month `last`.

        Events after the new horizon are dropped; the runs' months up to `last` are the same as the
        full scenario's. A month at or past the horizon leaves the scenario as it is.
        """
        years = -(-(self.month_index(last) + 1) // 12)
        if years >= self.spec.scenario.horizon_years:
            return self
        raw = self.spec.model_dump()
        raw["scenario"]["horizon_years"] = years
        raw["events"] = [e for e in raw["events"] if self.month_index(e["at"]) < 12 * years]
        changed = scenario_from_dict(raw, self.path)
        return Scenario(changed.spec, self.path, changed.sha256, dict(self.overrides))

    def with_actor_status(self, actor_id: str, status: str) -> Scenario:
        """Return a copy in which actor `actor_id` starts with `status` (active/absent/prospective).

        Raises:
            ScenarioError: If there is no such actor or the status is not allowed.
        """
        raw = self.spec.model_dump()
        ids = [a["id"] for a in raw["actors"]]
        if actor_id not in ids:
            raise ScenarioError(self.path, [("actors", f"no actor {actor_id!r}; actors: {', '.join(ids)}")])
        raw["actors"][ids.index(actor_id)]["status"] = status
        changed = scenario_from_dict(raw, self.path)
        return Scenario(changed.spec, self.path, changed.sha256, dict(self.overrides))


def scenario_from_dict(raw: dict[str, Any], path: Path | str | None = None) -> Scenario:
    """Validate an already merged scenario mapping (as read from TOML) into a `Scenario`.

    Raises:
        ScenarioError: Listing every problem found, with key paths.
    """
    try:
        spec = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(path, validation_problems(exc, raw)) from None
    problems = cross_reference_problems(spec)
    if problems:
        raise ScenarioError(path, problems)
    canonical = json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()
    return Scenario(spec, Path(path) if path is not None else None, hashlib.sha256(canonical).hexdigest())


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file, following ``extends``.

    Args:
        path: A ``.toml`` scenario file.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: If the file cannot be read or is invalid; the message names the file,
            the key path and what is allowed.
    """
    path = Path(path)
    files: list[Path] = []
    raw = _load_raw(path, (), files)
    try:
        return scenario_from_dict(raw, path)
    except ScenarioError as exc:
        if len(files) < 2:
            raise
        # The merged result is validated; say so when a problem is already in the file extended.
        inherited = _problems_of(files[1])
        problems = [
            (key, f"{message} (inherited from {files[1]})" if (key, message) in inherited else message)
            for key, message in exc.problems
        ]
        raise ScenarioError(path, problems) from None


def _problems_of(path: Path) -> set[tuple[str, str]]:
    """The problems of a scenario file on its own (with what it extends), as (key path, message)."""
    try:
        scenario_from_dict(_load_raw(path, ()), path)
    except ScenarioError as exc:
        return set(exc.problems)
    return set()
