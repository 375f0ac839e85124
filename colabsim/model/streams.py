"""A run's random numbers: one PCG64 stream per noise source.

Each random process of the model draws from its own stream, so that one source of noise can be
drawn again while the others are held (a variance decomposition by source), and so that a rule
drawing more or fewer numbers never shifts another rule's numbers.

How a seed maps to streams: run seed ``S`` is ``SeedSequence(S)``; noise source number ``k`` of
`NOISE_SOURCES` draws from ``Generator(PCG64(SeedSequence(S, spawn_key=(k,))))``, which is child
``k`` of ``SeedSequence(S).spawn(len(NOISE_SOURCES))``. A per-source seed override ``{name: T}``
draws that source from child ``k`` of ``SeedSequence(T)`` instead: exactly the numbers the run with
seed ``T`` draws for that source, while every other source keeps seed ``S``'s numbers.

A single run (`run_streams`) calls its generators directly; a batch (`batch_streams`) keeps one
generator per run and source and draws ahead in blocks. A PCG64 generator's doubles are the same
whether drawn in one call or several, so a run's numbers never depend on the batch it runs in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from colabsim.model.rules.common import FloatArray, UniformSource

__all__ = ["NOISE_SOURCES", "BatchSource", "Streams", "batch_streams", "run_streams", "source_sequences"]

#: The model's noise sources, in spawn order: leadership turnover, contacts, defection, a new
#: sector opening (its chance and which candidate), and new partners joining. (Model v2 takes an
#: optional member's inclusion as an intensity of participation, not a yearly draw: no source.)
NOISE_SOURCES: tuple[str, ...] = ("turnover", "contacts", "defection", "sectors", "joining")

#: A run's seed: an integer >= 0 or a SeedSequence.
RunSeed = int | np.integer | np.random.SeedSequence

#: Doubles a batch source draws ahead per refill, over all runs (4 MB), and at most per run: a few
#: generator calls per run and year for small networks, a buffer that stays in cache. (Measured on
#: Vlissingen: larger blocks cost more in memory traffic than they save in calls.)
_BLOCK_DOUBLES = 2**19
_MAX_BLOCK = 1024


@dataclass(frozen=True)
class Streams:
    """One source of uniform draws per noise source (the fields follow `NOISE_SOURCES`).

    For one run each field is a numpy Generator; for a batch, a `BatchSource` whose draws carry a
    leading run axis. The engine hands each rule the stream of its source.
    """

    turnover: UniformSource
    contacts: UniformSource
    defection: UniformSource
    sectors: UniformSource
    joining: UniformSource


def _check_seed(seed: object, what: str) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"{what} must be an integer >= 0 or a numpy SeedSequence, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def source_sequences(
    seed: RunSeed, overrides: Mapping[str, RunSeed] | None = None
) -> dict[str, np.random.SeedSequence]:
    """The SeedSequence of each noise source of a run (see the module's docstring).

    Args:
        seed: The run's seed.
        overrides: Per noise source, a seed to draw that source from instead of `seed`.

    Returns:
        One SeedSequence per name of `NOISE_SOURCES`, in that order.

    Raises:
        ValueError: If a seed is not an integer >= 0 or a SeedSequence, or a source is unknown.
    """
    root = _check_seed(seed, "a run's seed")
    chosen = dict(overrides or {})
    unknown = sorted(set(chosen) - set(NOISE_SOURCES))
    if unknown:
        raise ValueError(f"unknown noise source(s) {', '.join(unknown)}; the sources are {', '.join(NOISE_SOURCES)}")
    sequences = {}
    for k, name in enumerate(NOISE_SOURCES):
        base = _check_seed(chosen[name], f"the seed of noise source {name!r}") if name in chosen else root
        # Built from the spawn key rather than with spawn(): spawn() counts its children, so a
        # SeedSequence handed in twice would give other streams the second time.
        sequences[name] = np.random.SeedSequence(base.entropy, spawn_key=(*base.spawn_key, k), pool_size=base.pool_size)
    return sequences


def run_streams(seed: RunSeed, overrides: Mapping[str, RunSeed] | None = None) -> Streams:
    """The streams of one run: a PCG64 Generator per noise source (see `source_sequences`)."""
    sequences = source_sequences(seed, overrides)
    return Streams(**{name: np.random.Generator(np.random.PCG64(seq)) for name, seq in sequences.items()})


class BatchSource:
    """One noise source over a batch of runs: a PCG64 Generator per run, drawn ahead in blocks.

    `random` serves consecutive draws of every run, so run r sees exactly what its own Generator
    would give call by call, however the draws are grouped into blocks.
    """

    def __init__(self, sequences: Sequence[np.random.SeedSequence]) -> None:
        """Create one generator per run from its SeedSequence for this source."""
        self._generators = [np.random.Generator(np.random.PCG64(seq)) for seq in sequences]
        self._block = max(1, min(_MAX_BLOCK, _BLOCK_DOUBLES // max(1, len(sequences))))
        self._buffer: FloatArray = np.empty((len(sequences), 0))
        self._offset = 0

    def random(self, size: tuple[int, ...]) -> FloatArray:
        """Draws of shape `size` (the first axis is the run axis): each run's next draws, in order."""
        if not size or size[0] != len(self._generators):
            raise ValueError(f"asked for draws of shape {size} from a batch of {len(self._generators)} runs")
        count = math.prod(size[1:])
        if self._offset + count > self._buffer.shape[1]:
            self._refill(count)
        out = self._buffer[:, self._offset : self._offset + count]
        self._offset += count
        return out.reshape(size)

    def _refill(self, count: int) -> None:
        # A new buffer each time, never written again: draws handed out earlier stay valid
        # while a caller still holds them.
        left = self._buffer[:, self._offset :]
        kept = left.shape[1]
        fresh = np.empty((len(self._generators), kept + max(count, self._block)))
        fresh[:, :kept] = left
        for row, generator in zip(fresh, self._generators, strict=True):
            generator.random(out=row[kept:])
        self._buffer = fresh
        self._offset = 0

    def __len__(self) -> int:
        """Number of runs."""
        return len(self._generators)


def batch_streams(seeds: Sequence[RunSeed], overrides: Sequence[Mapping[str, RunSeed]] | None = None) -> Streams:
    """The streams of a batch: per noise source, a `BatchSource` over the runs' own streams.

    Args:
        seeds: One seed per run.
        overrides: Per run, per-source seed overrides (see `source_sequences`); None for none.

    Raises:
        ValueError: If a seed or source is invalid, or `overrides` and `seeds` differ in length.
    """
    if overrides is not None and len(overrides) != len(seeds):
        raise ValueError(f"{len(overrides)} sets of noise-source seeds for {len(seeds)} seeds")
    per_run = [source_sequences(seed, None if overrides is None else overrides[r]) for r, seed in enumerate(seeds)]
    return Streams(**{name: BatchSource([run[name] for run in per_run]) for name in NOISE_SOURCES})
