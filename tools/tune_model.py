"""Tune the rules' technical parameters on P1-P3: Model v2's defaults, or a null/alternative submodel's.

    python tools/tune_model.py runs/tuning/v2.jsonl                          # Model v2: about an hour on two cores
    python tools/tune_model.py runs/tuning/v2.jsonl --report                 # its best entry, as a [parameters] table
    python tools/tune_model.py runs/tuning/null.jsonl --submodel null --store          # tune one submodel, keep it
    python tools/tune_model.py runs/tuning --submodel all --store            # every submodel, one log each

The search is `colabsim.validation.tuning.search` (its docstring has the loss and the stages): the
same ranges (minus what a submodel fixes), budget, seeds and loss for Model v2 and for every
submodel of `colabsim.validation.submodels`, so that each is tuned with the same effort (issue 14,
item 9). Model v2's best entry becomes the defaults in `colabsim.scenario.parameters.Parameters` by
hand (docs/ODD.md, section 7.0). ``--store`` writes a submodel's best entry into
``colabsim/validation/tuned.toml`` with the budget, loss, date and the commit of the rules it was
tuned on; docs/validation.md then needs regenerating (``colabsim validate-model --out docs``).
Every entry is appended to the log as one JSON line, so an interrupted search loses nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from colabsim.validation.fingerprint import rules_fingerprint
from colabsim.validation.study import load_study
from colabsim.validation.submodels import SUBMODELS, V2, Tuning, store_tuned, submodel
from colabsim.validation.tuning import Budget, Objective, best_entry, search

ROOT = Path(__file__).resolve().parents[1]


def rules_commit() -> str:
    """The last commit that changed the rules or the parameters' defaults (or "unknown")."""
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%H", "--", "colabsim/model/rules", "colabsim/scenario/parameters.py"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return done.stdout.strip() or "unknown (no commit)"


def _print_best(index: int, entry: dict[str, Any]) -> None:
    print(
        f"{index} {entry['stage']}: loss {entry['loss']:.2f}, min V effect {min(entry['V'].values()):+.3f}, "
        f"Darwin {entry['pd']:.3f}, ratio {entry['ratio']:.1f}, P2 {entry['p2']:.0%}, P3 {entry['p3']:.0%}",
        flush=True,
    )


def tune(name: str, log: Path, budget: Budget, start: Path | None, store: bool) -> dict[str, Any]:
    """Tune one model (``v2`` or a submodel) and, with `store`, keep a submodel's best entry."""
    model = submodel(name)
    objective = Objective(load_study(ROOT / "scenarios"), budget.seeds, model.fixed)
    begun = best_entry(start)["params"] if start is not None else None
    print(f"tuning {name} ({model.title}): {len(objective.fixed)} parameters fixed; log {log}", flush=True)
    best = search(objective, budget, begun, log, _print_best)
    if store and model is not V2:
        date = datetime.now(UTC).date().isoformat()
        tuning = Tuning(best["params"], best["loss"], budget, date, rules_commit(), rules_fingerprint())
        store_tuned(name, tuning)
        print(f"stored {name} in colabsim/validation/tuned.toml (loss {best['loss']:.3f})")
    return best


def main(argv: list[str] | None = None) -> int:
    """Run a search (or several), or report the best entry of a log (``--report``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path, help="JSON-lines log of the entries (a folder with --submodel all)")
    parser.add_argument("--submodel", default=V2.name, help="v2 (default), a submodel's name, or all")
    parser.add_argument("--seeds", type=int, default=Budget.seeds, help=f"common seeds (default {Budget.seeds})")
    parser.add_argument("--lhs", type=int, default=Budget.lhs, help=f"hypercube points (default {Budget.lhs})")
    parser.add_argument("--local", type=int, default=Budget.local, help=f"local steps (default {Budget.local})")
    parser.add_argument("--rng-seed", type=int, default=Budget.rng_seed, help="seed of the search itself")
    parser.add_argument("--start", type=Path, help="an earlier log whose best entry is a starting point")
    parser.add_argument("--store", action="store_true", help="write a submodel's best entry into tuned.toml")
    parser.add_argument("--report", action="store_true", help="print the best entry of LOG as a [parameters] table")
    args = parser.parse_args(argv)
    if args.report:
        best = best_entry(args.log)
        print(f"# loss {best['loss']:.3f}; P2 {best['p2']:.0%}, P3 {best['p3']:.0%}, ratio {best['ratio']:.1f}")
        print("[parameters]")
        for name, value in best["params"].items():
            print(f"{name} = {value:.4g}")
        return 0
    budget = Budget(args.seeds, args.lhs, args.local, args.rng_seed)
    try:
        names = [s.name for s in SUBMODELS] if args.submodel == "all" else [submodel(args.submodel).name]
    except KeyError as exc:
        parser.error(str(exc.args[0]))
    for name in names:
        log = args.log / f"{name}.jsonl" if args.submodel == "all" else args.log
        tune(name, log, budget, args.start, args.store)
    return 0


if __name__ == "__main__":
    sys.exit(main())
