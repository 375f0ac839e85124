"""The compiled kernel: the model's rules in numba, one counterpart per numpy rule function.

The numpy rules (`colabsim.model.rules`) are the specification; each has a kernel counterpart of
the same name in the module of the same name here (``rules.communication.contact_chances`` ->
``kernel.communication.contact_chances``), taking the same arguments in compiled form
(`colabsim.model.kernel.layout`) and writing its results into ``out`` arrays. tests/kernel/ checks
every counterpart against its rule on random valid states and whole runs against the numpy engine.

`colabsim.model.kernel.run` runs whole batches to their horizon; `colabsim.model.kernel.bridge`
connects it to the numpy engine's shapes and to the Mesa model's step. Import the bridge only
after `available` said yes: it imports numba.

The kernel is used when numba can be imported, unless the environment variable
``COLABSIM_KERNEL`` says otherwise: ``off`` (also ``0``, ``numpy``) always uses the numpy engine,
``on`` (also ``1``, ``numba``) requires the kernel and fails if numba is missing; ``auto`` or
unset uses the kernel when it can. The numpy engine gives the same numbers up to rounding in the
last bits (numpy's ``power`` may use other routines than the C library's ``pow``).
"""

from __future__ import annotations

import os
from functools import cache

__all__ = ["ENVIRONMENT_VARIABLE", "KernelUnavailableError", "available", "unavailable_reason"]

#: The environment variable that switches the kernel off (``off``) or requires it (``on``).
ENVIRONMENT_VARIABLE = "COLABSIM_KERNEL"
_OFF = frozenset({"off", "0", "numpy", "false", "no"})
_ON = frozenset({"on", "1", "numba", "true", "yes"})


class KernelUnavailableError(RuntimeError):
    """The kernel was required (``COLABSIM_KERNEL=on``) but cannot be used."""


@cache
def _load() -> tuple[bool, str]:
    setting = os.environ.get(ENVIRONMENT_VARIABLE, "auto").strip().lower()
    if setting in _OFF:
        return False, f"switched off by {ENVIRONMENT_VARIABLE}={setting}"
    if setting not in _ON and setting not in {"", "auto"}:
        raise KernelUnavailableError(f"{ENVIRONMENT_VARIABLE}={setting!r} is not understood; use on, off or auto")
    try:
        from colabsim.model.kernel import bridge  # noqa: F401  (imports numba and the kernel's modules)
    except ImportError as exc:
        if setting in _ON:
            raise KernelUnavailableError(
                f"{ENVIRONMENT_VARIABLE}={setting} but numba cannot be imported: {exc}"
            ) from exc
        return False, f"numba cannot be imported ({exc})"
    return True, ""


def available() -> bool:
    """Whether runs use the compiled kernel (numba importable and not switched off).

    Raises:
        KernelUnavailableError: If ``COLABSIM_KERNEL`` requires the kernel and numba is missing,
            or has a value that is not understood.
    """
    return _load()[0]


def unavailable_reason() -> str:
    """Why the numpy engine is used instead of the kernel ("" when the kernel is used)."""
    return _load()[1]
