"""The ``colabsim`` command line: run, compare, sweep, validate, factors, serve.

Every command that runs the model writes a run directory (see `colabsim.experiments.rundir`) and shows
progress. Bad input (a scenario file, an option) ends with a one-paragraph error naming what is
wrong and exit status 2, never a Python traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from colabsim._version import __version__
from colabsim.experiments.ensemble import compare_table, run_ensemble
from colabsim.experiments.executors import EXECUTORS, ExecutorError
from colabsim.experiments.rundir import RunDirError, new_run_dir, write_manifest
from colabsim.experiments.runner import DEFAULT_CHUNK_SIZE
from colabsim.experiments.store import StoreError
from colabsim.reporting.report import KEY_METRICS, write_results
from colabsim.reporting.style import figure_formats, parse_figure_formats
from colabsim.scenario.factors import FACTORS, markdown_table
from colabsim.scenario.loader import Scenario, ScenarioError, load_scenario
from colabsim.sensitivity.pipeline import SensitivityError, run_sensitivity
from colabsim.workflows import run_experiment

__all__ = ["main"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 2, 130


class UsageError(ValueError):
    """An option has a value the command cannot use."""


def _parse_sets(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--set {item!r}: write FACTOR=VALUE, e.g. --set legal_frame=0.9")
        try:
            values[name.strip()] = float(text)
        except ValueError:
            raise UsageError(f"--set {item!r}: {text!r} is not a number") from None
    return values


def _labelled(paths: Sequence[str], overrides: dict[str, float]) -> list[tuple[str, Scenario]]:
    scenarios, problems = [], []
    for path in paths:
        try:
            scenario = load_scenario(path)
            scenarios.append(scenario.with_factors(**overrides) if overrides else scenario)
        except ScenarioError as exc:
            problems.append(str(exc))
    if problems:
        raise UsageError("\n".join(problems))
    labels: list[str] = []
    for path in paths:
        stem = Path(path).stem
        label, n = stem, 2
        while label in labels:
            label, n = f"{stem}_{n}", n + 1
        labels.append(label)
    return list(zip(labels, scenarios, strict=True))


def _whole_number(text: str, minimum: int, rule: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{rule}, got {value}")
    return value


def _positive(text: str) -> int:
    return _whole_number(text, 1, "must be at least 1")


def _seed(text: str) -> int:
    return _whole_number(text, 0, "a seed is a non-negative whole number")


def _figure_formats(text: str) -> tuple[str, ...]:
    try:
        return parse_figure_formats(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _simulate_command(args: argparse.Namespace, paths: Sequence[str], command: str) -> int:
    scenarios = _labelled(paths, _parse_sets(args.set))
    run_dir = new_run_dir(args.out, command)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    total = len(scenarios) * args.replications
    with tqdm(total=total, unit="run", desc=command, file=sys.stderr, mininterval=0.5) as bar:
        ensemble = run_ensemble(
            scenarios, args.seed, args.replications, args.workers, progress=lambda done: bar.update(done - bar.n)
        )
    run_seconds = time.perf_counter() - clock
    command_line = (
        "colabsim " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else f"colabsim {command}"
    )
    write_results(run_dir, ensemble, scenarios, command_line)
    write_manifest(
        run_dir,
        {
            "colabsim_version": __version__,
            "command": command_line,
            "scenarios": [
                {"label": label, "name": s.name, "path": str(s.path), "sha256": s.sha256, "overrides": s.overrides}
                for label, s in scenarios
            ],
            "root_seed": args.seed,
            "replications": args.replications,
            "seeds": list(ensemble.seeds),
            "workers": args.workers,
            "timings": {
                "started": started.isoformat(),
                "finished": datetime.now(UTC).isoformat(),
                "run_seconds": round(run_seconds, 3),
                "total_seconds": round(time.perf_counter() - clock, 3),
            },
        },
    )
    table = compare_table(ensemble.summary, ensemble.labels, KEY_METRICS[:4])
    print(f"{total} runs in {run_seconds:.1f} s; results in {run_dir}/ (report: {run_dir / 'report.md'})")
    for metric in KEY_METRICS[:4]:
        cells = []
        for label in ensemble.labels:
            row = table[(table["scenario"] == label) & (table["metric"] == metric)].iloc[0]
            cells.append(f"{label} {row['mean']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]")
        print(f"  {metric:<18} " + "   ".join(cells))
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    return _simulate_command(args, [args.scenario], "run")


def _cmd_compare(args: argparse.Namespace) -> int:
    return _simulate_command(args, args.scenarios, "compare")


def _cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            print(f"invalid: {exc}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        spec = scenario.spec
        print(
            f"ok: {path} ({scenario.name}: {len(spec.actors)} actors, {len(spec.programmes)} programmes, "
            f"{len(spec.events)} events, {spec.scenario.horizon_years} years)"
        )
    return status


def _check_resume(args: argparse.Namespace) -> None:
    if args.resume and args.out is None:
        raise UsageError("--resume needs --out, the directory to continue")


def _cmd_sweep(args: argparse.Namespace) -> int:
    _check_resume(args)
    result = run_experiment(
        args.experiment, args.out, args.executor, args.workers, args.scheduler, args.resume, args.chunk_size
    )
    rate = result.ran / result.seconds if result.seconds > 0 else float("nan")
    print(
        f"{result.ran} runs in {result.seconds:.1f} s ({rate:.0f} runs/s); {result.total_runs} in the experiment, "
        f"{result.failed} failed; results in {result.directory}/ (report: {result.directory / 'report.md'})"
    )
    return EXIT_OK


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    _check_resume(args)
    result = run_sensitivity(args.experiment, args.out, args.executor, args.workers, args.scheduler, args.resume)
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


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, got {value}")
    return value


def _cmd_serve(args: argparse.Namespace) -> int:
    from colabsim.app.server import ServeError, serve  # the web dependencies load only for this command

    try:
        return serve(args.scenario, host=args.host, port=args.port, open_browser=args.open)
    except ServeError as exc:
        raise UsageError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="colabsim",
        description="Agent-based simulation of collaborative governance (sister cities, donor programmes).",
    )
    parser.add_argument("--version", action="version", version=f"colabsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def figure_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--figure-format",
            type=_figure_formats,
            default=("png",),
            metavar="FORMATS",
            help="figure files to write, e.g. png,svg (png, svg, pdf; PNG always, the report shows it)",
        )

    def simulation_options(p: argparse.ArgumentParser, replications: int) -> None:
        p.add_argument("--seed", type=_seed, default=1, help="root seed of the replications (default 1)")
        p.add_argument(
            "--replications",
            "-r",
            type=_positive,
            default=replications,
            help=f"runs per scenario (default {replications})",
        )
        p.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="FACTOR=VALUE",
            help="override a factor (repeatable); see 'colabsim factors'",
        )
        p.add_argument("--out", type=Path, default=None, help="run directory to create (default runs/<command>-<time>)")
        p.add_argument(
            "--workers", "-j", type=_positive, default=1, help="parallel processes (default 1; same numbers either way)"
        )

    run = sub.add_parser("run", help="run one scenario with replications and write a report")
    run.add_argument("scenario", help="scenario file (.toml)")
    simulation_options(run, 10)
    figure_options(run)
    run.set_defaults(handler=_cmd_run)

    compare = sub.add_parser("compare", help="compare scenarios (same seeds) and write a report with effect sizes")
    compare.add_argument("scenarios", nargs="+", help="scenario files; the first is the reference")
    simulation_options(compare, 30)
    figure_options(compare)
    compare.set_defaults(handler=_cmd_compare)

    validate = sub.add_parser("validate", help="check scenario files; exit 0 if all are valid, 2 otherwise")
    validate.add_argument("files", nargs="+", help="scenario files")
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
    sweep.add_argument("--workers", "-j", type=_positive, default=None, help="worker processes (default: all cores)")
    sweep.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://10.0.0.5:8786"
    )
    sweep.add_argument("--resume", action="store_true", help="continue the experiment in --out")
    sweep.add_argument("--chunk-size", type=_positive, default=DEFAULT_CHUNK_SIZE, help="runs per task (default 256)")
    figure_options(sweep)
    sweep.set_defaults(handler=_cmd_sweep)

    sensitivity = sub.add_parser(
        "sensitivity", help="OFAT curves, Morris or Sobol' indices with CIs, and a report, for an experiment file"
    )
    sensitivity.add_argument("experiment", help="experiment file with a morris or sobol design, see experiments/")
    sensitivity.add_argument(
        "--out", type=Path, default=None, help="output directory (default runs/sensitivity-<time>)"
    )
    sensitivity.add_argument("--executor", choices=EXECUTORS, default="processes", help="where runs execute")
    sensitivity.add_argument(
        "--workers", "-j", type=_positive, default=None, help="worker processes (default: all cores)"
    )
    sensitivity.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a Dask scheduler address")
    sensitivity.add_argument("--resume", action="store_true", help="continue an interrupted analysis in --out")
    figure_options(sensitivity)
    sensitivity.set_defaults(handler=_cmd_sensitivity)

    serve = sub.add_parser("serve", help="the workshop dashboard in the browser (http://127.0.0.1:8765 by default)")
    serve.add_argument("scenario", nargs="?", help="scenario file to show first (default: the shipped Vlissingen)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this computer)")
    serve.add_argument("--port", type=_port, default=8765, help="port to listen on (default 8765)")
    serve.add_argument("--open", action="store_true", help="open the dashboard in the default browser")
    serve.set_defaults(handler=_cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        with figure_formats(*getattr(args, "figure_format", ("png",))):
            return int(args.handler(args))
    except (UsageError, ScenarioError, RunDirError, StoreError, ExecutorError, SensitivityError) as exc:
        print(f"colabsim {args.command}: error:\n{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        hint = ""
        if hasattr(args, "resume"):  # sweep and sensitivity keep what finished
            where = args.out or "DIR"
            hint = f"; finished work is kept, continue with --resume --out {where}"
        print(f"colabsim {args.command}: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
