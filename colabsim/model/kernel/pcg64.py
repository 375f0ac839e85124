"""numpy's PCG64 inside the kernel: the same doubles as ``Generator(PCG64(...)).random()``.

A stream's state is four unsigned 64-bit words ``(state_hi, state_lo, inc_hi, inc_lo)``, the 128-bit
LCG state and increment of numpy's PCG64 (XSL-RR 128/64). `next_double` advances it exactly as
numpy's C code does (``pcg64_next64``: one LCG step, then the XSL-RR output; a double is the top 53
bits times 2**-53), with 128-bit arithmetic done on 64-bit halves as numpy does on platforms without
a 128-bit integer. The states are taken from and given back to numpy bit generators
(`states_of`, `restore`), so a run's stream is one stream whichever engine draws from it.

Why not numba's own ``np.random.Generator`` support (numba >= 0.56, which calls numpy's C
generator)? A batch has one stream per run and noise source, thousands of Generator objects that
would have to be unboxed on every kernel call (about 9 us each, measured) and cannot live in an
array; as four words each they are one ``uint64`` array of shape ``(runs, sources, 4)``, one
kernel signature for any batch size, cheap to pickle to a worker. tests/test_kernel_streams.py
checks the doubles against numpy's for many seeds and lengths.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from colabsim.model.kernel._jit import njit

__all__ = ["next_double", "random_into", "restore", "seed_streams", "states_of"]

_MULT_HI = np.uint64(2549297995355413924)
_MULT_LO = np.uint64(4865540595714422341)
_LOW32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S11 = np.uint64(11)
_S58 = np.uint64(58)
_S63 = np.uint64(63)
_S64 = np.uint64(64)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)
_MASK64 = (1 << 64) - 1


@njit
def _mulhi(a: np.uint64, b: np.uint64) -> np.uint64:
    """The high 64 bits of the 128-bit product a * b."""
    a0 = a & _LOW32
    a1 = a >> _S32
    b0 = b & _LOW32
    b1 = b >> _S32
    p00 = a0 * b0
    p01 = a0 * b1
    p10 = a1 * b0
    p11 = a1 * b1
    middle = (p00 >> _S32) + (p01 & _LOW32) + (p10 & _LOW32)
    return p11 + (p01 >> _S32) + (p10 >> _S32) + (middle >> _S32)


@njit
def next_double(stream: np.ndarray) -> float:
    """The stream's next double in [0, 1), advancing `stream` (uint64[4]) in place."""
    state_hi = stream[0]
    state_lo = stream[1]
    # state = state * MULT + inc (mod 2**128)
    low = state_lo * _MULT_LO
    high = _mulhi(state_lo, _MULT_LO) + state_lo * _MULT_HI + state_hi * _MULT_LO
    new_lo = low + stream[3]
    carry = _ONE if new_lo < low else _ZERO
    new_hi = high + stream[2] + carry
    stream[0] = new_hi
    stream[1] = new_lo
    # XSL-RR: rotate (hi ^ lo) right by the top six bits of the state.
    value = new_hi ^ new_lo
    rot = new_hi >> _S58
    rotated = (value >> rot) | (value << ((_S64 - rot) & _S63))
    return float(rotated >> _S11) * (1.0 / 9007199254740992.0)


@njit
def random_into(stream: np.ndarray, out: np.ndarray) -> None:
    """Fill `out` (float64, 1-D) with the stream's next doubles, in order."""
    for i in range(out.shape[0]):
        out[i] = next_double(stream)


def states_of(generators: Sequence[np.random.Generator]) -> np.ndarray:
    """The PCG64 states of `generators` as a ``uint64`` array of shape ``(len, 4)``.

    Raises:
        TypeError: If a generator's bit generator is not PCG64.
    """
    out = np.empty((len(generators), 4), dtype=np.uint64)
    for row, generator in zip(out, generators, strict=True):
        state = generator.bit_generator.state
        if state["bit_generator"] != "PCG64":
            raise TypeError(f"the kernel draws from PCG64 streams only, got {state['bit_generator']}")
        words = state["state"]["state"], state["state"]["inc"]
        row[:] = [words[0] >> 64, words[0] & _MASK64, words[1] >> 64, words[1] & _MASK64]
    return out


