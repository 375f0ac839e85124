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
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from colabsim.scenario.factors import FACTORS
from colabsim.scenario.parameters import PARAMETER_BOUNDS, REMOVED_PARAMETERS, Parameters
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


def _format_location(loc: tuple[int | str, ...], raw: dict[str, Any]) -> str:
    """Turn a pydantic location into a key path such as ``actors[2] (ssva).commitment``."""
    parts: list[str] = []
    node: Any = raw
    present = True
    for item in loc:
        if isinstance(item, str) and present and not isinstance(node, dict):
            continue  # a union member's tag such as "int" or "str": the value itself is at fault
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and item < len(node) and isinstance(node[item], dict) and "id" in node[item]:
                label += f" ({node[item]['id']})"
            parts.append(label)
        elif isinstance(item, str) and item.startswith(("function-", "literal[", "tuple[", "list[", "dict[")):
            continue
        else:
            parts.append(("." if parts else "") + str(item))
        present = isinstance(node, (dict, list)) and _has(node, item)
        node = node[item] if present else None
    return "".join(parts)


def _has(node: dict[str, Any] | list[Any], item: int | str) -> bool:
    if isinstance(node, dict):
        return item in node
    return isinstance(item, int) and 0 <= item < len(node)


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``list[ActorSpec]`` or ``Endowment | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _nested_model(argument)
        if found is not None:
            return found
    return None


def _allowed_keys(loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    """List the keys allowed where an unknown key was found, by walking the schema along `loc`."""
    model: type[BaseModel] | None = root
    for item in loc[:-1]:
        if isinstance(item, str) and (item == "FactorCoding" or item.endswith(", FactorCoding]")):
            model = FactorCoding  # pydantic names the union member a factor's table was checked against
            continue
        if model is None or isinstance(item, int):
            continue
        field_info = model.model_fields.get(str(item))
        model = _nested_model(field_info.annotation) if field_info is not None else None
    if model is None:
        return ""
    return "; allowed keys: " + ", ".join(model.model_fields)


#: What a value of the wrong type should have been, by pydantic error type.
_EXPECTED_TYPE = {
    "float_type": "a number",
    "int_type": "a whole number",
    "string_type": "a string (text in quotes)",
    "bool_type": "true or false",
    "list_type": "a list in [ ]",
    "dict_type": "a table",
    "model_type": "a table",
}


def _validation_problems(
    exc: ValidationError, raw: dict[str, Any], root: type[BaseModel] = ScenarioFile
) -> list[tuple[str, str]]:
    by_key: dict[str, list[str]] = {}
    wrong_type: dict[str, tuple[list[str], Any]] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        key = (error.get("ctx") or {}).get("key")
        if error["type"] == "factor_table" and isinstance(key, str):
            loc = (*loc, key)
        got = error.get("input")
        if error["type"] == "float_type" and isinstance(got, dict) and loc[-1:] == ("float",):
            continue  # a factor written as a table is a coding: its own errors say what is wrong
        where = _format_location(loc, raw)
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] in _EXPECTED_TYPE:
            # A union reports one error per member: merge them into one "must be A or B".
            wrong_type.setdefault(where, ([], got))[0].append(_EXPECTED_TYPE[error["type"]])
            by_key.setdefault(where, [])
            continue
        if error["type"] == "extra_forbidden":
            message = "unknown key" + _allowed_keys(loc, root)
        elif error["type"] == "literal_error":
            message = message.replace("Input should be", "must be one of:") + f"; got {got!r}"
        elif error["type"] == "missing":
            message = "required key is missing"
        elif error["type"] == "string_pattern_mismatch":
            message = (
                "must be an identifier: lower-case letters, digits and '_', starting with a letter"
                f" (e.g. 'coop_unit'); got {got!r}"
            )
        elif message.startswith("Input should be") and not isinstance(got, (dict, list)):
            message = message.replace("Input should be", "must be", 1) + f"; got {got!r}"
        by_key.setdefault(where, []).append(message)
    problems: list[tuple[str, str]] = []
    for where, messages in by_key.items():
        if where in wrong_type:
            words, got = wrong_type[where]
            shown = f"{got!r} ({type(got).__name__})" if not isinstance(got, (dict, list)) else type(got).__name__
            allowed = [w for w in dict.fromkeys(words) if not (w == "a whole number" and "a number" in words)]
            messages = [f"must be {' or '.join(allowed)}; got {shown}", *messages]
        problems.extend((where, message) for message in messages)
    return problems


