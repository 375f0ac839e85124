"""The null model and the alternative submodels, each a set of fixed parameter values and a reason.

Strong inference (Platt 1964; Grimm et al. 2005): a pattern supports the model's mechanisms only
if models without them fail it. Each submodel here switches mechanisms off through parameters and
is tuned with the same effort as Model v2 (`colabsim.validation.tuning`: the same ranges minus
what it fixes, the same budget and seeds). The tuned sets live in ``tuned.toml`` beside this
module, with the budget, loss, date and the rules they were tuned on; ``tools/tune_model.py
--submodel NAME --store`` re-tunes one. The validation report and tests/test_submodels.py check
that each tuned submodel fails at least one pattern that v2 passes, other than the patterns its
change removes by construction.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from colabsim.scenario.parameters import PARAMETER_BOUNDS
from colabsim.validation.tuning import Budget

__all__ = [
    "SUBMODELS",
    "TUNED_FILE",
    "V2",
    "Submodel",
    "TunedSetError",
    "Tuning",
    "load_tuned",
    "store_tuned",
    "submodel",
    "submodel_parameters",
    "submodels_markdown",
]

#: Where the tuned parameter sets are kept (package data).
TUNED_FILE = Path(str(resources.files("colabsim.validation").joinpath("tuned.toml")))


@dataclass(frozen=True)
class Submodel:
    """A model variant: parameters fixed to switch mechanisms off, and why.

    Attributes:
        name: Identifier (used on the command line and in ``tuned.toml``).
        title: A few words for tables.
        fixed: Parameter values the variant holds (never searched).
        reason: What the variant stands for and why it is a fair rival.
        removes: Patterns its change removes by construction (failing those proves nothing).
    """

    name: str
    title: str
    fixed: Mapping[str, float]
    reason: str
    removes: tuple[str, ...]


#: Model v2 itself: the tuned defaults, nothing fixed.
V2 = Submodel("v2", "Model v2", {}, "the model with every mechanism, at its tuned defaults", ())

SUBMODELS: tuple[Submodel, ...] = (
    Submodel(
        name="null",
        title="null model (relational mechanisms off)",
        fixed={
            "formal_rate": 0.0,
            "informal_rate": 0.0,
            "brokered_rate": 0.0,
            "contact_trust_gain": 0.0,
            "learning_base": 0.0,
            "learning_norms_weight": 0.0,
            "mediator_buffer": 0.0,
            "mediator_facilitation": 0.0,
        },
        reason="no contacts (formal, informal or brokered), no trust learning, no mediator buffer or facilitation: "
        "performance "
        "from resources, mandates and capacities alone, the reading the issue found passing P1 and P2 in v1",
        removes=("P2",),
    ),
    Submodel(
        name="trust_without_learning",
        title="trust without learning",
        fixed={"contact_trust_gain": 0.0, "learning_base": 0.0, "learning_norms_weight": 0.0},
        reason="trust is set by the factors (its floor from kinship and history) and learns nothing from contact "
        "or observed reciprocity: the collaboration cycle's feedback from small wins to trust is cut",
        removes=(),
    ),
    Submodel(
        name="mediation_as_resource",
        title="mediation as a resource only",
        fixed={"brokered_rate": 0.0, "mediator_buffer": 0.0, "mediator_facilitation": 0.0},
        reason="the foundation brings its resources but neither brokers contacts across the structural hole, nor "
        "lets partners give through it, nor facilitates: the reading in which SSVA matters for its money",
        removes=("P2",),
    ),
    Submodel(
        name="commitment_as_mandate",
        title="commitment as a mandate",
        fixed={"commitment_gain": 0.0, "commitment_loss": 0.0, "leadership_upkeep": 0.0, "affect_weight": 0.0},
        reason="each actor's commitment is the mandate its organisation gives it (the commitment factor) and "
        "nothing in the process moves it: no small wins or frustration, no pull of facilitation, no close ties "
        "across the partnership; the reading in which commitment is an input, not built (against Ansell & Gash "
        "2008's cycle)",
        removes=(),
    ),
)


def submodel(name: str) -> Submodel:
    """The submodel called `name` (``v2`` for Model v2 itself).

    Raises:
        KeyError: If there is no such submodel, naming those there are.
    """
    for candidate in (V2, *SUBMODELS):
        if candidate.name == name:
            return candidate
    raise KeyError(f"no submodel {name!r}; the submodels are {', '.join(s.name for s in (V2, *SUBMODELS))}")


@dataclass(frozen=True)
class Tuning:
    """A submodel's tuned parameter set and how it was found.

    Attributes:
        parameters: The tuned values of the free parameters.
        loss: The search's least loss.
        budget: The search's effort.
        date: When it was tuned (ISO date).
        rules_commit: The git commit of the rules it was tuned on.
        rules_fingerprint: The fingerprint of those rules and defaults
            (`colabsim.validation.fingerprint.rules_fingerprint`), to tell when to re-tune.
    """

    parameters: dict[str, float]
    loss: float
    budget: Budget
    date: str
    rules_commit: str
    rules_fingerprint: str


def load_tuned(path: Path = TUNED_FILE) -> dict[str, Tuning]:
    """The tuned sets by submodel name (empty if the file does not exist).

    Raises:
        ValueError: If the file is not valid TOML or an entry lacks a key, naming the file and key.
    """
    if not path.is_file():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    tuned = {}
    for name, entry in raw.items():
        try:
            tuned[name] = Tuning(
                parameters={k: float(v) for k, v in entry["parameters"].items()},
                loss=float(entry["loss"]),
                budget=Budget(**entry["budget"]),
                date=str(entry["date"]),
                rules_commit=str(entry["rules_commit"]),
                rules_fingerprint=str(entry["rules_fingerprint"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: [{name}] lacks or misspells a key ({exc})") from None
    return tuned


def _toml_value(value: Any) -> str:
    # Strings as JSON strings (valid TOML basic strings); floats by repr (valid TOML floats).
    return json.dumps(value) if isinstance(value, str) else repr(value)


def store_tuned(name: str, tuning: Tuning, path: Path = TUNED_FILE) -> None:
    """Write `tuning` as submodel `name`'s entry, keeping the other entries.

    Raises:
        KeyError: If `name` is not a submodel.
    """
    submodel(name)
    entries = load_tuned(path) | {name: tuning}
    lines = [
        "# Tuned parameter sets of the null and alternative models (issue 14, item 9): the same search as",
        "# Model v2's over each one's free parameters. Written by tools/tune_model.py --submodel NAME --store;",
        "# do not edit by hand.",
    ]
    for key in sorted(entries):
        entry = entries[key]
        lines += ["", f"[{key}]"]
        fields = {"loss": entry.loss, "date": entry.date, "rules_commit": entry.rules_commit}
        fields["rules_fingerprint"] = entry.rules_fingerprint
        lines += [f"{k} = {_toml_value(v)}" for k, v in fields.items()]
        lines += ["", f"[{key}.budget]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in vars(entry.budget).items()]
        lines += ["", f"[{key}.parameters]"]
        lines += [f"{k} = {_toml_value(float(v))}" for k, v in sorted(entry.parameters.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class TunedSetError(ValueError):
    """A stored tuned set does not fit the current parameters (it was tuned on other rules)."""


def submodel_parameters(model: Submodel, tuned: Mapping[str, Tuning]) -> dict[str, float]:
    """The parameters a submodel runs with: its tuned free values (if tuned) and its fixed values.

    Raises:
        TunedSetError: If the tuned set names a parameter the rules no longer have, or a value
            outside its range, naming ``tuned.toml`` and how to re-tune.
    """
    found = tuned.get(model.name)
    free = dict(found.parameters) if found is not None and model is not V2 else {}
    values = {**free, **model.fixed}
    wrong = [
        k
        for k, v in values.items()
        if k not in PARAMETER_BOUNDS or not PARAMETER_BOUNDS[k][0] <= v <= PARAMETER_BOUNDS[k][1]
    ]
    if wrong:
        retune = f"python tools/tune_model.py runs/tuning/{model.name}.jsonl --submodel {model.name} --store"
        raise TunedSetError(
            f"{TUNED_FILE}: [{model.name}] sets {', '.join(wrong)}, which the current rules do not have or "
            f"allow; re-tune it with: {retune}"
        )
    return values


def submodels_markdown() -> str:
    """The null and alternative models as Markdown (the table of docs/ODD.md, section 1)."""
    lines = ["| submodel | fixed parameters | removes by construction | what it stands for |", "|---|---|---|---|"]
    for model in SUBMODELS:
        fixed = ", ".join(f"`{k} = {v:g}`" for k, v in model.fixed.items())
        removed = ", ".join(model.removes) or "none"
        lines.append(f"| {model.title} (`{model.name}`) | {fixed} | {removed} | {model.reason} |")
    return "\n".join(lines) + "\n"
