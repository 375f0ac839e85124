"""What is wrong with a scenario: schema errors and cross-references as (key path, message) pairs.

`colabsim.scenario.loader` turns these into a `ScenarioError` that names the file; each message says
what is allowed, so no Python traceback reaches a user for bad input.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from colabsim.scenario.parameters import PARAMETER_BOUNDS, REMOVED_PARAMETERS, Parameters
from colabsim.scenario.schema import FactorCoding, ScenarioFile, parse_month

__all__ = ["cross_reference_problems", "month_index", "validation_problems"]


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


def validation_problems(
    exc: ValidationError, raw: dict[str, Any], root: type[BaseModel] = ScenarioFile
) -> list[tuple[str, str]]:
    """The (key path, message) pairs of pydantic's `exc` for the mapping `raw`, each saying what is allowed."""
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


def month_index(at: int | str, start: tuple[int, int]) -> int:
    """The month index of an event time (an index already, or ``YYYY-MM``) in a run starting at `start`."""
    if isinstance(at, int):
        return at
    year, month = parse_month(at)
    return (year - start[0]) * 12 + (month - start[1])


def cross_reference_problems(spec: ScenarioFile) -> list[tuple[str, str]]:
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
    for k, month_text in enumerate(spec.scenario.window or ()):
        month = month_index(month_text, start)
        if not 0 <= month < horizon:
            problems.append(
                (
                    f"scenario.window[{k}]",
                    f"{month_text!r} is month {month}, outside the horizon: allowed months 0 to {horizon - 1}"
                    f" ({spec.scenario.start} plus {spec.scenario.horizon_years} years); set window to two"
                    " months inside it (a scenario that extends another inherits its window)",
                )
            )
    for i, event in enumerate(spec.events):
        month = month_index(event.at, start)
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