def _month_index(at: int | str, start: tuple[int, int]) -> int:
    if isinstance(at, int):
        return at
    year, month = parse_month(at)
    return (year - start[0]) * 12 + (month - start[1])


def _cross_reference_problems(spec: ScenarioFile) -> list[tuple[str, str]]:
    """Check references between tables: ids exist, are unique, events fall inside the horizon."""
    problems: list[tuple[str, str]] = []
    actor_ids = [a.id for a in spec.actors]
    programme_ids = [p.id for p in spec.programmes]
    for table, ids in (("actors", actor_ids), ("programmes", programme_ids)):
        seen: dict[str, int] = {}
        for i, item_id in enumerate(ids):
            if item_id in seen:
                message = f"duplicate id {item_id!r} (also {table}[{seen[item_id]}]); ids must be unique"
                problems.append((f"{table}[{i}].id", message))
            seen.setdefault(item_id, i)
    known = set(actor_ids)
    allowed = ", ".join(actor_ids)
    for i, tie in enumerate(spec.ties):
        for end in ("source", "target"):
            if getattr(tie, end) not in known:
                problems.append((f"ties[{i}].{end}", f"no actor {getattr(tie, end)!r}; actors: {allowed}"))
    for i, prog in enumerate(spec.programmes):
        for group in ("participants", "optional"):
            listed: set[str] = set()
            for j, member in enumerate(getattr(prog, group)):
                if member not in known:
                    problems.append(
                        (f"programmes[{i}] ({prog.id}).{group}[{j}]", f"no actor {member!r}; actors: {allowed}")
                    )
                elif member in listed:
                    where = f"programmes[{i}] ({prog.id}).{group}[{j}]"
                    problems.append((where, f"{member!r} is listed twice; list each actor once"))
                listed.add(member)
    start = parse_month(spec.scenario.start)
    horizon = spec.scenario.horizon_years * 12
    for i, event in enumerate(spec.events):
        month = _month_index(event.at, start)
        if not 0 <= month < horizon:
            problems.append(
                (
                    f"events[{i}].at",
                    f"{event.at!r} is month {month}, outside the horizon: allowed months 0 to {horizon - 1}"
                    f" ({spec.scenario.start} plus {spec.scenario.horizon_years} years)",
                )
            )
        if event.actor is not None and event.actor not in known:
            problems.append((f"events[{i}].actor", f"no actor {event.actor!r}; actors: {allowed}"))
        if event.programme is not None and event.programme not in set(programme_ids):
            problems.append(
                (f"events[{i}].programme", f"no programme {event.programme!r}; programmes: {', '.join(programme_ids)}")
            )
    for key, value in spec.parameters.items():
        if key in REMOVED_PARAMETERS:
            problems.append((f"parameters.{key}", f"removed in model v2: {REMOVED_PARAMETERS[key]}"))
        elif key not in Parameters.names():
            problems.append((f"parameters.{key}", f"unknown parameter; allowed: {', '.join(Parameters.names())}"))
        else:
            problem = _parameter_problem(key, value)
            if problem:
                problems.append((f"parameters.{key}", problem))
    return problems


def _parameter_problem(key: str, value: float | int | list[float]) -> str:
    """What is wrong with a ``[parameters]`` value, or "" (types, signs and the CES's own limits)."""
    default = getattr(Parameters(), key)
    if key == "resource_weights":
        if not isinstance(value, list) or len(value) != 4:
            return f"must be a list of four weights (funds, materials, people, time); got {value!r}"
        if any(w < 0 for w in value) or sum(value) <= 0:
            return f"weights must be 0 or more and not all 0; got {value!r}"
        return ""
    if isinstance(value, list):
        return f"must be a single number (default {default!r}); got a list {value!r}"
    if isinstance(default, int) and not isinstance(value, int):
        return f"must be a whole number (default {default!r}); got {value!r}"
    if key == "ces_rho" and value == 0:
        return "must not be 0 (the Cobb-Douglas limit is not supported); use a negative number"
    low, high = PARAMETER_BOUNDS[key]
    if not low <= value <= high:
        return f"{value!r} is out of range; allowed: {low:g} to {high:g} (default {default!r})"
    return ""


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

    def month_index(self, at: int | str) -> int:
        """Convert an event time (month index or ``"YYYY-MM"``) into a month index."""
        return _month_index(at, self.start)

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
        raise ScenarioError(path, _validation_problems(exc, raw)) from None
    problems = _cross_reference_problems(spec)
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
