"""The static structure of a run: actors, ties, programmes and memberships as index arrays.

Everything here is fixed for a run's whole horizon (actors who join later and programmes that
open later are allocated from the start and switched on by the state), so a batch of runs of the
same scenario shares one `Structure` and the rules can carry a leading run axis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from colabsim.scenario.schema import ACTOR_KINDS, SIDES, TIE_KINDS, ActorSpec, ScenarioFile

__all__ = [
    "KINDS",
    "KIND_DEFAULT_CAPACITY",
    "KIND_DEFAULT_ENDOWMENT",
    "LATENT",
    "STRUCTURE_TIE_KINDS",
    "Structure",
    "build_structure",
]

KINDS: tuple[str, ...] = tuple(ACTOR_KINDS)

#: Tie kinds in the structure: the file's kinds plus "latent", a relation between two members of
#: one programme who do not meet directly (a structural hole). A latent tie carries trust and
#: shared understanding, but only a mediator who knows both ends can bring them into contact.
STRUCTURE_TIE_KINDS: tuple[str, ...] = (*TIE_KINDS, "latent")
#: Index of the latent kind in `STRUCTURE_TIE_KINDS`.
LATENT = len(TIE_KINDS)

#: Relative yearly endowment by kind (funds, materials, people, time) when a file gives none:
#: donors bring money, universities people and knowledge, foundations time and networks.
KIND_DEFAULT_ENDOWMENT: dict[str, tuple[float, float, float, float]] = {
    "agency": (0.4, 0.4, 0.6, 0.6),
    "municipality": (0.8, 0.7, 0.6, 0.5),
    "foundation": (0.4, 0.5, 0.6, 0.8),
    "university": (0.2, 0.3, 0.8, 0.6),
    "donor": (1.0, 0.6, 0.5, 0.4),
}

#: Coordination capacity by kind; NaN means "the scenario's admin_capacity" (Ambon's own agencies).
KIND_DEFAULT_CAPACITY: dict[str, float] = {
    "agency": float("nan"),
    "municipality": 0.8,
    "foundation": 0.7,
    "university": 0.75,
    "donor": 0.9,
}

IntArray = NDArray[np.intp]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Structure:
    """Index arrays describing who is tied to whom and who takes part in what.

    Actor arrays have length N, tie arrays length E, programme arrays length P, membership arrays
    length M (one entry per actor-in-programme) and pair arrays length K (one entry per tie whose
    two ends are both members of the same programme).
    """

    actor_ids: tuple[str, ...]
    actor_names: tuple[str, ...]
    actor_kind: IntArray
    actor_side: IntArray
    is_mediator: BoolArray
    is_university: BoolArray
    is_local_public: BoolArray
    is_public: BoolArray
    initially_active: BoolArray
    prospective: BoolArray
    initially_funded: BoolArray
    endowment: FloatArray
    capacity_override: FloatArray
    commitment_override: FloatArray
    turnover_override: FloatArray
    tie_src: IntArray
    tie_dst: IntArray
    tie_kind: IntArray
    tie_cross: BoolArray
    tie_border: BoolArray
    tie_trust0: FloatArray
    broker: IntArray
    broker_src_edge: IntArray
    broker_dst_edge: IntArray
    programme_ids: tuple[str, ...]
    programme_names: tuple[str, ...]
    sectors: tuple[str, ...]
    prog_sector: IntArray
    prog_need: FloatArray
    prog_gated: BoolArray
    prog_status0: IntArray
    mem_prog: IntArray
    mem_actor: IntArray
    mem_optional: BoolArray
    pair_edge: IntArray
    pair_prog: IntArray
    pair_src_mem: IntArray
    pair_dst_mem: IntArray
    graph: nx.DiGraph

    @property
    def n_actors(self) -> int:
        """Number of actors N (present or not)."""
        return len(self.actor_ids)

    @property
    def n_ties(self) -> int:
        """Number of directed ties E."""
        return len(self.tie_src)

    @property
    def n_programmes(self) -> int:
        """Number of programmes P (in any status)."""
        return len(self.programme_ids)

    @property
    def n_members(self) -> int:
        """Number of memberships M."""
        return len(self.mem_prog)


#: Programme status codes used in the state arrays.
PROPOSED, DORMANT, ACTIVE, OFF = 0, 1, 2, 3
_STATUS_CODE = {"proposed": PROPOSED, "dormant": DORMANT, "active": ACTIVE, "scheduled": OFF, "closed": OFF}


def _generated_ties(spec: ScenarioFile) -> dict[tuple[str, str], tuple[str, float]]:
    """Expand ``[[tie_rules]]`` into directed ties; later rules override earlier ones."""
    ties: dict[tuple[str, str], tuple[str, float]] = {}
    for rule in spec.tie_rules:
        for a in spec.actors:
            for b in spec.actors:
                if a.id == b.id or not _rule_matches(rule.between, rule.sector, rule.kinds, a, b):
                    continue
                ties[(a.id, b.id)] = (rule.kind, float("nan"))
                ties[(b.id, a.id)] = (rule.kind, float("nan"))
    return ties


def _rule_matches(between: Sequence[str], sector: str | None, kinds: Sequence[str], a: ActorSpec, b: ActorSpec) -> bool:
    if [a.resolved_side, b.resolved_side] != list(between):
        return False
    if kinds and (a.kind not in kinds or b.kind not in kinds):
        return False
    if sector is not None:
        return sector in a.sectors and sector in b.sectors
    return bool(set(a.sectors) & set(b.sectors))


def _add_latent_ties(spec: ScenarioFile, ties: dict[tuple[str, str], tuple[str, float]]) -> None:
    """Add a latent tie between every two members of one programme who have no tie of their own.

    Co-participants judge each other's contributions whether or not they meet; where the file
    codes no tie between them, they sit on two sides of a structural hole (Burt 1992) that only a
    mediator can bridge (`colabsim.model.rules.contact_probability`).
    """
    for prog in spec.programmes:
        members = list(dict.fromkeys([*prog.participants, *prog.optional]))
        for a in members:
            for b in members:
                if a != b and (a, b) not in ties:
                    ties[(a, b)] = ("latent", float("nan"))


def _find_brokers(
    src: IntArray, dst: IntArray, cross: BoolArray, is_mediator: BoolArray
) -> tuple[IntArray, IntArray, IntArray]:
    """For each cross-side tie i->j, a mediator m with ties i->m and j->m (or -1)."""
    edge_index = {(int(s), int(d)): e for e, (s, d) in enumerate(zip(src, dst, strict=True))}
    mediators_of: dict[int, list[int]] = {}
    for (s, d), _ in edge_index.items():
        if is_mediator[d]:
            mediators_of.setdefault(s, []).append(d)
    broker = np.full(len(src), -1, dtype=np.intp)
    broker_src = np.zeros(len(src), dtype=np.intp)
    broker_dst = np.zeros(len(src), dtype=np.intp)
    for e, (s, d) in enumerate(zip(src, dst, strict=True)):
        if not cross[e]:
            continue
        for m in mediators_of.get(int(s), []):
            if m != d and (int(d), m) in edge_index:
                broker[e] = m
                broker_src[e] = edge_index[(int(s), m)]
                broker_dst[e] = edge_index[(int(d), m)]
                break
    return broker, broker_src, broker_dst


def build_structure(spec: ScenarioFile) -> Structure:
    """Build the run's static structure from a validated scenario.

    Ties come from ``[[tie_rules]]`` first and explicit ``[[ties]]`` second (an explicit tie
    overrides a generated one between the same actors). The networkx graph carries the same ties
    for layout, plotting and agent-level views; the hot path uses the arrays.
    """
    actors = spec.actors
    index = {a.id: i for i, a in enumerate(actors)}
    kind_of = np.array([KINDS.index(a.kind) for a in actors], dtype=np.intp)
    side_of = np.array([SIDES.index(a.resolved_side) for a in actors], dtype=np.intp)
    endowment = np.array(
        [
            [
                getattr(a.endowment, key) if getattr(a.endowment, key) is not None else default
                for key, default in zip(
                    ("funds", "materials", "people", "time"), KIND_DEFAULT_ENDOWMENT[a.kind], strict=True
                )
            ]
            for a in actors
        ],
        dtype=np.float64,
    )

    def _optional(values: list[float | None]) -> FloatArray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    capacity = _optional([a.capacity if a.capacity is not None else KIND_DEFAULT_CAPACITY[a.kind] for a in actors])

    tie_map = _generated_ties(spec)
    for tie in spec.ties:
        trust = float("nan") if tie.trust is None else tie.trust
        tie_map[(tie.source, tie.target)] = (tie.kind, trust)
        if tie.mutual:
            tie_map[(tie.target, tie.source)] = (tie.kind, trust)
    _add_latent_ties(spec, tie_map)
    pairs_sorted = sorted(tie_map, key=lambda st: (index[st[0]], index[st[1]]))
    tie_src = np.array([index[s] for s, _ in pairs_sorted], dtype=np.intp)
    tie_dst = np.array([index[d] for _, d in pairs_sorted], dtype=np.intp)
    tie_kind = np.array([STRUCTURE_TIE_KINDS.index(tie_map[p][0]) for p in pairs_sorted], dtype=np.intp)
    tie_trust0 = np.array([tie_map[p][1] for p in pairs_sorted], dtype=np.float64)
    tie_cross = side_of[tie_src] != side_of[tie_dst]
    local, foreign = SIDES.index("local"), SIDES.index("foreign")
    is_mediator = (kind_of == KINDS.index("foundation")) & (side_of == SIDES.index("bridging"))
    broker, broker_src, broker_dst = _find_brokers(tie_src, tie_dst, tie_cross, is_mediator)

    sectors = tuple(sorted({p.sector for p in spec.programmes}))
    mem_prog, mem_actor, mem_optional = [], [], []
    for p, prog in enumerate(spec.programmes):
        for member in prog.participants:
            mem_prog.append(p)
            mem_actor.append(index[member])
            mem_optional.append(False)
        for member in prog.optional:
            if member not in prog.participants:
                mem_prog.append(p)
                mem_actor.append(index[member])
                mem_optional.append(True)
    mem_prog_a = np.array(mem_prog, dtype=np.intp)
    mem_actor_a = np.array(mem_actor, dtype=np.intp)

    edge_index = {(int(s), int(d)): e for e, (s, d) in enumerate(zip(tie_src, tie_dst, strict=True))}
    pair_edge, pair_prog, pair_src, pair_dst = [], [], [], []
    for p in range(len(spec.programmes)):
        members = [(m, int(mem_actor_a[m])) for m in np.flatnonzero(mem_prog_a == p)]
        for m_i, i in members:
            for m_j, j in members:
                e = edge_index.get((i, j))
                if e is not None:
                    pair_edge.append(e)
                    pair_prog.append(p)
                    pair_src.append(m_i)
                    pair_dst.append(m_j)

    gated = np.zeros(len(spec.programmes), dtype=bool)
    for m, p in enumerate(mem_prog):
        if side_of[mem_actor[m]] == SIDES.index("foreign"):
            gated[p] = True

    graph = nx.DiGraph()
    for i, a in enumerate(actors):
        graph.add_node(a.id, index=i, name=a.name, kind=a.kind, side=a.resolved_side)
    for e, (s, d) in enumerate(pairs_sorted):
        graph.add_edge(s, d, index=e, kind=tie_map[(s, d)][0])

    return Structure(
        actor_ids=tuple(a.id for a in actors),
        actor_names=tuple(a.name for a in actors),
        actor_kind=kind_of,
        actor_side=side_of,
        is_mediator=is_mediator,
        is_university=kind_of == KINDS.index("university"),
        is_local_public=(kind_of == KINDS.index("agency")) & (side_of == SIDES.index("local")),
        is_public=np.isin(kind_of, [KINDS.index("agency"), KINDS.index("municipality")]),
        initially_active=np.array([a.status == "active" for a in actors], dtype=bool),
        prospective=np.array([a.status == "prospective" for a in actors], dtype=bool),
        initially_funded=np.array([a.funded for a in actors], dtype=bool),
        endowment=endowment,
        capacity_override=capacity,
        commitment_override=_optional([a.commitment for a in actors]),
        turnover_override=_optional([a.turnover for a in actors]),
        tie_src=tie_src,
        tie_dst=tie_dst,
        tie_kind=tie_kind,
        tie_cross=tie_cross,
        tie_border=np.isin(side_of[tie_src], [local, foreign])
        & np.isin(side_of[tie_dst], [local, foreign])
        & tie_cross,
        tie_trust0=tie_trust0,
        broker=broker,
        broker_src_edge=broker_src,
        broker_dst_edge=broker_dst,
        programme_ids=tuple(p.id for p in spec.programmes),
        programme_names=tuple(p.name for p in spec.programmes),
        sectors=sectors,
        prog_sector=np.array([sectors.index(p.sector) for p in spec.programmes], dtype=np.intp),
        prog_need=np.array([p.need for p in spec.programmes], dtype=np.float64),
        prog_gated=gated,
        prog_status0=np.array([_STATUS_CODE[p.status] for p in spec.programmes], dtype=np.intp),
        mem_prog=mem_prog_a,
        mem_actor=mem_actor_a,
        mem_optional=np.array(mem_optional, dtype=bool),
        pair_edge=np.array(pair_edge, dtype=np.intp),
        pair_prog=np.array(pair_prog, dtype=np.intp),
        pair_src_mem=np.array(pair_src, dtype=np.intp),
        pair_dst_mem=np.array(pair_dst, dtype=np.intp),
        graph=graph,
    )
