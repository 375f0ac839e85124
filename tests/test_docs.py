"""Keep docs/ODD.md true to the code.

The ODD is written by hand, except for the factor table, which is generated from the registry.
These tests fail when the code changes and the ODD does not. They check:

- the generated factor table matches the registry;
- the parameter table has every `Parameters` field, with its default;
- every rule function is named, by its dotted name;
- the metric tables have every metric name.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import inspect
import io
import math
import re
from fractions import Fraction
from pathlib import Path

import pytest

from colabsim.model import rules
from colabsim.model.metrics import SUMMARY_METRICS, TIMESERIES_METRICS
from colabsim.scenario.factors import FACTORS, markdown_table
from colabsim.scenario.parameters import Parameters

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
BEGIN = "<!-- BEGIN GENERATED from colabsim.scenario.factors.FACTORS -->"
END = "<!-- END GENERATED -->"
FACTOR_HEADER = (
    "| # | identifier | dimension | category | default | bounds | meaning | drives |",
    "|---|---|---|---|---|---|---|---|",
)


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


def factor_table() -> str:
    """The factor table as the registry generates it now (header and rows, one per line)."""
    table = markdown_table()
    assert table.splitlines()[:2] == list(FACTOR_HEADER)
    assert len(table.splitlines()) == len(FACTORS) + 2
    return table


def section(text: str, heading: str) -> str:
    """The body of the section that starts with `heading`, up to the next heading of any level."""
    start = text.index(heading + "\n") + len(heading) + 1
    following = re.search(r"^#{1,6} ", text[start:], flags=re.MULTILINE)
    return text[start : start + following.start()] if following else text[start:]


def table_after(text: str, header: str) -> list[list[str]]:
    """The body rows, split into cells, of the Markdown table whose header line is `header`."""
    lines = text.splitlines()
    start = lines.index(header) + 2  # skip the header and the |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def code_names(cell: str) -> list[str]:
    """The backticked names in a table cell, e.g. ``pooled_funds`` from "`pooled_funds`, ..."."""
    return re.findall(r"`([^`]+)`", cell)


# (a) The generated factor table.


def test_generated_factor_table_matches_registry(odd):
    assert odd.count(BEGIN) == 1, f"docs/ODD.md needs exactly one {BEGIN!r} marker"
    assert odd.count(END) == 1, f"docs/ODD.md needs exactly one {END!r} marker"
    start = odd.index(BEGIN) + len(BEGIN)
    block = odd[start : odd.index(END, start)].strip("\n") + "\n"
    assert block == factor_table(), (
        "the factor table in docs/ODD.md is stale; replace the lines between the markers with:\n" + factor_table()
    )


def test_generator_shown_in_odd_prints_the_same_rows(odd):
    body = section(odd, "### 2.5 The determinant factors")
    snippets = re.findall(r"```python\n(.*?)```", body, flags=re.DOTALL)
    assert len(snippets) == 1, "section 2.5 should show exactly one Python generator"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(snippets[0], {})  # the ODD's own snippet; it only reads the registry
    assert printed.getvalue() == factor_table(), "the generator shown in docs/ODD.md section 2.5 prints another table"


# (b) The parameter table.


def _parameter_rows(odd: str) -> dict[str, str]:
    """Parameter name -> default cell, from the rows "| `name` | default | ..." of section 7.0."""
    body = section(odd, "### 7.0 Parameters")
    rows: dict[str, str] = {}
    for line in body.splitlines():
        match = re.match(r"\| `(\w+)` \| ([^|]+) \|", line)
        if match:
            name, default = match.group(1), match.group(2).strip()
            assert name not in rows, f"parameter {name!r} has two rows in the ODD table"
            rows[name] = default
    return rows


def _parse_default(cell: str) -> object:
    """Read a default as the ODD writes it: ``0.6``, ``24``, ``1/24 (0.0417)`` or ``(0.35, ...)``."""
    fraction = re.fullmatch(r"(-?\d+)/(\d+)(?: \((-?[\d.]+)\))?", cell)
    if fraction:
        value = float(Fraction(int(fraction.group(1)), int(fraction.group(2))))
        shown = fraction.group(3)
        if shown is not None:
            decimals = len(shown.split(".")[1]) if "." in shown else 0
            assert abs(float(shown) - value) <= 0.5 * 10**-decimals + 1e-15, f"{cell!r}: {shown} is not {value}"
        return value
    return ast.literal_eval(cell)


def _same(documented: object, actual: object) -> bool:
    if isinstance(actual, tuple):
        return (
            isinstance(documented, tuple)
            and len(documented) == len(actual)
            and all(_same(d, a) for d, a in zip(documented, actual, strict=True))
        )
    return isinstance(documented, int | float) and math.isclose(documented, actual, rel_tol=1e-12, abs_tol=1e-15)


def test_parameter_table_lists_every_field_with_its_default(odd):
    rows = _parameter_rows(odd)
    problems = []
    for field in dataclasses.fields(Parameters):
        if field.name not in rows:
            problems.append(f"{field.name}: missing (default {field.default!r})")
            continue
        documented = _parse_default(rows[field.name])
        if not _same(documented, field.default):
            problems.append(f"{field.name}: ODD says {rows[field.name]!r}, code has {field.default!r}")
    assert not problems, "docs/ODD.md section 7.0 is out of date:\n" + "\n".join(problems)


def test_parameter_table_has_no_stale_rows(odd):
    stale = set(_parameter_rows(odd)) - set(Parameters.names())
    assert not stale, f"docs/ODD.md section 7.0 lists parameters that do not exist: {sorted(stale)}"


# (c) The rule functions.


def test_every_rule_function_is_named_by_its_dotted_name(odd):
    functions = {name: obj for name in rules.__all__ if inspect.isfunction(obj := getattr(rules, name))}
    assert functions, "colabsim.model.rules.__all__ exports no functions?"
    missing = [f"{obj.__module__}.{name}" for name, obj in functions.items() if f"`{obj.__module__}.{name}`" not in odd]
    assert not missing, f"docs/ODD.md does not name these rule functions: {missing}"


# (d) The metrics.


def test_timeseries_metrics_are_defined(odd):
    body = section(odd, "### 4.12 Observation")
    documented = {name for row in table_after(body, "| metric | definition |") for name in code_names(row[0])}
    missing = [m for m in TIMESERIES_METRICS if m not in documented]
    assert not missing, f"the metric table of docs/ODD.md section 4.12 lacks: {missing}"
    stale = {m for m in documented - set(TIMESERIES_METRICS) if "<" not in m}  # `performance_<sector>` is a pattern
    assert not stale, f"the metric table lists metrics that are not recorded: {sorted(stale)}"


def test_summary_metrics_are_defined(odd):
    body = section(odd, "### 4.12 Observation")
    documented = {name for row in table_after(body, "| summary metric | definition |") for name in code_names(row[0])}
    missing = [m for m in SUMMARY_METRICS if m not in documented]
    assert not missing, f"the summary table of docs/ODD.md section 4.12 lacks: {missing}"
    stale = documented - set(SUMMARY_METRICS)
    assert not stale, f"the summary table lists metrics that are not computed: {sorted(stale)}"
