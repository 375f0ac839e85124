"""Generate the codebook's tables (docs/coding.md), the second coder's packet and the scenarios' factors.

The coding lives in three TOML files beside this script: ``anchors.toml`` (what each factor's scale
points mean), ``evidence.toml`` (the study's passages, verbatim, with translations) and
``codings.toml`` (per scenario and factor: value, range, distribution, evidence, group). This
script renders them into docs/coding.md and docs/coding/packet.md, and writes each coded factor's
line in the ``[factors]`` table of its scenario file (``scenarios/<scenario>.toml``), so the files
run with the codebook's values and carry its ranges; comments in the files are kept.
tests/test_codebook.py checks that everything rendered is up to date.

    python docs/coding/build.py            # rewrite docs/coding.md's generated part, packet.md, the factor lines
    python docs/coding/build.py --check    # exit 1 if any of them is out of date
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Codebook",
    "CodebookError",
    "factor_line",
    "load_codebook",
    "packet_markdown",
    "scenario_text",
    "tables_markdown",
]

HERE = Path(__file__).resolve().parent
CODING_MD = HERE.parent / "coding.md"
PACKET_MD = HERE / "packet.md"
SCENARIO_DIR = HERE.parents[1] / "scenarios"
BEGIN = "<!-- BEGIN GENERATED: python docs/coding/build.py -->"
END = "<!-- END GENERATED -->"
#: The two study scenarios the second coder codes.
PACKET_SCENARIOS = ("vlissingen", "darwin")
SCENARIO_TITLES = {
    "vlissingen": "Ambon-Vlissingen sister city (Table 1.1 row 4, 2006-)",
    "darwin": "Ambon-Darwin sister city (Table 1.1 row 3, 2012-)",
    "apik": "APIK climate adaptation, USAID (Table 1.1 row 1, 2016-2020)",
    "saiig": "SAIIG sanitation grant, AusAID (Table 1.1 row 2, 2015-2016)",
    "unido": "UNIDO creative industry and tourism (Table 1.1 row 5, 2019-)",
}


@dataclass(frozen=True)
class Codebook:
    """The three coding files, parsed.

    Attributes:
        anchors: factor -> scale point (as text, e.g. ``"0.3"``) -> meaning.
        evidence: evidence id -> ``{"where", "text", "english"}``.
        codings: scenario -> factor -> coding (value, range, distribution, ...).
        inherits: scenario -> the scenario whose coding it shares.
        inherits_notes: scenario -> why it shares it.
    """

    anchors: dict[str, dict[str, str]]
    evidence: dict[str, dict[str, str]]
    codings: dict[str, dict[str, dict[str, Any]]]
    inherits: dict[str, str]
    inherits_notes: dict[str, str]


def load_codebook(folder: Path = HERE) -> Codebook:
    """Read anchors.toml, evidence.toml and codings.toml from `folder`."""

    def read(name: str) -> dict[str, Any]:
        with (folder / name).open("rb") as handle:
            return tomllib.load(handle)

    codings = read("codings.toml")
    inherits = codings.pop("inherits", {})
    notes = codings.pop("inherits_notes", {})
    return Codebook(read("anchors.toml"), read("evidence.toml"), codings, inherits, notes)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _range(coding: dict[str, Any]) -> str:
    low, high = coding["range"]
    return f"[{low:g}, {high:g}]"


def _anchor_table(book: Codebook) -> list[str]:
    points = sorted({point for scale in book.anchors.values() for point in scale}, key=float)
    lines = ["| factor | " + " | ".join(points) + " |", "|---|" + "---|" * len(points)]
    for factor, scale in book.anchors.items():
        lines.append(f"| `{factor}` | " + " | ".join(_cell(scale.get(p, "")) for p in points) + " |")
    return lines


def _scenario_table(book: Codebook, scenario: str) -> list[str]:
    lines = [
        "| factor | value | file | range | distribution | support | group | evidence | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for factor, c in book.codings[scenario].items():
        value = f"**{c['value']:g}**" if c["value"] != c["file_value"] else f"{c['value']:g}"
        for step in c.get("later", []):
            value += f"; from {step['at']}: {step['value']:g} [{step['range'][0]:g}, {step['range'][1]:g}]"
        evidence = ", ".join(f"[{e}](#{e.lower()})" for e in c["evidence"]) or "none"
        lines.append(
            f"| `{factor}` | {value} | {c['file_value']:g} | {_range(c)} | {c['distribution']} | {c['support']} "
            f"| {c['group'] or '-'} | {evidence} | {_cell(c['note'])} |"
        )
    return lines


def _groups(book: Codebook) -> list[str]:
    members: dict[str, list[str]] = {}
    for scenario, factors in book.codings.items():
        for factor, c in factors.items():
            if c["group"]:
                members.setdefault(c["group"], []).append(f"{scenario}.{factor}")
    lines = ["| group (passage) | members (scenario.factor) |", "|---|---|"]
    for group, names in members.items():
        lines.append(f"| {group} | {', '.join(names)} |")
    return lines


def _support_summary(book: Codebook) -> list[str]:
    kinds = ("case", "inferred", "general", "silent")
    lines = ["| scenario | " + " | ".join(kinds) + " | coded differently from the file |", "|---|---|---|---|---|---|"]
    for scenario, factors in book.codings.items():
        counts = [sum(c["support"] == k for c in factors.values()) for k in kinds]
        differs = ", ".join(f"`{f}`" for f, c in factors.items() if c["value"] != c["file_value"]) or "none"
        lines.append(f"| {scenario} | " + " | ".join(map(str, counts)) + f" | {differs} |")
    return lines


def _evidence_table(book: Codebook) -> list[str]:
    lines = []
    for key, e in book.evidence.items():
        lines += [f"#### {key}", "", f"*{e['where']}*", "", f"> {e['text']}", ">", f"> *{e['english']}*", ""]
        if "context" in e:
            lines += [f"Context: {e['context']}", ""]
    return lines


def tables_markdown(book: Codebook) -> str:
    """The generated part of docs/coding.md: anchors, codings per scenario, groups, evidence."""
    out = [BEGIN, "", "## Anchors", "", *_anchor_table(book), "", "## Support at a glance", ""]
    out += [*_support_summary(book), "", "## Codings by scenario", ""]
    for scenario in book.codings:
        out += [f"### {scenario}: {SCENARIO_TITLES.get(scenario, scenario)}", "", *_scenario_table(book, scenario), ""]
    out += ["### Scenarios that share a coding", "", "| scenario | coded as | why |", "|---|---|---|"]
    out += [f"| {s} | {p} | {_cell(book.inherits_notes.get(s, ''))} |" for s, p in book.inherits.items()]
    out += ["", "## Co-moving groups", "", *_groups(book), "", "## Evidence", "", *_evidence_table(book), END]
    return "\n".join(out) + "\n"


_PACKET_INTRO = """# Coding packet for a second, independent coder

