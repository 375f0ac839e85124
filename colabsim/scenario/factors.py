"""The registry of determinant factors.

Every determinant factor of collaboration success that the model knows is one `Factor` entry in
`FACTORS`. Scenario validation, ``colabsim factors``, the ODD tables and (later) the sensitivity
analysis and the dashboard all read this one registry, so a factor's identifier, bounds, default
and meaning are defined exactly once.

The identifiers are a public interface: users write them in scenario files and published
analyses. Keep them stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["DIMENSIONS", "FACTORS", "HEADLINE", "Factor", "factor_names", "get_factor", "markdown_table"]


@dataclass(frozen=True)
class Factor:
    """One determinant factor of collaboration success.

    Attributes:
        name: Stable identifier used in scenario files and analyses.
        dimension: Dimension of collaboration management it belongs to (see `DIMENSIONS`).
        category: The finer category within the dimension (e.g. ``governance``).
        default: Value used when a scenario does not set the factor.
        meaning: One line saying what the factor represents.
        drives: The model mechanisms the factor acts on (as named in docs/ODD.md).
        low: Lowest allowed value.
        high: Highest allowed value.
    """

    name: str
    dimension: str
    category: str
    default: float
    meaning: str
    drives: str
    low: float = 0.0
    high: float = 1.0

    def check(self, value: float) -> bool:
        """Return True if `value` lies within the factor's bounds."""
        return self.low <= value <= self.high


#: Dimensions in the order the study and DESIGN.md discuss them.
DIMENSIONS: tuple[str, ...] = (
    "environment",
    "institutional",
    "social capital",
    "agency",
    "communication",
    "membership",
    "purpose",
    "resources",
    "shocks",
)

_FACTORS: tuple[Factor, ...] = (
    Factor(
        "history",
        "environment",
        "history of cooperation",
        0.3,
        "Length and depth of the partners' shared history before the agreement.",
        "initial trust and understanding; closeness: reach of understanding, informal contact, trust and "
        "understanding floors, affective commitment",
    ),
    Factor(
        "kinship",
        "environment",
        "emotional ties",
        0.2,
        "Emotional, family-like ties between the partner communities.",
        "closeness: reach of understanding, informal contact, trust and understanding floors, affective "
        "commitment; forgiveness of shortfalls",
    ),
    Factor(
        "central_support",
        "environment",
        "central government",
        0.5,
        "Backing of both central governments for the collaboration.",
        "legal flow (with legal_frame); co-funding of the city agencies' funds",
    ),
    Factor(
        "legal_frame",
        "institutional",
        "governance",
        0.6,
        "Currency of the agreement (MoU) under today's law: 1 = current, 0 = lapsed.",
        "legal flow: cross-border formal contact, public budgets and staff, international programmes' standing",
    ),
    Factor(
        "admin_capacity",
        "institutional",
        "administration",
        0.5,
        "Competence and staffing of the city's cooperation unit and agencies.",
        "formal contact rate; capacity for joint action (coordination efficiency)",
    ),
    Factor(
        "mutuality",
        "social capital",
        "mutuality",
        0.5,
        "Degree to which both sides expect and get benefits from the collaboration.",
        "willingness to contribute; commitment gains",
    ),
    Factor(
        "reciprocity_norms",
        "social capital",
        "norms of trust and reciprocity",
        0.5,
        "Strength of shared norms of trust and reciprocity.",
        "trust learning rate; free-riding (defection)",
    ),
    Factor(
        "commitment",
        "agency",
        "stakeholder commitment",
        0.5,
        "Stakeholders' commitment on both sides: the mandate they start from and return to.",
        "commitment set-point (mandate) and initial commitment; a newcomer's commitment",
    ),
    Factor(
        "mediation",
        "agency",
        "mediator strength",
        0.5,
        "Strength of the bridging foundation (e.g. SSVA) as broker between the sides.",
        "brokered contacts across structural holes; facilitation beside leadership; trust buffer in contributions",
    ),
    Factor(
        "leadership",
        "agency",
        "facilitative leadership",
        0.5,
        "Facilitative leadership that keeps partners engaged and moves them to agreement.",
        "capacity for joint action; facilitation of consensus and commitment; a newcomer's commitment",
    ),
    Factor(
        "formal_communication",
        "communication",
        "formal communication",
        0.5,
        "Frequency of formal meetings, visits and correspondence.",
        "formal contact rate",
    ),
    Factor(
        "informal_communication",
        "communication",
        "informal communication",
        0.5,
        "Frequency of informal contact between people on both sides.",
        "informal contact rate",
    ),
    Factor(
        "inclusion",
        "membership",
        "stakeholder inclusion",
        0.5,
        "How fully relevant optional stakeholders (university, clinics, NGOs) take part.",
        "optional members' participation intensity; a university's knowledge in coordination",
    ),
    Factor(
        "shared_purpose",
        "purpose",
        "shared purpose",
        0.5,
        "Agreement on aims and a long-term action plan.",
        "consensus; understanding gained from contact; opening of new sectors",
    ),
    Factor(
        "funds",
        "resources",
        "funds",
        0.5,
        "Money the partners can put into joint programmes, relative to need.",
        "funds endowment",
    ),
    Factor(
        "materials",
        "resources",
        "materials",
        0.5,
        "Equipment and materials available to joint programmes, relative to need.",
        "materials endowment",
    ),
    Factor(
        "staff",
        "resources",
        "people",
        0.5,
        "Skilled people the partners can assign to joint programmes, relative to need.",
        "people endowment",
    ),
    Factor(
        "time_horizon",
        "resources",
        "time",
        0.5,
        "Long-term orientation: time partners commit and patience with slow results.",
        "time endowment; tolerance of frustration",
    ),
    Factor(
        "turnover",
        "shocks",
        "leadership turnover",
        0.3,
        "Rate of leadership and staff rotation (1 = a change every two years per actor).",
        "commitment and shared-understanding resets",
    ),
)

#: The registry: factor name -> `Factor`, in the order of DESIGN.md's table.
FACTORS: Mapping[str, Factor] = MappingProxyType({f.name: f for f in _FACTORS})

#: The study's headline determinants of collaboration success (its conclusions 2-3; issue 14's
#: list): the factors each validation band is stated for.
HEADLINE: tuple[str, ...] = (
    "history",
    "kinship",
    "mediation",
    "formal_communication",
    "informal_communication",
    "commitment",
    "mutuality",
    "legal_frame",
    "admin_capacity",
    "leadership",
    "shared_purpose",
    "inclusion",
)


def factor_names() -> tuple[str, ...]:
    """Return the factor identifiers in registry order."""
    return tuple(FACTORS)


def get_factor(name: str) -> Factor:
    """Return the factor called `name`.

    Raises:
        KeyError: If no factor has that name; the message lists the known names.
    """
    try:
        return FACTORS[name]
    except KeyError:
        known = ", ".join(FACTORS)
        raise KeyError(f"unknown factor {name!r}; known factors: {known}") from None


def markdown_table() -> str:
    """The registry as a Markdown table (used by docs/ODD.md and ``colabsim factors --format markdown``)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "| # | identifier | dimension | category | default | bounds | meaning | drives |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, f in enumerate(FACTORS.values(), 1):
        lines.append(
            f"| {i} | `{f.name}` | {cell(f.dimension)} | {cell(f.category)} | {f.default:g} | [{f.low:g}, {f.high:g}] "
            f"| {cell(f.meaning)} | {cell(f.drives)} |"
        )
    return "\n".join(lines) + "\n"
