"""Agreement between the first coding and a second coder's worksheet (issue 17, item 2).

The second coder fills in the worksheet at the end of docs/coding/packet.md (value, range, shape,
basis per collaboration and factor) and returns it. This script reads the filled worksheet, pairs
each value with the first coding's (codings.toml; Darwin's legal frame with its last dated value,
the state the study describes) and reports Krippendorff's alpha with the interval metric and the
codings that differ most.

    python docs/coding/agreement.py filled_packet.md
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

__all__ = ["WorksheetError", "alpha_by_collaboration", "compare", "interval_alpha", "read_worksheet"]

HERE = Path(__file__).resolve().parent
_ROW = re.compile(r"^\|\s*(\w+)\s*\|\s*`(\w+)`\s*\|\s*([^|]*)\|")


class WorksheetError(ValueError):
    """A filled worksheet that cannot be read; the message names the file and line."""


def interval_alpha(pairs: Sequence[tuple[float, float]]) -> float:
    """Krippendorff's alpha, interval metric, for two coders with no missing values.

    alpha = 1 - D_o / D_e, where D_o is the mean squared difference within units and D_e the mean
    squared difference over all pairs of values regardless of unit (Krippendorff 2004, ch. 11).

    Raises:
        ValueError: With fewer than two units, or when all values are equal (alpha undefined).
    """
    if len(pairs) < 2:
        raise ValueError("alpha needs at least two coded units")
    values = [v for pair in pairs for v in pair]
    n = len(values)
    observed = sum(2 * (a - b) ** 2 for a, b in pairs) / n
    expected = sum((x - y) ** 2 for i, x in enumerate(values) for y in values[i + 1 :]) * 2 / (n * (n - 1))
    if expected == 0:
        raise ValueError("alpha is undefined when every value is the same")
    return 1 - observed / expected


def read_worksheet(path: Path) -> dict[tuple[str, str], float]:
    """The values of a filled worksheet: (collaboration, factor) -> value.

    Raises:
        WorksheetError: A value that is not a number in [0, 1], a row given twice, or no rows.
    """
    values: dict[tuple[str, str], float] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = _ROW.match(line)
        if not match:
            continue
        scenario, factor, cell = match.group(1), match.group(2), match.group(3).strip()
        if not cell:
            continue  # not coded (yet)
        try:
            value = float(cell)
        except ValueError:
            raise WorksheetError(
                f"{path}, line {number}: value {cell!r} of {scenario}/{factor} is not a number"
            ) from None
        if not 0 <= value <= 1:
            raise WorksheetError(f"{path}, line {number}: value {value:g} of {scenario}/{factor} is outside [0, 1]")
        if (scenario, factor) in values:
            raise WorksheetError(f"{path}, line {number}: {scenario}/{factor} is coded twice")
        values[scenario, factor] = value
    if not values:
        raise WorksheetError(f"{path}: no filled worksheet rows ('| collaboration | `factor` | value | ...')")
    return values


def _build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("codebook_build", HERE / "build.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {HERE / 'build.py'}")
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    if spec.name not in sys.modules:
        sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
    return module


def compare(second: dict[tuple[str, str], float]) -> tuple[float, list[tuple[str, str, float, float]]]:
    """Alpha between the first coding and `second`, and the pairs sorted by their difference.

    Raises:
        WorksheetError: If `second` codes a collaboration or factor the first coding lacks.
    """
    book = _build().load_codebook()
    rows = []
    for (scenario, factor), value in second.items():
        try:
            coding = book.codings[scenario][factor]
        except KeyError:
            raise WorksheetError(f"the first coding has no {scenario}/{factor}") from None
        first = coding["later"][-1]["value"] if coding.get("later") else coding["value"]
        rows.append((scenario, factor, first, value))
    rows.sort(key=lambda row: -abs(row[2] - row[3]))
    return interval_alpha([(a, b) for _, _, a, b in rows]), rows


def alpha_by_collaboration(rows: Sequence[tuple[str, str, float, float]]) -> dict[str, float]:
    """Alpha within each collaboration (rows as `compare` returns them).

    Pooled over collaborations, alpha also credits the coders for telling the collaborations apart;
    within one, only for grading its factors alike.
    """
    pairs: dict[str, list[tuple[float, float]]] = {}
    for scenario, _, first, second in rows:
        pairs.setdefault(scenario, []).append((first, second))
    return {scenario: interval_alpha(values) for scenario, values in pairs.items()}


def main(argv: list[str]) -> int:
    """Print alpha and the codings that differ by 0.2 or more."""
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        alpha, rows = compare(read_worksheet(Path(argv[0])))
    except (OSError, WorksheetError) as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    within = "; ".join(f"{scenario} {value:.3f}" for scenario, value in alpha_by_collaboration(rows).items())
    print(f"Krippendorff's alpha (interval), {len(rows)} codings: {alpha:.3f} (within each collaboration: {within})\n")
    print("| collaboration | factor | first | second |\n|---|---|---|---|")
    for scenario, factor, first, value in rows:
        if abs(first - value) >= 0.2:
            print(f"| {scenario} | `{factor}` | {first:g} | {value:g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