You are asked to code two international collaborations of Ambon City (Indonesia) on the 19 factors
below, from the study's own words alone. The study is a field study of 2022 (in Indonesian) of which
only chapter I (background, Table 1.1), chapter V (conclusions and recommendations) and the captions
of its photographs are available; every passage below is quoted verbatim from them, with an English
translation.

## How to code

For each collaboration and each factor, write on the worksheet at the end:

1. **value**: a number from 0 to 1, the degree to which the collaboration belongs to the set
   "collaborations with high <factor>", read against the factor's anchors. 0.5 is the crossover
   (as much in as out: the evidence is balanced, or says "some"); 0.9 is nearly full membership,
   0.1 nearly full non-membership; 0.3 and 0.7 are "more out than in" and "more in than out".
   Values between anchors are fine. Code each collaboration as the study describes it (up to
   2022). If you think a factor was different when the collaboration began, or changed over the
   years, give that too: when, to what, and why.
2. **range**: the lowest and highest values you find plausible given the evidence.
3. **shape**: *peaked* (you prefer your value within the range) or *flat* (any value in the range
   is as good).
4. **basis**: the passage ids you rely on, and one line of reasoning. If no passage speaks to the
   factor, write "silent" and give the range you would accept without evidence.

Work alone and from this packet only: do not consult the project's scenario files, documentation or
other codings. Passages are listed under the factors they may bear on (an assignment made when the
passages were selected; it carries no value); any passage may bear on other
factors too (all passages are listed once more at the end), and a passage listed under a factor may
turn out to say nothing about it. Where the study gives nothing on a factor for a collaboration, the
packet says so.

The two collaborations are both "sister city" partnerships of Ambon City, one with the Dutch city of
Vlissingen (since 2006), one with the Australian city of Darwin (since 2012).
"""


def _factor_meanings() -> dict[str, str]:
    """The registry's one-line meaning of each factor."""
    sys.path.insert(0, str(HERE.parents[1]))  # run as a script from anywhere: import this checkout's colabsim
    from colabsim.scenario.factors import FACTORS

    return {name: factor.meaning for name, factor in FACTORS.items()}


def _quote(book: Codebook, key: str) -> list[str]:
    e = book.evidence[key]
    lines = [f"- **{key}** ({e['where']})", "", f"  > {e['text']}", "  >", f"  > *{e['english']}*", ""]
    if "context" in e:
        lines += [f"  Context: {e['context']}", ""]
    return lines


