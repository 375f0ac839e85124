"""What each ``colabsim`` command does: the handlers `colabsim.cli`'s parser calls.

Each handler takes the parsed arguments and returns an exit status (`EXIT_OK`, ...); bad input
raises one of the errors `colabsim.cli.main` turns into a one-paragraph message and status 2.
Kept apart from the parser (`colabsim.cli`) so that each module stays short.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from colabsim.calibration import run_calibration, run_screening
from colabsim.calibration.bands import BandsError, named_bands
from colabsim.calibration.comparison import compare_calibrations
from colabsim.calibration.comparison_what_if import WhatIf
from colabsim.calibration.posterior import DEFAULT_DRAWS, load_posterior, run_with_posterior
from colabsim.calibration.report import held_out_lines
from colabsim.calibration.sweep import PosteriorSweep, sweep_with_posterior
from colabsim.experiments.checks import DEFAULT_MAX_RUNS
from colabsim.experiments.ensemble import Ensemble, compare_table
from colabsim.experiments.executors import default_workers
from colabsim.experiments.experiment import Experiment, load_experiment
from colabsim.experiments.options import DEFAULT_CHUNK_SIZE, ExecutionOptions
from colabsim.experiments.progress import phase
from colabsim.experiments.runner import ExperimentRun
from colabsim.inputs import (
    UsageError,
    baseline_first,
    describe_valid_file,
    labelled_scenarios,
    parse_sets,
    what_if_factors,
)
from colabsim.reporting.report import KEY_METRICS
from colabsim.robustness.boxes import DiscoveryUnavailableError
from colabsim.robustness.comparison import DEFAULT_REPLICATIONS, CodingRobustness, plan_codings
from colabsim.robustness.discovery import box_sentence, run_discovery
from colabsim.robustness.pipeline import run_robustness
from colabsim.scenario.factors import FACTORS, markdown_table
from colabsim.scenario.loader import Scenario, ScenarioError, load_scenario
from colabsim.sensitivity.pipeline import run_sensitivity
from colabsim.validation.study import StudyError
from colabsim.validation.submodels import TunedSetError
from colabsim.workflows import (
    TerminalProgress,
    run_experiment,
    run_scenarios,
    study_pair,
    terminal_progress,
    write_validation_report,
)

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_RUNS_FAILED",
    "FORCE_HELP",
    "cmd_calibrate",
    "cmd_calibrate_compare",
    "cmd_compare",
    "cmd_discover",
    "cmd_factors",
    "cmd_robustness",
    "cmd_run",
    "cmd_sensitivity",
    "cmd_sweep",
    "cmd_validate",
    "cmd_validate_model",
]

#: Exit statuses (documented in the README): success; bad input (a file, a key, an option); the
#: results folder is held by another process; the command finished but some runs failed (their
#: rows say why); interrupted by Ctrl-C (finished work is kept).
EXIT_OK, EXIT_BAD_INPUT, EXIT_LOCKED, EXIT_RUNS_FAILED, EXIT_INTERRUPTED = 0, 2, 3, 4, 130

FORCE_HELP = "take over --out even if another process's lock is live (see the README's folder lock)"


@contextmanager
def _shown_progress(quiet: bool) -> Iterator[TerminalProgress | None]:
    """The terminal's progress display for a command (None if quiet or not a terminal), closed after it."""
    progress = terminal_progress(quiet)
    try:
        yield progress
    finally:
        if progress:
            progress.close()


def _simulate_command(args: argparse.Namespace, paths: Sequence[str], command: str) -> int:
    overrides = parse_sets(args.set)
    scenarios = baseline_first(labelled_scenarios(paths, overrides, command), getattr(args, "baseline", None))
    draws = _posterior_draws(args)
    if args.posterior is not None:
        return _with_posterior(args, scenarios, draws)
    if command == "run" and args.coding_robustness is not None:
        raise UsageError("run --coding-robustness samples codings x posterior draws and needs --posterior RUN; "
                         "for one file's codings alone see `colabsim robustness`")  # fmt: skip
    command_line = (
        "colabsim " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else f"colabsim {command}"
    )
    coding = _coding_option(args)
    with _shown_progress(args.quiet) as progress:
        runs = run_scenarios(
            scenarios, args.seed, args.replications, args.workers, out=args.out, command=command,
            command_line=command_line, progress=progress, coding_robustness=coding,
        )  # fmt: skip
    _print_summary(runs.ensemble, runs.directory, len(scenarios) * args.replications, runs.run_seconds)
    for line in runs.coding.summary() if runs.coding is not None else []:
        print(f"  {line}")
    return EXIT_OK


