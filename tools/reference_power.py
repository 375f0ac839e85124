"""How much power the distribution test of tests/test_reference.py has, at chosen sample sizes.

    python tools/reference_power.py                  # the test's sizes, 20 seed roots
    python tools/reference_power.py --reference 200 --fast 200 --roots 20

The reference sample is drawn once (its seeds fixed, as in the test); colabsim's sample is drawn
again for each of ``--roots`` other seed roots, unperturbed and with each of the test's
PERTURBATIONS. Printed per size: how often an unperturbed colabsim was rejected (should be never),
and per perturbation how often it was detected and the largest of its smallest p-values (compare it
with the first Holm threshold, FAMILY_ALPHA / 27). Change the test's sizes only with this printout.
Takes about a minute on two cores (the reference runs dominate).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_reference as t  # noqa: E402


def main() -> int:
    """Print the false-rejection and detection rates for the sizes asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=int, default=t.REFERENCE_REPLICATIONS, help="reference runs")
    parser.add_argument("--fast", type=int, default=t.FAST_REPLICATIONS, help="colabsim runs")
    parser.add_argument("--roots", type=int, default=20, help="colabsim seed roots to try")
    args = parser.parse_args()
    reference = {
        name: t.reference_sample(t.shortened(name), steps, t.REFERENCE_ROOT, args.reference)
        for name, (_, steps) in t.CASES.items()
    }
    rejected, detected = 0, {label: 0 for label, *_ in t.PERTURBATIONS}
    largest = dict.fromkeys(detected, 0.0)
    for k in range(args.roots):
        root = 1000 + 7 * k  # away from the test's own roots
        fast = {name: t.fast_sample(t.shortened(name), steps, root, args.fast) for name, (_, steps) in t.CASES.items()}
        rejected += any(reject for *_, reject in t.ks_family({n: (fast[n], reference[n]) for n in t.CASES}))
        for label, name, parameters, factors in t.PERTURBATIONS:
            perturbed = t.fast_sample(t.shortened(name, parameters, factors), t.CASES[name][1], root + 1, args.fast)
            family = t.ks_family({n: (perturbed if n == name else fast[n], reference[n]) for n in t.CASES})
            detected[label] += family[0][2]
            largest[label] = max(largest[label], family[0][1])
    print(f"{args.reference} reference and {args.fast} colabsim runs, {args.roots} seed roots:")
    print(f"  unperturbed colabsim rejected {rejected} times")
    for label in detected:
        print(f"  {label}: detected {detected[label]} times, smallest p-value at most {largest[label]:.2g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
