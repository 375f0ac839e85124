"""The actors as Mesa agents.

An agent holds its identity and kind and exposes its state as views into the model's arrays
(DESIGN.md: "the hot state lives in arrays"); the rules never loop over agents. The dashboard
and agent-level data read these properties.
"""

from __future__ import annotations

from typing import ClassVar

import mesa

from colabsim.model.engine import State
from colabsim.model.rules.common import FloatArray
from colabsim.model.structure import Structure
from colabsim.scenario.parameters import RESOURCE_TYPES
from colabsim.scenario.schema import ActorSpec

__all__ = [
    "AGENT_CLASSES",
    "Actor",
    "ArrayModel",
    "CityAgency",
    "Donor",
    "ForeignMunicipality",
    "Foundation",
    "University",
]


class ArrayModel(mesa.Model):
    """A Mesa model whose state lives in arrays: what an agent reads its properties from.

    `colabsim.model.collaboration.CollaborationModel` is the one in colabsim; the agents are typed
    against this base so that they need not import the model that creates them.

    Attributes:
        structure: Actors, ties and programmes as index arrays plus a networkx graph.
        state: The current array state.
    """

    structure: Structure
    state: State

    @property
    def capacity(self) -> FloatArray:
        """Each actor's coordination capacity in [0, 1]."""
        raise NotImplementedError


class Actor(mesa.Agent):
    """An organisation in the collaboration (base class of the five kinds).

    Attributes:
        index: Position of the actor in the model's actor arrays.
        actor_id: The id used in the scenario file.
        name: Display name.
        side: ``local``, ``foreign`` or ``bridging``.
        sectors: Sectors the actor works in.
    """

    kind: ClassVar[str] = ""
    model: ArrayModel

    def __init__(self, model: ArrayModel, index: int, spec: ActorSpec) -> None:
        """Register the actor with `model`; `index` is its row in the model's arrays."""
        super().__init__(model)
        self.index = index
        self.actor_id = spec.id
        self.name = spec.name
        self.side = spec.resolved_side
        self.sectors = tuple(spec.sectors)

    @property
    def active(self) -> bool:
        """Whether the actor takes part now."""
        return bool(self.model.state.active[self.index])

    @property
    def commitment(self) -> float:
        """Current commitment in [0, 1]."""
        return float(self.model.state.commitment[self.index])

    @property
    def trust(self) -> float:
        """Mean trust over this actor's ties toward others (NaN if it has none)."""
        values = self.model.state.trust[self.model.structure.tie_src == self.index]
        return float(values.mean()) if values.size else float("nan")

    @property
    def contribution(self) -> float:
        """All the actor gave its programmes last month (the four resource types added)."""
        return float(self.model.state.contributed[self.index].sum())

    @property
    def capacity(self) -> float:
        """Coordination capacity in [0, 1]."""
        return float(self.model.capacity[self.index])

    @property
    def resources(self) -> dict[str, float]:
        """Resources left in this budget year, by type."""
        row = self.model.state.stock[self.index]
        return {name: float(row[k]) for k, name in enumerate(RESOURCE_TYPES)}

    def trust_in(self, other: Actor) -> float | None:
        """Trust from this actor toward `other`, or None if they have no tie."""
        edge = self.model.structure.graph.get_edge_data(self.actor_id, other.actor_id)
        return None if edge is None else float(self.model.state.trust[edge["index"]])

    def __repr__(self) -> str:
        """Show kind, id and whether the actor is present."""
        return f"{type(self).__name__}({self.actor_id!r}, active={self.active})"


class CityAgency(Actor):
    """A city government agency (OPD), e.g. the Health Office or the cooperation unit."""

    kind = "agency"


class ForeignMunicipality(Actor):
    """A foreign partner municipality, e.g. Vlissingen or Darwin."""

    kind = "municipality"


class Foundation(Actor):
    """A foundation: a mediator between the sides when it is on the bridging side, e.g. SSVA.

    On one side it takes part like any other partner (the eye clinic, local NGOs); docs/ODD.md,
    section 7.3, says what a mediator does.
    """

    kind = "foundation"


class University(Actor):
    """A university that brings knowledge to programme coordination, e.g. Pattimura."""

    kind = "university"


class Donor(Actor):
    """An international development agency funding a programme for a fixed window, e.g. USAID."""

    kind = "donor"

    @property
    def funded(self) -> bool:
        """Whether the donor's funding window is open."""
        return bool(self.model.state.funded[self.index])


#: Agent class for each actor kind of the scenario format.
AGENT_CLASSES: dict[str, type[Actor]] = {
    cls.kind: cls for cls in (CityAgency, ForeignMunicipality, Foundation, University, Donor)
}