def _posterior_draws(args: argparse.Namespace) -> int:
    """``--draws`` (default `DEFAULT_DRAWS`), refused without ``--posterior``, whose draws it counts."""
    if args.draws is not None and args.posterior is None:
        raise UsageError(
            "--draws needs --posterior RUN, the calibration (colabsim calibrate) whose posterior the draws come from"
        )
    return args.draws if args.draws is not None else DEFAULT_DRAWS


def _with_posterior(args: argparse.Namespace, scenarios: list[tuple[str, Scenario]], draws: int) -> int:
    posterior = load_posterior(args.posterior)
    codings = getattr(args, "coding_robustness", None)
    plan = None
    if codings is not None:
        if getattr(args, "coding_replications", None) is not None:
            raise UsageError("with --posterior, -r sets the seeds of each (coding, draw); --coding-replications "
                             "is for --coding-robustness alone")  # fmt: skip
        if draws * args.replications < 2:
            raise UsageError("--coding-robustness with --posterior needs at least 2 runs per coding (--draws x -r)")
        # Runs per coding: draws x seeds; plan_codings checks the total against its limit before sampling.
        settings = CodingRobustness(codings, draws * args.replications)
        plan = plan_codings(scenarios, args.seed, settings, study_pair([label for label, _ in scenarios]))
    with _shown_progress(args.quiet) as progress:
        answer = run_with_posterior(
            scenarios, posterior, draws, args.replications, args.seed,
            out=args.out, workers=args.workers, progress=progress, codings=plan,
        )  # fmt: skip
    count = plan.settings.codings if plan is not None else 1
    arms = len(plan.arms) if plan is not None else len(scenarios)
    sampled = f"{count} codings x " if plan is not None else ""
    print(
        f"{count * draws * args.replications * arms} runs ({sampled}{draws} posterior draws x "
        f"{args.replications} seeds x {arms} arms); results in {answer.directory}/ "
        f"(report: {answer.directory / 'report.md'}); conditional on the bands"
    )
    cells = "codings x draws" if plan is not None else "draws"
    for row in answer.levels.itertuples():
        print(f"  {row.scenario:<24} performance {row.mean:.3f} (90% of {cells} {row.q05:.3f}-{row.q95:.3f})")
    for row in answer.effects.itertuples():
        codings_part = f", {row.share_codings_helps:.0%} of codings" if plan is not None else ""
        coding_share = f"{row.variance_coding:.0%} codings, " if plan is not None else ""
        print(
            f"  {row.scenario} - {row.against}: {row.mean:+.3f} (90% of {cells} {row.q05:+.3f} to {row.q95:+.3f}); "
            f"helps in {row.share_helps:.0%} of draws{codings_part}; variance {coding_share}"
            f"{row.variance_parameter:.0%} parameters, {row.variance_seed:.0%} seeds"
        )
    for row in answer.patterns.itertuples():
        print(f"  P1 ({row.strong} / {row.weak} in {row.band}) holds in {row.share_holds:.0%} of {cells}")
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


def cmd_run(args: argparse.Namespace) -> int:
    """``colabsim run``: one scenario's replications, with a report."""
    return _simulate_command(args, [args.scenario], "run")


def cmd_compare(args: argparse.Namespace) -> int:
    """``colabsim compare``: several scenarios on common seeds, differences against a baseline."""
    return _simulate_command(args, args.scenarios, "compare")


def cmd_validate(args: argparse.Namespace) -> int:
    """``colabsim validate``: check scenario and experiment files without running them."""
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
    """The _execution options given on the command line (the defaults for those a command lacks)."""
    return ExecutionOptions(
        executor=args.executor,
        workers=args.workers,
        scheduler=args.scheduler,
        chunk_size=getattr(args, "chunk_size", DEFAULT_CHUNK_SIZE),
        progress=progress or False,
        max_runs=getattr(args, "max_runs", DEFAULT_MAX_RUNS),
        force=getattr(args, "force", False),
    )


