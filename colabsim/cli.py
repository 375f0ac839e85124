"""The ``colabsim`` command line: run, compare, sweep, validate, factors, serve, and the analyses.

Every command that runs the model writes a run directory (see `colabsim.experiments.rundir`) and shows
progress. Bad input (a scenario file, an option) ends with a one-paragraph error naming what is
wrong and exit status 2, never a Python traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from colabsim._version import __version__
from colabsim.calibration import CalibrationError, run_calibration, run_screening
from colabsim.calibration.posterior import load_posterior, run_with_posterior
from colabsim.experiments.checks import DEFAULT_MAX_RUNS
from colabsim.experiments.ensemble import Ensemble, compare_table
from colabsim.experiments.executors import EXECUTORS, ExecutorError, default_workers
from colabsim.experiments.experiment import Experiment, load_experiment
from colabsim.experiments.lock import FolderLockedError
from colabsim.experiments.options import DEFAULT_CHUNK_SIZE, ExecutionOptions
from colabsim.experiments.progress import phase
from colabsim.experiments.rundir import RunDirError
from colabsim.experiments.store import StoreError
from colabsim.experiments.suggest import did_you_mean
from colabsim.inputs import (
    UsageError,
    at_least_two,
    baseline_first,
    describe_valid_file,
    figure_format_list,
    labelled_scenarios,
    parse_sets,
    positive,
    seed_number,
    what_if_factors,
)
from colabsim.reporting.report import KEY_METRICS
from colabsim.reporting.style import figure_formats
from colabsim.robustness.boxes import DiscoveryUnavailableError
from colabsim.robustness.comparison import DEFAULT_REPLICATIONS, CodingRobustness, CodingRobustnessError
from colabsim.robustness.discovery import box_sentence, run_discovery
from colabsim.robustness.pipeline import run_robustness
from colabsim.scenario.factors import FACTORS, markdown_table
from colabsim.scenario.loader import Scenario, ScenarioError
from colabsim.sensitivity.pipeline import SensitivityError, run_sensitivity
from colabsim.validation.study import StudyError
from colabsim.validation.submodels import TunedSetError
from colabsim.workflows import (
    TerminalProgress,
    run_experiment,
    run_scenarios,
    terminal_progress,
    write_validation_report,
)
from colabsim.workshop import add_workshop_commands

__all__ = ["main"]

#: Exit statuses (documented in the README): success; bad input (a file, a key, an option); the
#: results folder is held by another process; the command finished but some runs failed (their
#: rows say why); interrupted by Ctrl-C (finished work is kept).
EXIT_OK, EXIT_BAD_INPUT, EXIT_LOCKED, EXIT_RUNS_FAILED, EXIT_INTERRUPTED = 0, 2, 3, 4, 130

FORCE_HELP = "take over --out even if another process's lock is live (see the README's folder lock)"


def _simulate_command(args: argparse.Namespace, paths: Sequence[str], command: str) -> int:
    overrides = parse_sets(args.set)
    scenarios = baseline_first(labelled_scenarios(paths, overrides, command), getattr(args, "baseline", None))
    if args.posterior is not None:
        if getattr(args, "coding_robustness", None) is not None:
            raise UsageError("--posterior and --coding-robustness cannot be combined yet (codings x parameter draws "
                             "is not built); run them one at a time")  # fmt: skip
        return _with_posterior(args, scenarios)
    command_line = (
        "colabsim " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else f"colabsim {command}"
    )
    coding = _coding_option(args)
    progress = terminal_progress(args.quiet)
    try:
        runs = run_scenarios(
            scenarios, args.seed, args.replications, args.workers, out=args.out, command=command,
            command_line=command_line, progress=progress, coding_robustness=coding,
        )  # fmt: skip
    finally:
        if progress:
            progress.close()
    _print_summary(runs.ensemble, runs.directory, len(scenarios) * args.replications, runs.run_seconds)
    for line in runs.coding.summary() if runs.coding is not None else []:
        print(f"  {line}")
    return EXIT_OK


def _with_posterior(args: argparse.Namespace, scenarios: list[tuple[str, Scenario]]) -> int:
    posterior = load_posterior(args.posterior)
    progress = terminal_progress(args.quiet)
    try:
        answer = run_with_posterior(
            scenarios,
            posterior,
            args.draws,
            args.replications,
            args.seed,
            out=args.out,
            workers=args.workers,
            progress=progress,
        )
    finally:
        if progress:
            progress.close()
    runs = args.draws * args.replications * len(scenarios)
    print(
        f"{runs} runs ({args.draws} posterior draws x {args.replications} seeds x {len(scenarios)} scenarios); "
        f"results in {answer.directory}/ (report: {answer.directory / 'report.md'}); conditional on the bands"
    )
    for row in answer.levels.itertuples():
        print(f"  {row.scenario:<24} performance {row.mean:.3f} (90% of draws {row.q05:.3f}-{row.q95:.3f})")
    for row in answer.effects.itertuples():
        print(
            f"  {row.scenario} - {row.against}: {row.mean:+.3f} (90% of draws {row.q05:+.3f} to {row.q95:+.3f}); "
            f"helps in {row.share_helps:.0%} of draws; variance {row.variance_parameter:.0%} parameters, "
            f"{row.variance_seed:.0%} seeds"
        )
    return EXIT_OK


def _coding_option(args: argparse.Namespace) -> CodingRobustness | None:
    """``--coding-robustness N [--coding-replications R]`` of compare, or None."""
    codings, replications = getattr(args, "coding_robustness", None), getattr(args, "coding_replications", None)
    if codings is None:
        if replications is not None:
            raise UsageError("--coding-replications needs --coding-robustness CODINGS, the codings to sample")
        return None
    return CodingRobustness(codings, replications if replications is not None else DEFAULT_REPLICATIONS)


def _print_summary(ensemble: Ensemble, run_dir: Path, total: int, run_seconds: float) -> None:
    table = compare_table(ensemble.summary, ensemble.labels, KEY_METRICS[:4], ensemble=ensemble)
    print(f"{total} runs in {run_seconds:.1f} s; results in {run_dir}/ (report: {run_dir / 'report.md'})")
    for metric in KEY_METRICS[:4]:
        cells = []
        for label in ensemble.labels:
            row = table[(table["scenario"] == label) & (table["metric"] == metric)].iloc[0]
            cells.append(f"{label} {row['mean']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]")
        print(f"  {metric:<18} " + "   ".join(cells))


def _cmd_run(args: argparse.Namespace) -> int:
    return _simulate_command(args, [args.scenario], "run")


def _cmd_compare(args: argparse.Namespace) -> int:
    return _simulate_command(args, args.scenarios, "compare")


def _cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        try:
            print(describe_valid_file(path, args.max_runs))
        except ScenarioError as exc:
            print(f"invalid: {exc}", file=sys.stderr)
            status = EXIT_BAD_INPUT
    return status


def _load_design(args: argparse.Namespace, progress: TerminalProgress | None) -> Experiment:
    with phase(progress, "design"):
        return load_experiment(args.experiment, args.max_runs)


def _check_resume(args: argparse.Namespace) -> None:
    if args.resume and args.out is None:
        raise UsageError("--resume needs --out, the directory to continue")


def _execution(args: argparse.Namespace, progress: TerminalProgress | None) -> ExecutionOptions:
    """The execution options given on the command line (the defaults for those a command lacks)."""
    return ExecutionOptions(
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        chunk_size=getattr(args, "chunk_size", DEFAULT_CHUNK_SIZE),
        progress=progress or False,
        max_runs=getattr(args, "max_runs", DEFAULT_MAX_RUNS),
        force=getattr(args, "force", False),
    )


def _cmd_sweep(args: argparse.Namespace) -> int:
    _check_resume(args)
    progress = terminal_progress(args.quiet)
    try:
        experiment = _load_design(args, progress)
        result = run_experiment(experiment, args.out, _execution(args, progress), resume=args.resume)
    finally:
        if progress:
            progress.close()
    rate = result.ran / result.seconds if result.seconds > 0 else float("nan")
    print(
        f"{result.ran} runs in {result.seconds:.1f} s ({rate:.0f} runs/s); {result.total_runs} in the experiment, "
        f"{result.failed} failed; results in {result.directory}/ (report: {result.directory / 'report.md'})"
    )
    if result.failed:
        print(
            f"colabsim sweep: {result.failed} runs failed; their rows have status 'error' and the message "
            f"(see the report's 'Failed runs'); exit status {EXIT_RUNS_FAILED}",
            file=sys.stderr,
        )
        return EXIT_RUNS_FAILED
    return EXIT_OK


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    _check_resume(args)
    progress = terminal_progress(args.quiet)
    try:
        experiment = _load_design(args, progress)
        result = run_sensitivity(experiment, args.out, _execution(args, progress), resume=args.resume)
    finally:
        if progress:
            progress.close()
    print(
        f"analysis in {result.seconds:.0f} s; results in {result.directory}/ (report: {result.directory / 'report.md'})"
    )
    for output in dict.fromkeys(result.indices["output"]):
        ranking = result.ranking(str(output))
        leaders = ", ".join(
            f"{r.factor} {r.value:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]" for r in ranking.head(3).itertuples()
        )
        print(f"  {output}: {leaders}")
    return EXIT_OK


def _cmd_robustness(args: argparse.Namespace) -> int:
    _check_resume(args)
    what_if = what_if_factors(args.what_if)
    progress = terminal_progress(args.quiet)
    try:
        options = _execution(args, progress)
        result = run_robustness(args.file, args.out, what_if=what_if, options=options, resume=args.resume)
    finally:
        if progress:
            progress.close()
    where = result.directory
    print(f"robustness in {result.seconds:.0f} s; results in {where}/ (report: {where / 'report.md'})")
    if result.p1 is not None:
        p1 = result.p1
        print(f"  P1 holds in {p1.share:.0%} of the coding space (± {p1.mc_error:.1%} Monte Carlo error", end="")
        print(f"; misclassification {p1.misclassification:.1%})")
    if result.what_if is not None:
        helps, median = result.what_if.helps, result.what_if.quantiles["q50"]
        print(f"  the what-if helps in {helps.share:.0%} of the coding space (± {helps.mc_error:.1%})", end="")
        print(f", median effect {median:+.3f}")
    return EXIT_OK


def _cmd_calibrate(args: argparse.Namespace) -> int:
    _check_resume(args)
    progress = terminal_progress(args.quiet)
    workers = args.workers or default_workers()
    try:
        if args.screen:
            folder, table = run_screening(args.file, args.out, workers=workers, progress=progress)
        else:
            result = run_calibration(
                args.file, args.out, quick=args.quick, resume=args.resume, workers=workers, progress=progress, say=print
            )
    except (StudyError, TunedSetError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        if progress:
            progress.close()
    if args.screen:
        print(f"screening in {folder}/screening.csv; most influential on P1-P3 (mu* in band widths):")
        for row in table.head(12).itertuples():
            print(f"  {row.rank:>2}. {row.parameter:<28} {row.score:.3f}")
        return EXIT_OK
    where = result.directory
    print(
        f"calibration in {result.seconds / 60:.1f} min, {result.runs:,} engine runs; results in {where}/ "
        f"(report: {where / 'report.md'}); stopped: {result.stopped}"
    )
    if not result.met_every_band:
        print("  finding: no draw met every band; the model cannot reproduce P1-P3 at once within these priors")
    for row in result.posterior.itertuples():
        print(
            f"  {row.parameter:<28} prior {row.prior_q05:.3g}-{row.prior_q95:.3g}  posterior "
            f"{row.posterior_q05:.3g}-{row.posterior_q95:.3g}  ({row.verdict})"
        )
    return EXIT_OK


def _cmd_discover(args: argparse.Namespace) -> int:
    _check_resume(args)
    progress = terminal_progress(args.quiet)
    try:
        result = run_discovery(args.file, args.out, options=_execution(args, progress), resume=args.resume)
    except DiscoveryUnavailableError as exc:
        raise UsageError(str(exc)) from None
    finally:
        if progress:
            progress.close()
    where = result.directory
    print(f"discovery in {result.seconds:.0f} s; results in {where}/ (report: {where / 'report.md'})")
    print("  PRIM: " + box_sentence(result.prim, "of interest").replace("**", ""))
    return EXIT_OK


def _cmd_validate_model(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: not a folder; give the folder validation.md is written to (e.g. docs)")
    progress = terminal_progress(args.quiet)
    try:
        report = write_validation_report(args.out, quick=args.quick, scenario_dir=args.scenarios, progress=progress)
    except (StudyError, TunedSetError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        if progress:
            progress.close()
    where = report.path.parent / "validation"
    print(f"validation in {report.seconds / 60:.1f} min; report {report.path} (figures in {where}/)")
    for line in report.summary():
        print(f"  {line}")
    return EXIT_OK


def _cmd_factors(args: argparse.Namespace) -> int:
    rows = [
        (f.name, f.dimension, f.category, f"{f.default:g}", f"{f.low:g}-{f.high:g}", f.meaning)
        for f in FACTORS.values()
    ]
    header = ("factor", "dimension", "category", "default", "range", "meaning")
    if args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
    elif args.format == "markdown":
        print(markdown_table(), end="")
    else:
        widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(5)]
        for row in (header, *rows):
            print("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5])
    return EXIT_OK


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
        p.add_argument("--draws", type=positive, default=100, help="posterior draws with --posterior (default 100)")
        quiet_option(p)

    run = sub.add_parser("run", help="run one scenario with replications and write a report")
    run.add_argument("scenario", help="scenario file (.toml)")
    simulation_options(run, 10)
    figure_options(run)
    run.set_defaults(handler=_cmd_run)

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
        help="also compare over CODINGS codings sampled within the files' coded ranges (how sure is this?)",
    )
    compare.add_argument(
        "--coding-replications",
        type=at_least_two,
        default=None,
        metavar="N",
        help=f"runs per coding and scenario for --coding-robustness (default {DEFAULT_REPLICATIONS})",
    )
    compare.set_defaults(handler=_cmd_compare)

    validate = sub.add_parser(
        "validate", help="check scenario and experiment files; exit 0 if all are valid, 2 otherwise"
    )
    validate.add_argument("files", nargs="+", help="scenario or experiment files (.toml)")
    max_runs_option(validate)
    validate.set_defaults(handler=_cmd_validate)

    factors = sub.add_parser(
        "factors", help="list the determinant factors (identifier, dimension, default, range, meaning)"
    )
    factors.add_argument("--format", choices=("text", "markdown", "csv"), default="text")
    factors.set_defaults(handler=_cmd_factors)

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
    figure_options(sweep)
    sweep.set_defaults(handler=_cmd_sweep)

    sensitivity = sub.add_parser(
        "sensitivity", help="OFAT curves, Morris or Sobol' indices with CIs, and a report, for an experiment file"
    )
    sensitivity.add_argument("experiment", help="experiment file with a morris or sobol design, see experiments/")
    execution_options(sensitivity, "sensitivity", "analysis")
    max_runs_option(sensitivity)
    figure_options(sensitivity)
    sensitivity.set_defaults(handler=_cmd_sensitivity)

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
    robustness.set_defaults(handler=_cmd_robustness)

    discover = sub.add_parser(
        "discover", help="scenario discovery: the factor boxes where a collaboration succeeds or fails (PRIM, CART)"
    )
    discover.add_argument("file", help="discovery file (.toml), see experiments/discover_*.toml")
    execution_options(discover, "discover", "discovery")
    figure_options(discover)
    discover.set_defaults(handler=_cmd_discover)

    calibrate = sub.add_parser(
        "calibrate", help="ABC of the rule parameters against P1-P3's bands, with predictive checks (calibration file)"
    )
    calibrate.add_argument("file", help="calibration file (.toml), see experiments/calibration.toml")
    calibrate.add_argument("--out", type=Path, default=None, help="run folder (default runs/calibrate-<time>)")
    calibrate.add_argument("--workers", "-j", type=positive, default=None, help="worker processes (default: all cores)")
    calibrate.add_argument("--quick", action="store_true", help="the file's [quick] budget: a few minutes")
    calibrate.add_argument("--resume", action="store_true", help="continue the calibration in --out")
    calibrate.add_argument("--screen", action="store_true", help="only the Morris screening of every parameter")
    quiet_option(calibrate)
    calibrate.set_defaults(handler=_cmd_calibrate)

    validate_model = sub.add_parser(
        "validate-model", help="the model against the study's patterns, with rival submodels: writes validation.md"
    )
    validate_model.add_argument("--out", type=Path, default=Path("docs"), help="folder of validation.md (default docs)")
    validate_model.add_argument("--quick", action="store_true", help="a minute's look with thin samples (marked so)")
    validate_model.add_argument(
        "--scenarios", type=Path, default=None, help="folder with the study's scenario files (default ./scenarios)"
    )
    quiet_option(validate_model)
    validate_model.set_defaults(handler=_cmd_validate_model)

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
        print(f"colabsim {args.command}: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
