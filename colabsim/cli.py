"""The ``colabsim`` command line: run, compare, sweep, validate, factors, serve, and the analyses.

Every command that runs the model writes a run directory (see `colabsim.experiments.rundir`) and shows
progress. Bad input (a scenario file, an option) ends with a one-paragraph error naming what is
wrong and exit status 2, never a Python traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from colabsim._version import __version__
from colabsim.calibration import CalibrationError
from colabsim.calibration.posterior import DEFAULT_DRAWS
from colabsim.commands import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_RUNS_FAILED,
    FORCE_HELP,
    cmd_calibrate,
    cmd_calibrate_compare,
    cmd_compare,
    cmd_discover,
    cmd_factors,
    cmd_robustness,
    cmd_run,
    cmd_sensitivity,
    cmd_sweep,
    cmd_validate,
    cmd_validate_model,
)
from colabsim.experiments.checks import DEFAULT_MAX_RUNS
from colabsim.experiments.executors import EXECUTORS, ExecutorError
from colabsim.experiments.lock import FolderLockedError
from colabsim.experiments.options import DEFAULT_CHUNK_SIZE
from colabsim.experiments.rundir import RunDirError
from colabsim.experiments.store import StoreError
from colabsim.experiments.suggest import did_you_mean
from colabsim.inputs import (
    UsageError,
    at_least_two,
    figure_format_list,
    positive,
    seed_number,
)
from colabsim.reporting.style import figure_formats
from colabsim.robustness.comparison import DEFAULT_REPLICATIONS, CodingRobustnessError
from colabsim.scenario.loader import ScenarioError
from colabsim.sensitivity.pipeline import SensitivityError
from colabsim.workshop import add_workshop_commands

#: The exit statuses (documented in the README) are the command line's interface too.
__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "EXIT_LOCKED", "EXIT_OK", "EXIT_RUNS_FAILED", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="colabsim",
        description="Agent-based simulation of collaborative governance (sister cities, donor programmes).",
    )
    parser.add_argument("--version", action="version", version=f"colabsim {__version__}")
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress bars (they are off anyway when stderr is not a terminal)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def quiet_option(p: argparse.ArgumentParser) -> None:
        # Also after the command (colabsim sweep x.toml -q); SUPPRESS keeps a global --quiet.
        p.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS, help="no progress bars")

    def execution_options(p: argparse.ArgumentParser, command: str, what: str) -> None:
        p.add_argument("--out", type=Path, default=None, help=f"output directory (default runs/{command}-<time>)")
        p.add_argument("--executor", choices=EXECUTORS, default="processes", help="where runs execute")
        p.add_argument("--workers", "-j", type=positive, default=None, help="worker processes (default: all cores)")
        p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a Dask scheduler address")
        p.add_argument("--resume", action="store_true", help=f"continue an interrupted {what} in --out")
        p.add_argument("--force", action="store_true", help=FORCE_HELP)
        quiet_option(p)

    def max_runs_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--max-runs",
            type=positive,
            default=DEFAULT_MAX_RUNS,
            help=f"largest experiment accepted, in runs (default {DEFAULT_MAX_RUNS:,})",
        )

    def figure_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--figure-format",
            type=figure_format_list,
            default=("png",),
            metavar="FORMATS",
            help="figure files to write, e.g. png,svg (png, svg, pdf; PNG always, the report shows it)",
        )

    def simulation_options(p: argparse.ArgumentParser, replications: int) -> None:
        p.add_argument("--seed", type=seed_number, default=1, help="root seed of the replications (default 1)")
        p.add_argument(
            "--replications",
            "-r",
            type=positive,
            default=replications,
            help=f"runs per scenario (default {replications})",
        )
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="[SCENARIO:]FACTOR=VALUE",
            help="override a factor in every scenario, or in one (named by its file's stem); repeatable",
        )
        p.add_argument("--out", type=Path, default=None, help="run directory to create (default runs/<command>-<time>)")
        p.add_argument(
            "--workers", "-j", type=positive, default=1, help="parallel processes (default 1; same numbers either way)"
        )
        p.add_argument(
            "--posterior",
            type=Path,
            default=None,
            metavar="RUN",
            help="run over parameter draws of the calibration in RUN (colabsim calibrate), -r seeds each",
        )
        p.add_argument(
            "--draws",
            type=positive,
            default=None,
            help=f"posterior draws with --posterior, per coding with --coding-robustness (default {DEFAULT_DRAWS})",
        )
        quiet_option(p)

    run = sub.add_parser("run", help="run one scenario with replications and write a report")
    run.add_argument("scenario", help="scenario file (.toml)")
    simulation_options(run, 10)
    figure_options(run)
    run.add_argument(
        "--coding-robustness",
        type=at_least_two,
        default=None,
        metavar="CODINGS",
        help="with --posterior: also sample CODINGS codings within the file's coded ranges, --draws draws each",
    )
    run.set_defaults(handler=cmd_run)

    compare = sub.add_parser("compare", help="compare scenarios (same seeds) and write a report with effect sizes")
    compare.add_argument("scenarios", nargs="+", help="scenario files")
    compare.add_argument(
        "--baseline", metavar="NAME", default=None, help="scenario the others are compared with (default: the first)"
    )
    simulation_options(compare, 30)
    figure_options(compare)
    compare.add_argument(
        "--coding-robustness",
        type=at_least_two,
        default=None,
        metavar="CODINGS",
        help="also compare over CODINGS codings sampled within the files' coded ranges (how sure is this?); "
        "with --posterior, --draws draws per coding",
    )
    compare.add_argument(
        "--coding-replications",
        type=at_least_two,
        default=None,
        metavar="N",
        help=f"runs per coding and scenario for --coding-robustness (default {DEFAULT_REPLICATIONS})",
    )
    compare.set_defaults(handler=cmd_compare)

    validate = sub.add_parser(
        "validate", help="check scenario and experiment files; exit 0 if all are valid, 2 otherwise"
    )
    validate.add_argument("files", nargs="+", help="scenario or experiment files (.toml)")
    max_runs_option(validate)
    validate.set_defaults(handler=cmd_validate)

    factors = sub.add_parser(
        "factors", help="list the determinant factors (identifier, dimension, default, range, meaning)"
    )
    factors.add_argument("--format", choices=("text", "markdown", "csv"), default="text")
    factors.set_defaults(handler=cmd_factors)

    sweep = sub.add_parser("sweep", help="run an experiment file (a design of many runs); results stream to disk")
    sweep.add_argument("experiment", help="experiment file (.toml), see experiments/")
    sweep.add_argument("--out", type=Path, default=None, help="results directory (default runs/sweep-<time>)")
    sweep.add_argument(
        "--executor", choices=EXECUTORS, default="processes", help="where runs execute (default processes)"
    )
    sweep.add_argument("--workers", "-j", type=positive, default=None, help="worker processes (default: all cores)")
    sweep.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://10.0.0.5:8786"
    )
    sweep.add_argument("--resume", action="store_true", help="continue the experiment in --out")
    sweep.add_argument("--force", action="store_true", help=FORCE_HELP)
    max_runs_option(sweep)
    quiet_option(sweep)
    sweep.add_argument("--chunk-size", type=positive, default=DEFAULT_CHUNK_SIZE, help="runs per task (default 256)")
    sweep.add_argument(
        "--posterior",
        type=Path,
        default=None,
        metavar="RUN",
        help="run every design point over parameter draws of the calibration in RUN (colabsim calibrate), the "
        "experiment's seeds each, the same draws and seeds at every point",
    )
    sweep.add_argument(
        "--draws",
        type=positive,
        default=None,
        help=f"posterior draws with --posterior, per coding with --coding-robustness (default {DEFAULT_DRAWS})",
    )
    sweep.add_argument(
        "--coding-robustness",
        type=at_least_two,
        default=None,
        metavar="CODINGS",
        help="with --posterior: also sample CODINGS codings within the scenario file's coded ranges (factors the "
        "design varies stay held), --draws draws each, the same (coding, draw, seed) at every point",
    )
    figure_options(sweep)
    sweep.set_defaults(handler=cmd_sweep)

    sensitivity = sub.add_parser(
        "sensitivity", help="OFAT curves, Morris or Sobol' indices with CIs, and a report, for an experiment file"
    )
    sensitivity.add_argument("experiment", help="experiment file with a morris or sobol design, see experiments/")
    execution_options(sensitivity, "sensitivity", "analysis")
    max_runs_option(sensitivity)
    figure_options(sensitivity)
    sensitivity.set_defaults(handler=cmd_sensitivity)

    robustness = sub.add_parser(
        "robustness", help="does P1 hold, does a what-if help, under every coding of the evidence? (robustness file)"
    )
    robustness.add_argument("file", help="robustness file (.toml), see experiments/robustness_*.toml")
    execution_options(robustness, "robustness", "study")
    figure_options(robustness)
    robustness.add_argument(
        "--what-if",
        action="append",
        default=[],
        metavar="FACTOR=VALUE",
        help="the what-if to evaluate (repeatable), replacing the file's [what_if] factors",
    )
    robustness.set_defaults(handler=cmd_robustness)

    discover = sub.add_parser(
        "discover", help="scenario discovery: the factor boxes where a collaboration succeeds or fails (PRIM, CART)"
    )
    discover.add_argument("file", help="discovery file (.toml), see experiments/discover_*.toml")
    execution_options(discover, "discover", "discovery")
    figure_options(discover)
    discover.set_defaults(handler=cmd_discover)

    calibrate = sub.add_parser(
        "calibrate", help="ABC of the rule parameters against P1-P3's bands, with predictive checks (calibration file)"
    )
    calibrate.add_argument("file", help="calibration file (.toml), see experiments/calibration.toml")
    calibrate.add_argument("--out", type=Path, default=None, help="run folder (default runs/calibrate-<time>)")
    calibrate.add_argument("--workers", "-j", type=positive, default=None, help="worker processes (default: all cores)")
    calibrate.add_argument("--quick", action="store_true", help="the file's [quick] budget: a few minutes")
    calibrate.add_argument("--resume", action="store_true", help="continue the calibration in --out")
    calibrate.add_argument("--screen", action="store_true", help="only the Morris screening of every parameter")
    calibrate.add_argument(
        "--bands",
        default=None,
        metavar="NAME",
        help="calibrate on a named set of bands instead of the file's: 'default' or one of validation's band "
        "variants, e.g. 'P2 >= 20%%' (colabsim.validation.patterns.BAND_VARIANTS)",
    )
    quiet_option(calibrate)
    calibrate.set_defaults(handler=cmd_calibrate)

    calibrate_compare = sub.add_parser(
        "calibrate-compare",
        help="what moves between finished calibrations (other bands, other priors): tables against the first",
    )
    calibrate_compare.add_argument("runs", nargs="+", metavar="RUN", help="folders of finished calibrations")
    calibrate_compare.add_argument(
        "--out", type=Path, default=None, help="folder of the comparison (default runs/calibrate-compare-<time>)"
    )
    calibrate_compare.add_argument(
        "--scenario", default=None, metavar="FILE", help="with --what-if: the scenario the what-if changes"
    )
    calibrate_compare.add_argument(
        "--what-if",
        action="append",
        default=[],
        metavar="FACTOR=VALUE",
        help="also run this what-if of --scenario over each calibration's posterior (repeatable)",
    )
    calibrate_compare.add_argument("--draws", type=positive, default=100, help="posterior draws per run (default 100)")
    calibrate_compare.add_argument(
        "--replications", "-r", type=positive, default=4, help="seeds per draw with --what-if (default 4)"
    )
    calibrate_compare.add_argument("--seed", type=seed_number, default=1, help="root seed of the what-if (default 1)")
    calibrate_compare.add_argument("--workers", "-j", type=positive, default=1, help="parallel processes (default 1)")
    quiet_option(calibrate_compare)
    calibrate_compare.set_defaults(handler=cmd_calibrate_compare)

    validate_model = sub.add_parser(
        "validate-model", help="the model against the study's patterns, with rival submodels: writes validation.md"
    )
    validate_model.add_argument("--out", type=Path, default=Path("docs"), help="folder of validation.md (default docs)")
    validate_model.add_argument("--quick", action="store_true", help="a minute's look with thin samples (marked so)")
    validate_model.add_argument(
        "--scenarios", type=Path, default=None, help="folder with the study's scenario files (default ./scenarios)"
    )
    quiet_option(validate_model)
    validate_model.set_defaults(handler=cmd_validate_model)

    add_workshop_commands(sub)
    return parser


def _unknown_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str | None:
    """An error for a mistyped command (with the closest one), or None."""
    verb = next((a for a in argv if not a.startswith("-")), None)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands = list(sub.choices)
    if verb is None or verb in commands:
        return None
    return f"colabsim: error: unknown command {verb!r}{did_you_mean(verb, commands)}; commands: {', '.join(commands)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (see the README's "Exit status")."""
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    unknown = _unknown_command(parser, argv)
    if unknown is not None:
        print(unknown, file=sys.stderr)
        return EXIT_BAD_INPUT
    args = parser.parse_args(argv)
    try:
        with figure_formats(*getattr(args, "figure_format", ("png",))):
            return int(args.handler(args))
    except FolderLockedError as exc:
        print(f"colabsim {args.command}: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except (
        UsageError,
        ScenarioError,
        RunDirError,
        StoreError,
        ExecutorError,
        SensitivityError,
        CalibrationError,
        CodingRobustnessError,
    ) as exc:
        print(f"colabsim {args.command}: error:\n{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        hint = ""
        if hasattr(args, "resume"):  # sweep and sensitivity keep what finished
            where = args.out or "DIR"
            hint = f"; finished work is kept, continue with --resume --out {where}"
            if getattr(args, "posterior", None) is not None and args.command == "sweep":
                hint += " and the same --posterior and --draws"
        print(f"colabsim {args.command}: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