def cmd_sweep(args: argparse.Namespace) -> int:
    """``colabsim sweep``: an experiment file's design, in parallel, resumable (over a posterior with --posterior)."""
    _check_resume(args)
    draws = _posterior_draws(args)
    if args.coding_robustness is not None and args.posterior is None:
        raise UsageError(
            "sweep --coding-robustness samples codings x posterior draws and needs --posterior RUN; for the coding "
            "robustness of a what-if without a posterior see `colabsim robustness` or `compare --coding-robustness`"
        )
    with _shown_progress(args.quiet) as progress:
        experiment = _load_design(args, progress)
        if args.posterior is not None:
            posterior = load_posterior(args.posterior)
            swept = sweep_with_posterior(
                experiment, posterior, draws, args.out, _execution(args, progress), resume=args.resume,
                coding_robustness=args.coding_robustness,
            )  # fmt: skip
            result = swept.run
        else:
            result = run_experiment(experiment, args.out, _execution(args, progress), resume=args.resume)
    rate = result.ran / result.seconds if result.seconds > 0 else float("nan")
    print(
        f"{result.ran} runs in {result.seconds:.1f} s ({rate:.0f} runs/s); {result.total_runs} in the experiment, "
        f"{result.failed} failed; results in {result.directory}/ (report: {result.directory / 'report.md'})"
    )
    if args.posterior is not None:
        _print_posterior_sweep(swept)
    return _failed_runs(result)


def _print_posterior_sweep(swept: PosteriorSweep) -> None:
    answer = swept.answer
    points = len(answer.points)
    sampled = answer.codings > 1
    if sampled:
        print(
            f"  {answer.codings} codings x {answer.draws_used} posterior draws each x the experiment's seeds at each "
            f"of {points} design points (the same at every point); {answer.outcome}, conditional on the bands, over "
            "codings, parameters and seeds (the posterior was calibrated on the file's point codings):"
        )
    else:
        print(
            f"  {answer.draws_used} posterior draws x the experiment's seeds at each of {points} design points (the "
            f"same at every point); {answer.outcome}, conditional on the bands, over parameters and seeds (not "
            "codings):"
        )
    cells = "cells (coding, draw)" if sampled else "draws"
    levels = answer.points
    print(
        f"  design points' means {levels['mean'].min():.3f}-{levels['mean'].max():.3f}; the intervals over the "
        f"{cells} are {levels['widening'].median():.1f}x as wide as the seeds' alone (median over the points)"
    )
    for row in answer.factors.itertuples():
        codings = f", {row.share_codings_helps:.0%} of codings" if sampled else ""
        coding_share = f"{row.variance_coding:.0%} codings, " if sampled else ""
        print(
            f"  {row.factor} {row.low:g} -> {row.high:g}: {row.mean:+.3f} (90% of {cells} {row.q05:+.3f} to "
            f"{row.q95:+.3f}); above 0 in {row.share_helps:.0%} of {cells}{codings}; variance {coding_share}"
            f"{row.variance_parameter:.0%} parameters, {row.variance_seed:.0%} seeds"
        )
    for line in swept.notes:
        print(f"  {line}")


def _failed_runs(result: ExperimentRun) -> int:
    """The sweep's exit status: `EXIT_RUNS_FAILED` (and why, on standard error) if some runs failed."""
    if result.failed:
        print(
            f"colabsim sweep: {result.failed} runs failed; their rows have status 'error' and the message "
            f"(see the report's 'Failed runs'); exit status {EXIT_RUNS_FAILED}",
            file=sys.stderr,
        )
        return EXIT_RUNS_FAILED
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``colabsim sensitivity``: Morris or Sobol' indices with their report."""
    _check_resume(args)
    with _shown_progress(args.quiet) as progress:
        experiment = _load_design(args, progress)
        result = run_sensitivity(experiment, args.out, _execution(args, progress), resume=args.resume)
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


