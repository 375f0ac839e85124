"""How the kernel's functions are compiled: numba's ``njit``, cached, exact arithmetic.

Every kernel function is compiled with ``cache=True`` (compiled code is written to numba's cache,
``NUMBA_CACHE_DIR`` when set, and loaded by later processes, workers included), ``fastmath=False``
(IEEE arithmetic: the rules' NaN sentinels and the agreement with the numpy rules depend on it),
``error_model="numpy"`` (a division by zero gives inf or NaN as numpy does, with no Python
exception check in the loops) and without numba's reference counting (see `_OPTIONS`). Each
function gets one signature in use: int64, float64 and bool arrays, C-contiguous.

Numba keys a cached function by its own source file only: a kernel function that calls a rule in
another kernel module would keep running the old rule after that module changed. `_KernelLocator`
closes this gap: the cache of every kernel function is stamped with a digest of all the kernel's
source files, so a change to any of them recompiles the whole kernel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numba
from numba.core import caching

__all__ = ["KERNEL_DIR", "kernel_digest", "njit", "njit_inline"]

#: The folder of the kernel's modules; the cache stamp covers every ``*.py`` file in it.
KERNEL_DIR = Path(__file__).resolve().parent


@cache
def kernel_digest() -> str:
    """SHA-256 of the kernel's source files (names and contents), computed once per process."""
    digest = hashlib.sha256()
    for path in sorted(KERNEL_DIR.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class _KernelLocator(caching._CacheLocator):
    """numba's own cache locator for a kernel function, with the kernel's digest in its stamp."""

    def __init__(self, inner: caching._CacheLocator) -> None:
        self._inner = inner

    def ensure_cache_path(self) -> None:
        self._inner.ensure_cache_path()

    def get_cache_path(self) -> str:
        return str(self._inner.get_cache_path())

    def get_source_stamp(self) -> Any:
        return (self._inner.get_source_stamp(), kernel_digest())

    def get_disambiguator(self) -> str:
        return str(self._inner.get_disambiguator())

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> _KernelLocator | None:
        if Path(py_file).resolve().parent != KERNEL_DIR:
            return None
        for other in _LOCATORS or ():
            if other is cls:
                continue
            inner = other.from_function(py_func, py_file)
            if inner is not None:
                return cls(inner)
        return None


#: numba's list of cache locators, tried in order for each cached function: the kernel's goes first.
#: A numba without that list (another version) gets no cache rather than a cache that may be stale.
_LOCATORS: list[Any] | None = getattr(getattr(caching, "CacheImpl", None), "_locator_classes", None)
if _LOCATORS is not None and _KernelLocator not in _LOCATORS:
    _LOCATORS.insert(0, _KernelLocator)

#: numba's options for every kernel function. ``_nrt=False``: the kernel allocates nothing, so
#: numba's reference counting is switched off; its atomic counter updates on every array passed
#: between functions took about half of a month's time (measured: 5.6 -> 3.4 us a month on
#: Vlissingen). Arrays come from the caller, which keeps them alive for the call.
_OPTIONS: dict[str, Any] = {
    "cache": _LOCATORS is not None,
    "fastmath": False,
    "error_model": "numpy",
    "nogil": True,
    "_nrt": False,
}


def njit[F: Callable[..., Any]](function: F) -> F:
    """Compile `function` as a kernel function (see the module's docstring)."""
    compiled: Any = numba.njit(**_OPTIONS)(function)
    return compiled


def njit_inline[F: Callable[..., Any]](function: F) -> F:
    """Compile `function` as a kernel function that is always inlined into its callers.

    For the month-level functions (`advance`, `observe`, `step`): numba passes a named tuple by
    value, so a call that is not inlined copies every array of the structure, the state and the
    scratch space (about 6 kB) each month; inlined, nothing is copied (measured on Vlissingen:
    a month took 0.8 us longer through one such call).
    """
    compiled: Any = numba.njit(**_OPTIONS, forceinline=True)(function)
    return compiled
