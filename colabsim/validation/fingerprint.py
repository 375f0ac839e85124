"""Fingerprints of what the validation report depends on, so a stale report can be told apart.

The report (docs/validation.md) embeds `report_fingerprint`: one SHA-256 per part it depends on
(the model's and the scenario layer's source, the validation's own source with its bands and
submodels, the tuned submodel parameters, the study's scenario files, the Parameters defaults and
colabsim's version). tests/test_validation_report.py recomputes it and names the parts that
changed. `rules_fingerprint` (the rules' source and the defaults) is what a tuned submodel
records, to tell when it was tuned on other rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from pathlib import Path

from colabsim._version import __version__
from colabsim.scenario.parameters import Parameters

__all__ = ["MARKER", "compare_fingerprints", "read_fingerprint", "render_fingerprint", "report_fingerprint",
           "rules_fingerprint"]  # fmt: skip

_PACKAGE = Path(__file__).resolve().parents[1]
#: How the report embeds its fingerprint (an HTML comment, invisible when rendered).
MARKER = "colabsim-validation-fingerprint"


def _digest(files: Iterable[Path], root: Path | None = None) -> str:
    """SHA-256 of the files' names (relative to `root`, or bare) and contents."""
    sha = hashlib.sha256()
    for path in sorted(files):
        sha.update((path.relative_to(root).as_posix() if root is not None else path.name).encode())
        sha.update(b"\0")
        sha.update(path.read_bytes())
        sha.update(b"\0")
    return sha.hexdigest()


def _defaults() -> str:
    return hashlib.sha256(json.dumps(asdict(Parameters()), sort_keys=True).encode()).hexdigest()


def rules_fingerprint() -> str:
    """SHA-256 of the rules' source (colabsim/model/rules) and the Parameters defaults."""
    rules = _PACKAGE / "model" / "rules"
    return hashlib.sha256((_digest(rules.rglob("*.py"), _PACKAGE) + _defaults()).encode()).hexdigest()


def report_fingerprint(scenario_files: Iterable[Path]) -> dict[str, str]:
    """One SHA-256 per part the validation report depends on.

    Args:
        scenario_files: The study's scenario files the report ran.
    """
    files = [Path(p) for p in scenario_files]
    return {
        "model source": _digest((_PACKAGE / "model").rglob("*.py"), _PACKAGE),
        "scenario layer source": _digest([*(_PACKAGE / "scenario").rglob("*.py"), _PACKAGE / "stats.py"], _PACKAGE),
        "validation source (bands, submodels, knock-outs, analyses)": _digest(
            (_PACKAGE / "validation").rglob("*.py"), _PACKAGE
        ),
        "tuned submodel parameters": _digest((_PACKAGE / "validation").glob("*.toml"), _PACKAGE),
        "scenario files": _digest(files),
        "Parameters defaults": _defaults(),
        "colabsim version": __version__,
    }


def render_fingerprint(fingerprint: Mapping[str, str]) -> str:
    """The fingerprint as the HTML comment the report embeds."""
    return f"<!-- {MARKER} {json.dumps(dict(fingerprint), sort_keys=True)} -->"


def read_fingerprint(text: str) -> dict[str, str] | None:
    """The fingerprint embedded in a report's text, or None if it has none."""
    found = re.search(rf"<!-- {MARKER} (\{{.*?\}}) -->", text)
    return None if found is None else dict(json.loads(found.group(1)))


def compare_fingerprints(recorded: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """The parts whose fingerprint differs (or is missing on either side)."""
    return sorted(k for k in set(recorded) | set(current) if recorded.get(k) != current.get(k))