def restore(generators: Sequence[np.random.Generator], states: np.ndarray) -> None:
    """Set each generator's PCG64 state from a row of `states` (as `states_of` gives)."""
    for generator, row in zip(generators, states, strict=True):
        hi, lo, inc_hi, inc_lo = (int(word) for word in row)
        generator.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": (hi << 64) | lo, "inc": (inc_hi << 64) | inc_lo},
            "has_uint32": 0,
            "uinteger": 0,
        }


# numpy's SeedSequence hash (bit_generator.pyx), on 32-bit words kept in 64-bit integers.
_INIT_A = np.uint64(0x43B0D7E5)
_MULT_A = np.uint64(0x931E8875)
_INIT_B = np.uint64(0x8B51F9DD)
_MULT_B = np.uint64(0x58F38DED)
_MIX_MULT_L = np.uint64(0xCA01F9DD)
_MIX_MULT_R = np.uint64(0x4973F715)
_S16 = np.uint64(16)
_POOL = 4


@njit
def _hashmix(value: np.uint64, hash_const: np.ndarray) -> np.uint64:
    value ^= hash_const[0]
    hash_const[0] = (hash_const[0] * _MULT_A) & _LOW32
    value = (value * hash_const[0]) & _LOW32
    return value ^ (value >> _S16)


@njit
def _mix(x: np.uint64, y: np.uint64) -> np.uint64:
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _LOW32
    return result ^ (result >> _S16)


@njit
def _seed_stream(entropy: np.ndarray, scratch: np.ndarray, out: np.ndarray) -> None:
    """PCG64's state from SeedSequence entropy words (`entropy`, uint64 holding 32-bit words).

    ``PCG64(SeedSequence(...))``: the entropy is mixed into a pool of four words, the pool hashed
    into four 64-bit words (seed and increment), and PCG64 seeded from them as numpy's
    ``pcg64_set_seed`` does (state 0, increment ``2 * inc + 1``, one step, add the seed, one step).
    """
    pool = scratch[:_POOL]
    hash_const = scratch[_POOL : _POOL + 1]
    hash_const[0] = _INIT_A
    for i in range(_POOL):
        pool[i] = _hashmix(entropy[i] if i < entropy.shape[0] else _ZERO, hash_const)
    for i_src in range(_POOL):
        for i_dst in range(_POOL):
            if i_src != i_dst:
                pool[i_dst] = _mix(pool[i_dst], _hashmix(pool[i_src], hash_const))
    for i_src in range(_POOL, entropy.shape[0]):
        for i_dst in range(_POOL):
            pool[i_dst] = _mix(pool[i_dst], _hashmix(entropy[i_src], hash_const))
    words = scratch[_POOL + 1 : _POOL + 9]
    state_hash = _INIT_B
    for i in range(8):
        value = pool[i % _POOL] ^ state_hash
        state_hash = (state_hash * _MULT_B) & _LOW32
        value = (value * state_hash) & _LOW32
        words[i] = value ^ (value >> _S16)
    seed_hi = words[0] | (words[1] << _S32)
    seed_lo = words[2] | (words[3] << _S32)
    inc_hi = words[4] | (words[5] << _S32)
    inc_lo = words[6] | (words[7] << _S32)
    out[0] = _ZERO
    out[1] = _ZERO
    out[2] = (inc_hi << _ONE) | (inc_lo >> _S63)
    out[3] = (inc_lo << _ONE) | _ONE
    next_double(out)
    low = out[1] + seed_lo
    out[0] = out[0] + seed_hi + (_ONE if low < out[1] else _ZERO)
    out[1] = low
    next_double(out)


@njit
def seed_streams(seeds: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> None:
    """Fill ``out[r, k]`` with the PCG64 state of ``SeedSequence(seeds[r], spawn_key=(k,))``.

    `seeds` holds each run's seed as four 32-bit words, least significant first (seeds below
    2**128); `out` has shape ``(runs, sources, 4)``; `scratch` is 32 uint64 words.
    """
    entropy = scratch[:5]
    sources = out.shape[1]
    for r in range(seeds.shape[0]):
        for w in range(4):
            entropy[w] = seeds[r, w]
        for k in range(sources):
            entropy[4] = np.uint64(k)
            _seed_stream(entropy, scratch[8:], out[r, k])
