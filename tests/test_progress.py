"""Progress that tells the truth: phases reported through a callback, shown only on a terminal."""

from __future__ import annotations

import io
import itertools
from dataclasses import replace
from pathlib import Path

import pandas as pd

from colabsim import workflows
from colabsim.experiments.options import ExecutionOptions
from colabsim.experiments.progress import ProgressEvent, phase, relabel
from colabsim.sensitivity import pipeline
from colabsim.sensitivity.pipeline import analyse_function
from colabsim.sensitivity.problem import Problem
from colabsim.workflows import TerminalProgress, run_experiment, terminal_progress

SMALL = Path(__file__).resolve().parent / "experiments" / "small.toml"


class Recorder:
    def __init__(self) -> None:
        self.events: list[ProgressEvent] = []

    def __call__(self, event: ProgressEvent) -> None:
        self.events.append(event)

    def phases(self) -> list[str]:
        return list(dict.fromkeys(e.phase for e in self.events))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_sweep_reports_design_runs_and_report_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(workflows, "write_sweep_report", lambda *args: None)  # its figures are tested elsewhere
    recorder = Recorder()
    run_experiment(
        SMALL, out=tmp_path / "s", options=ExecutionOptions(executor="serial", chunk_size=10, progress=recorder)
    )
    assert recorder.phases() == ["design", "runs", "report and figures"]
    runs = [e for e in recorder.events if e.phase == "runs"]
    done = [e.done for e in runs]
    assert done[0] == 0 and done[-2:] == [36, 36] and len(done) == 6, "a start, every chunk, the end"
    assert done == sorted(done) and {b - a for a, b in itertools.pairwise(done[:-1])} == {6, 10}
    assert {e.total for e in runs} == {36} and runs[-1].finished and not runs[-2].finished
    design = [e for e in recorder.events if e.phase == "design"]
    assert [e.finished for e in design] == [False, True] and design[0].total is None


def test_a_resumed_sweep_starts_its_count_at_the_runs_already_written(tmp_path):
    out = tmp_path / "r"
    run_experiment(
        SMALL, out=out, options=ExecutionOptions(executor="serial", chunk_size=10, progress=False), report=False
    )
    for part in sorted((out / "parts").glob("summary-*.parquet"))[2:]:
        part.unlink()
    for part in sorted((out / "parts").glob("series-*.parquet"))[2:]:
        part.unlink()
    recorder = Recorder()
    result = run_experiment(
        SMALL, out=out, options=ExecutionOptions(executor="serial", progress=recorder), resume=True, report=False
    )
    assert result.ran == 16
    done = [e.done for e in recorder.events if e.phase == "runs"]
    assert done[0] == 20 and done[-2:] == [36, 36] and len(done) == 4, "from the 20 kept, chunk by chunk"


def _model(params: dict[str, float], rng) -> dict[str, float]:
    return {"y": params["a"] + 2 * params["b"], "z": params["a"] * params["b"]}


def test_a_sensitivity_analysis_reports_each_output_and_the_figures(tmp_path, monkeypatch):
    recorder = Recorder()
    problem = Problem(names=("a", "b"), bounds=((0.0, 1.0), (0.0, 1.0)))
    original = pipeline._analyse

    def observed(setup, plan, out, model, options, resume):  # analyse_function shows no progress: listen in
        return original(setup, plan, out, model, replace(options, progress=recorder), resume)

    monkeypatch.setattr(pipeline, "_analyse", observed)
    # The phases are under test, not the estimators (tested in test_sensitivity): make them cheap.
    empty = pd.DataFrame(columns=pipeline.analysis.INDEX_COLUMNS)
    for name in ("sobol_indices", "sobol_convergence", "delta_indices"):
        monkeypatch.setattr(pipeline.analysis, name, lambda *args, **kwargs: empty)
    monkeypatch.setattr(pipeline, "write_figures", lambda *args: {})
    monkeypatch.setattr(pipeline, "write_report", lambda *args: None)
    analyse_function(_model, problem, "sobol", 8, seed=3, out=tmp_path / "a", ofat_levels=3)
    assert recorder.phases() == ["OFAT runs", "runs", "estimation: y", "estimation: z", "figures", "report"]


def test_phase_and_relabel_are_silent_without_a_callback():
    with phase(None, "figures"):
        pass
    assert relabel(None, "x") is None and relabel(False, "x") is None  # type: ignore[arg-type]
    recorder = Recorder()
    relabel(recorder, "OFAT runs")(ProgressEvent("runs", 3, 9))  # type: ignore[misc]
    assert recorder.events == [ProgressEvent("OFAT runs", 3, 9)]


def test_a_failing_phase_still_ends():
    recorder = Recorder()
    try:
        with phase(recorder, "figures"):
            raise OSError("disk full")
    except OSError:
        pass
    assert [e.finished for e in recorder.events] == [False, True]


def test_the_terminal_shows_one_labelled_line_per_phase():
    stream = Terminal()
    show = TerminalProgress(stream)
    show(ProgressEvent("design"))
    show(ProgressEvent("design", finished=True))
    for done in (0, 5, 10):
        show(ProgressEvent("runs", done, 10))
    show(ProgressEvent("runs", 10, 10, finished=True))
    show(ProgressEvent("estimation: trust"))
    show(ProgressEvent("figures"))
    show.close()
    text = stream.getvalue()
    assert "design: 00:00" in text
    assert "runs: 100%" in text and "10/10" in text and "run/s" in text
    assert "estimation: trust: 00:0" in text and "figures: 00:0" in text


def test_progress_is_off_with_quiet_and_on_a_non_terminal():
    assert terminal_progress(quiet=False, stream=io.StringIO()) is None
    assert terminal_progress(quiet=True, stream=Terminal()) is None
    assert isinstance(terminal_progress(quiet=False, stream=Terminal()), TerminalProgress)
