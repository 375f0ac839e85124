"""The scenario file format, as a validated schema.

A scenario file is TOML with these tables (docs/scenarios.md is the reference):
``[scenario]`` metadata, ``[factors]``, ``[parameters]``, ``[[actors]]``, ``[[ties]]``,
``[[tie_rules]]``, ``[[programmes]]`` and ``[[events]]``. Each table is a pydantic model that
forbids unknown keys and checks types and ranges; cross-references (actor ids in ties,
programmes and events; events inside the horizon) are checked in `colabsim.scenario.loader`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from colabsim.scenario.factors import FACTORS

__all__ = [
    "ACTOR_KINDS",
    "DISTRIBUTIONS",
    "SIDES",
    "ActorSpec",
    "EventSpec",
    "FactorCoding",
    "MetaSpec",
    "ProgrammeSpec",
    "ScenarioFile",
    "TieRuleSpec",
    "TieSpec",
]

#: Actor kinds and the side each is on unless the file says otherwise.
ACTOR_KINDS: dict[str, str] = {
    "agency": "local",
    "municipality": "foreign",
    "foundation": "bridging",
    "university": "local",
    "donor": "foreign",
}
SIDES: tuple[str, ...] = ("local", "foreign", "bridging")
TIE_KINDS: tuple[str, ...] = ("formal", "informal", "kinship")
EVENT_ACTIONS: tuple[str, ...] = (
    "set_factors",
    "add_actor",
    "remove_actor",
    "invite_actor",
    "start_funding",
    "stop_funding",
    "open_programme",
    "close_programme",
)

#: How a coded range is meant: every value in it equally plausible, or peaked at the coded value.
DISTRIBUTIONS: tuple[str, ...] = ("uniform", "triangular")

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class _Strict(BaseModel):
    """Base of every table: unknown keys are errors and values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _factor_error(name: str, message: str) -> PydanticCustomError:
    """An error about one factor entry; ``ctx["key"]`` lets the loader extend the key path with it."""
    # The message is passed as a context value so that braces in it are never read as a template.
    return PydanticCustomError("factor_table", "{message}", {"message": message, "key": name})


def _check_factor_table[V: (float, float | FactorCoding)](values: dict[str, V]) -> dict[str, V]:
    """Check that every key is a registered factor and every value (and coded range) is within its bounds."""
    for name, entry in values.items():
        if name not in FACTORS:
            raise _factor_error(name, f"unknown factor {name!r}; allowed: {', '.join(FACTORS)}")
        factor = FACTORS[name]
        bounds = f"allowed: {factor.low} to {factor.high}"
        value = entry.value if isinstance(entry, FactorCoding) else entry
        if not factor.check(value):
            raise _factor_error(name, f"factor {name!r} = {value} is out of range; {bounds}")
        if isinstance(entry, FactorCoding):
            low, high = entry.range
            if not (factor.check(low) and factor.check(high)):
                raise _factor_error(name, f"range [{low}, {high}] of {name!r} leaves the factor's bounds; {bounds}")
            if not low <= value <= high:
                raise _factor_error(name, f"range [{low}, {high}] of {name!r} must contain its value {value}")
    return values


class FactorCoding(_Strict):
    """A factor coded from evidence, with the range of values the evidence supports.

    Written in ``[factors]`` as ``kinship = { value = 0.9, range = [0.75, 0.95], evidence = "..." }``
    instead of ``kinship = 0.9`` (docs/coding.md is the codebook these come from).

    Attributes:
        value: The coded value, used by every run unless an analysis samples the range.
        range: The lowest and highest value a careful reading of the evidence supports.
        distribution: ``uniform`` (every value in the range equally plausible) or ``triangular``
            (peaked at `value`).
        evidence: The study's words (or a pointer to the codebook) the coding rests on.
        group: Factors coded from the same sentence share a group name and move together
            when codings are sampled.
    """

    value: float
    range: list[float]
    distribution: Literal["uniform", "triangular"] = "uniform"
    evidence: str = ""
    group: Identifier | None = None

    @model_validator(mode="after")
    def _range_is_ordered(self) -> FactorCoding:
        if len(self.range) != 2:
            raise ValueError(f"range must be two numbers, [low, high]; got {self.range}")
        if self.range[0] > self.range[1]:
            raise ValueError(f"range must be [low, high] with low <= high; got {self.range}")
        return self


def parse_month(text: str) -> tuple[int, int]:
    """Parse ``"YYYY-MM"`` into (year, month).

    Raises:
        ValueError: If the text is not a valid year and month.
    """
    match = _MONTH.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2012-07")
    return int(match.group(1)), int(match.group(2))