def cmd_robustness(args: argparse.Namespace) -> int:
    """``colabsim robustness``: the patterns and a what-if over the coded ranges."""
    _check_resume(args)
    what_if = what_if_factors(args.what_if)
    with _shown_progress(args.quiet) as progress:
        options = _execution(args, progress)
        result = run_robustness(args.file, args.out, what_if=what_if, options=options, resume=args.resume)
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


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``colabsim calibrate``: screening or ABC against the pattern bands."""
    _check_resume(args)
    if args.bands is not None:
        try:
            named_bands(args.bands)
        except BandsError as exc:
            raise UsageError(f"--bands: {exc}") from None
    workers = args.workers or default_workers()
    with _shown_progress(args.quiet) as progress:
        try:
            if args.screen:
                folder, table = run_screening(args.file, args.out, workers=workers, progress=progress, bands=args.bands)
            else:
                result = run_calibration(
                    args.file,
                    args.out,
                    quick=args.quick,
                    resume=args.resume,
                    workers=workers,
                    progress=progress,
                    say=print,
                    bands=args.bands,
                )
        except (StudyError, TunedSetError) as exc:
            raise UsageError(str(exc)) from None
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
    for line in held_out_lines(result):
        print(line)
    return EXIT_OK


def cmd_calibrate_compare(args: argparse.Namespace) -> int:
    """``colabsim calibrate-compare``: finished calibrations side by side, against the first."""
    factors = what_if_factors(args.what_if)
    if (factors is None) != (args.scenario is None):
        raise UsageError("--what-if FACTOR=VALUE and --scenario FILE go together: the what-if changes that scenario")
    what_if = None
    if factors is not None and args.scenario is not None:
        scenario = load_scenario(args.scenario)
        scenario.with_factors(**factors)  # a bad factor or value ends here, before anything is written
        label = Path(args.scenario).stem
        what_if = WhatIf(label, scenario, factors, args.draws, args.replications, args.seed, args.workers)
    comparison = compare_calibrations(args.runs, args.out, what_if)
    where = comparison.directory
    print(f"{len(args.runs)} calibrations compared; results in {where}/ (report: {where / 'report.md'})")
    for row in comparison.runs.itertuples():
        print(f"  {row.run}: bands {row.bands}, {row.feasible_share:.1%} of the prior meets every band")
    parameter, run, shift = comparison.largest_shift()
    print(f"  largest shift against {comparison.runs['run'].iloc[0]}: {parameter} in {run}, {shift:+.2f} posterior sd")
    if not comparison.what_if.empty:
        for row in comparison.what_if.itertuples():
            print(f"  what-if in {row.run}: effect {row.mean:+.3f} (90% of draws {row.q05:+.3f} to {row.q95:+.3f})")
    return EXIT_OK


def cmd_discover(args: argparse.Namespace) -> int:
    """``colabsim discover``: PRIM boxes and a tree of where an outcome concentrates."""
    _check_resume(args)
    with _shown_progress(args.quiet) as progress:
        try:
            result = run_discovery(args.file, args.out, options=_execution(args, progress), resume=args.resume)
        except DiscoveryUnavailableError as exc:
            raise UsageError(str(exc)) from None
    where = result.directory
    print(f"discovery in {result.seconds:.0f} s; results in {where}/ (report: {where / 'report.md'})")
    print("  PRIM: " + box_sentence(result.prim, "of interest").replace("**", ""))
    return EXIT_OK


def cmd_validate_model(args: argparse.Namespace) -> int:
    """``colabsim validate-model``: the pattern-oriented validation report."""
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out}: not a folder; give the folder validation.md is written to (e.g. docs)")
    with _shown_progress(args.quiet) as progress:
        try:
            report = write_validation_report(args.out, quick=args.quick, scenario_dir=args.scenarios, progress=progress)
        except (StudyError, TunedSetError) as exc:
            raise UsageError(str(exc)) from None
    where = report.path.parent / "validation"
    print(f"validation in {report.seconds / 60:.1f} min; report {report.path} (figures in {where}/)")
    for line in report.summary():
        print(f"  {line}")
    return EXIT_OK


def cmd_factors(args: argparse.Namespace) -> int:
    """``colabsim factors``: the determinant factors as a table."""
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