def packet_markdown(book: Codebook) -> str:
    """The second coder's packet: anchors and, per factor, the passages for Vlissingen and Darwin; no values."""
    meanings = _factor_meanings()
    out = [_PACKET_INTRO, "## The factors and their anchors", ""]
    for factor, scale in book.anchors.items():
        out += [f"### `{factor}`", "", meanings.get(factor, ""), ""]
        out += [f"- **{point}**: {text}" for point, text in scale.items()] + [""]
    out += ["## The evidence, by factor", ""]
    for factor in book.anchors:
        out += [f"### `{factor}`", ""]
        for scenario in PACKET_SCENARIOS:
            city = scenario.capitalize()
            out += [f"**{city}**", ""]
            keys = book.codings[scenario][factor]["evidence"]
            if not keys:
                out += [f"The study says nothing on this factor for {city}.", ""]
            for key in keys:
                out += _quote(book, key)
    cited = {k for s in PACKET_SCENARIOS for c in book.codings[s].values() for k in c["evidence"]}
    out += ["## All passages cited above, once each", ""]
    for key in book.evidence:
        if key in cited:
            out += _quote(book, key)
    out += [
        "## Worksheet",
        "",
        "| collaboration | factor | value | range | shape | basis |",
        "|---|---|---|---|---|---|",
    ]
    out += [f"| {s} | `{f}` | | | | |" for s in PACKET_SCENARIOS for f in book.anchors]
    return "\n".join(out).rstrip() + "\n"


class CodebookError(ValueError):
    """A scenario file cannot take its coding (no ``[factors]`` table, a factor's line missing or unreadable)."""


def _number(value: float) -> str:
    return repr(float(value))  # always a TOML float: 0.0, not 0


def factor_line(factor: str, coding: dict[str, Any]) -> str:
    """A coded factor as the scenario file writes it (colabsim's ``FactorCoding``).

    The group is the passage id in lower case (scenario identifiers are); the evidence names the
    support and the passages (docs/coding.md, "Evidence"), e.g. ``"case: V_c3_roots, V_c2_agency"``.
    """
    low, high = coding["range"]
    group = f', group = "{coding["group"].lower()}"' if coding["group"] else ""
    evidence = f"{coding['support']}: {', '.join(coding['evidence']) or 'no passage'}"
    return (
        f"{factor} = {{ value = {_number(coding['value'])}, range = [{_number(low)}, {_number(high)}], "
        f'distribution = "{coding["distribution"]}"{group}, evidence = "{evidence}" }}'
    )


_SECTION = re.compile(r"^\s*\[")
_ASSIGNMENT = re.compile(r"^(?P<name>[a-z_]+)\s*=\s*(?P<value>\{[^#]*\}|[-+0-9.eE]+)\s*(?P<comment>#.*)?$")


def scenario_text(book: Codebook, scenario: str, text: str, where: str = "") -> str:
    """`text` (a scenario file) with each factor line of its ``[factors]`` table written from the coding.

    Comments, on their own lines or after a factor's line, are kept.

    Raises:
        CodebookError: If the file has no ``[factors]`` table, a factor's line cannot be read or a
            coded factor has no line.
    """
    where = where or f"scenarios/{scenario}.toml"
    codings = book.codings[scenario]
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "[factors]")
    except StopIteration:
        raise CodebookError(f"{where}: no [factors] table to write the coding into") from None
    written: set[str] = set()
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if _SECTION.match(line):
            break
        name = line.split("=", 1)[0].strip()
        if line.lstrip().startswith("#") or not line.strip() or name not in codings:
            continue
        match = _ASSIGNMENT.match(line.rstrip("\n"))
        if match is None:
            raise CodebookError(f"{where} line {i + 1}: cannot read the line of factor {name!r}: {line.strip()}")
        comment = f"  {match['comment']}" if match["comment"] else ""
        lines[i] = factor_line(name, codings[name]) + comment + "\n"
        written.add(name)
    missing = [name for name in codings if name not in written]
    if missing:
        raise CodebookError(f"{where}: [factors] has no line for {', '.join(missing)}; add 'name = 0.5' lines")
    return "".join(lines)


def _coding_md(book: Codebook) -> str:
    text = CODING_MD.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + tables_markdown(book) + tail.lstrip("\n")


def main(argv: list[str]) -> int:
    """Rewrite (or with ``--check`` verify) docs/coding.md, docs/coding/packet.md and the scenarios' factor lines."""
    book = load_codebook()
    wanted = {CODING_MD: _coding_md(book), PACKET_MD: packet_markdown(book)}
    try:
        for scenario in book.codings:
            path = SCENARIO_DIR / f"{scenario}.toml"
            wanted[path] = scenario_text(book, scenario, path.read_text(encoding="utf-8"))
    except CodebookError as exc:
        print(exc, file=sys.stderr)
        return 2
    stale = [path for path, text in wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if "--check" in argv:
        for path in stale:
            print(f"{path.name} is out of date: run python docs/coding/build.py", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