class MetaSpec(_Strict):
    """``[scenario]``: what the scenario is and the time it covers."""

    name: str = Field(min_length=1)
    description: str = ""
    source: str = ""
    start: str = "2006-01"
    horizon_years: int = Field(default=15, ge=1, le=100)
    window: list[str] | None = Field(default=None, min_length=2, max_length=2)

    @field_validator("start")
    @classmethod
    def _start_is_month(cls, value: str) -> str:
        parse_month(value)
        return value

    @field_validator("window")
    @classmethod
    def _window_is_months(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            first, last = (parse_month(month) for month in value)
            if first > last:
                raise ValueError(f"window must be [first, last] with first <= last; got {value}")
        return value


class Endowment(_Strict):
    """Relative yearly endowment of an actor by resource type, in [0, 1] of the kind's maximum."""

    funds: Unit | None = None
    materials: Unit | None = None
    people: Unit | None = None
    time: Unit | None = None


class ActorSpec(_Strict):
    """``[[actors]]``: one organisation taking part in the collaboration."""

    id: Identifier
    name: str = Field(min_length=1)
    kind: Literal["agency", "municipality", "foundation", "university", "donor"]
    side: Literal["local", "foreign", "bridging"] | None = None
    sectors: list[Identifier] = Field(default_factory=list)
    status: Literal["active", "absent", "prospective"] = "active"
    endowment: Endowment = Field(default_factory=Endowment)
    commitment: Unit | None = None
    capacity: Unit | None = None
    turnover: Unit | None = None
    funded: bool = True

    @property
    def resolved_side(self) -> str:
        """The actor's side: as written, or the default of its kind."""
        return self.side if self.side is not None else ACTOR_KINDS[self.kind]


class TieSpec(_Strict):
    """``[[ties]]``: an explicit tie between two actors."""

    source: Identifier
    target: Identifier
    kind: Literal["formal", "informal", "kinship"] = "formal"
    trust: Unit | None = None
    mutual: bool = True

    @model_validator(mode="after")
    def _not_a_loop(self) -> TieSpec:
        if self.source == self.target:
            raise ValueError(f"a tie needs two different actors, got {self.source!r} twice")
        return self


class TieRuleSpec(_Strict):
    """``[[tie_rules]]``: generated ties, e.g. every local actor with every foreign one in a sector.

    Attributes:
        between: The two sides to connect (may be the same side).
        sector: Only actors with this sector; if empty, actors sharing any sector.
        kinds: Only actors of these kinds (either end); if empty, every kind.
        kind: The kind of tie created.
    """

    between: list[Literal["local", "foreign", "bridging"]] = Field(min_length=2, max_length=2)
    sector: Identifier | None = None
    kinds: list[Literal["agency", "municipality", "foundation", "university", "donor"]] = Field(default_factory=list)
    kind: Literal["formal", "informal", "kinship"] = "formal"


class ProgrammeSpec(_Strict):
    """``[[programmes]]``: a joint activity in one sector."""

    id: Identifier
    name: str = Field(min_length=1)
    sector: Identifier
    participants: list[Identifier] = Field(min_length=1)
    optional: list[Identifier] = Field(default_factory=list)
    status: Literal["active", "dormant", "proposed", "scheduled", "closed"] = "active"
    need: float = Field(default=1.0, gt=0.0, le=100.0)


class EventSpec(_Strict):
    """``[[events]]``: a scheduled intervention or shock.

    ``at`` is a month index from the start (0 = first month) or a date ``"YYYY-MM"``.
    """

    at: int | str
    action: Literal[
        "set_factors",
        "add_actor",
        "remove_actor",
        "invite_actor",
        "start_funding",
        "stop_funding",
        "open_programme",
        "close_programme",
    ]
    factors: dict[str, float] = Field(default_factory=dict)
    actor: Identifier | None = None
    programme: Identifier | None = None
    note: str = ""

    @field_validator("at")
    @classmethod
    def _at_is_month(cls, value: int | str) -> int | str:
        if isinstance(value, str):
            parse_month(value)
        elif value < 0:
            raise ValueError(f"month {value} is before the start; use 0 or later")
        return value

    @field_validator("factors")
    @classmethod
    def _factors_known(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_factor_table(value)

    @model_validator(mode="after")
    def _fields_fit_action(self) -> EventSpec:
        needs = {
            "set_factors": "factors",
            "add_actor": "actor",
            "remove_actor": "actor",
            "invite_actor": "actor",
            "start_funding": "actor",
            "stop_funding": "actor",
            "open_programme": "programme",
            "close_programme": "programme",
        }[self.action]
        if needs == "factors" and not self.factors:
            raise ValueError("action 'set_factors' needs a non-empty 'factors' table")
        if needs == "actor" and self.actor is None:
            raise ValueError(f"action {self.action!r} needs 'actor' (an actor id)")
        if needs == "programme" and self.programme is None:
            raise ValueError(f"action {self.action!r} needs 'programme' (a programme id)")
        return self


class ScenarioFile(_Strict):
    """A whole scenario file after ``extends`` has been merged."""

    scenario: MetaSpec
    factors: dict[str, float | FactorCoding] = Field(default_factory=dict)
    parameters: dict[str, float | int | list[float]] = Field(default_factory=dict)
    actors: list[ActorSpec] = Field(min_length=2)
    ties: list[TieSpec] = Field(default_factory=list)
    tie_rules: list[TieRuleSpec] = Field(default_factory=list)
    programmes: list[ProgrammeSpec] = Field(min_length=1)
    events: list[EventSpec] = Field(default_factory=list)

    @field_validator("factors")
    @classmethod
    def _factors_known(cls, value: dict[str, float | FactorCoding]) -> dict[str, float | FactorCoding]:
        return _check_factor_table(value)

    def factor_values(self) -> dict[str, float]:
        """The file's factors as plain values (a coded factor gives its `FactorCoding.value`)."""
        return {name: e.value if isinstance(e, FactorCoding) else e for name, e in self.factors.items()}

    def factor_codings(self) -> dict[str, FactorCoding]:
        """The factors written with a coded range, by name."""
        return {name: e for name, e in self.factors.items() if isinstance(e, FactorCoding)}
