"""Named sets of bands: the calibration's defaults and validation's alternative band variants.

A calibration may run on one of validation's band variants
(`colabsim.validation.patterns.BAND_VARIANTS`) instead of the default bands: ``[targets] bands =
"P2 >= 20%"`` in the calibration file, or ``colabsim calibrate FILE --bands "P2 >= 20%"``. A
variant moves one band; where it gives only a lower side (P2 and P3 are one-sided in the study),
the calibration's upper side stays. Each named set has a hash (`colabsim.calibration.targets.bands_hash`)
by which a run folder's bands are recognised again (`bands_name`): a posterior calibrated on a
named set may be used, one calibrated on bands nobody can name may not.
"""

from __future__ import annotations

from colabsim.calibration.store import CalibrationError
from colabsim.calibration.targets import DEFAULT_TARGETS, Target, bands_hash, with_bands
from colabsim.experiments.suggest import did_you_mean
from colabsim.validation.patterns import BAND_VARIANTS

__all__ = ["DEFAULT_BANDS", "BandsError", "band_names", "bands_name", "named_bands", "variant_targets"]

#: The name of the calibration's own bands (`colabsim.calibration.targets.DEFAULT_TARGETS`).
DEFAULT_BANDS = "default"


class BandsError(CalibrationError):
    """A band variant's name that is not one of validation's variants."""


def band_names() -> tuple[str, ...]:
    """Every name `named_bands` accepts: the defaults, then validation's variants in their order."""
    return (DEFAULT_BANDS, *(label for label, _ in BAND_VARIANTS))


def _canonical(name: str) -> str:
    # "P2>=20%" and "p2 >= 20%" are the same variant: a shell argument is easier without spaces.
    return "".join(name.split()).casefold()


def variant_targets(label: str, targets: tuple[Target, ...]) -> tuple[Target, ...]:
    """`targets` with the bands of validation's variant `label` moved (a missing side keeps the target's own).

    Raises:
        BandsError: If `label` is not one of validation's variants.
    """
    variant = dict(BAND_VARIANTS).get(label)
    if variant is None:
        raise BandsError(f"{label!r} is not one of validation's band variants")
    by_key = {t.key: t for t in targets}
    moved = {
        key: (
            band.low if band.low is not None else by_key[key].low,
            band.high if band.high is not None else by_key[key].high,
        )
        for key, band in variant.items()
    }
    return with_bands(targets, moved, note=f"validation's band variant {label!r} (patterns.BAND_VARIANTS)")


def named_bands(name: str) -> tuple[str, tuple[Target, ...]]:
    """The canonical name and the targets of a named set of bands (spaces and case do not matter).

    Raises:
        BandsError: If `name` names no set, with the closest name and every allowed one.
    """
    names = band_names()
    found = next((n for n in names if _canonical(n) == _canonical(name)), None)
    if found is None:
        allowed = ", ".join(repr(n) for n in names)
        raise BandsError(f"unknown bands {name!r}{did_you_mean(name, list(names))}; allowed: {allowed}")
    return found, DEFAULT_TARGETS if found == DEFAULT_BANDS else variant_targets(found, DEFAULT_TARGETS)


def bands_name(recorded_hash: str | None) -> str | None:
    """The name of the set of bands with this hash (`colabsim.calibration.targets.bands_hash`), or None."""
    for name in band_names():
        if bands_hash(named_bands(name)[1]) == recorded_hash:
            return name
    return None
