"""What a participant takes home: the run's numbers and log as CSV, and the end-of-run summary."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colabsim.app import summary as summary_module
from colabsim.app.catalog import Catalog
from colabsim.app.export import file_stem, log_csv, timeseries_csv
from colabsim.app.i18n import translator
from colabsim.app.session import Dashboard


@pytest.fixture
def darwin(scenario_dir: Path) -> Dashboard:
    board = Dashboard(Catalog([scenario_dir]), seed=3)
    board.choose(0, str((scenario_dir / "darwin.toml").resolve()))
    return board


def _read(data: bytes, language: str) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark, for spreadsheets
    sep, decimal = (";", ",") if language == "id" else (",", ".")
    return pd.read_csv(io.BytesIO(data), sep=sep, decimal=decimal, encoding="utf-8-sig")


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_time_series_file_holds_every_month_so_far_in_the_languages_format(
    darwin: Dashboard, language: str
) -> None:
    darwin.set_language(language)
    darwin.step(30)
    view = darwin.views()[0]
    table = _read(timeseries_csv([view], darwin.tr), language)
    assert len(table) == 30 and list(table.columns[:5]) == ["run", "scenario", "seed", "month", "date"]
    assert table["date"].iloc[0] == "2012-01" and table["date"].iloc[-1] == "2014-06"
    assert set(table["seed"]) == {3} and set(table["run"]) == {"darwin"}
    assert np.allclose(table["trust"], view.timeseries["trust"], rtol=1e-5)
    assert {"performance", "commitment", "active_programmes"} <= set(table.columns)


def test_the_log_file_has_the_changes_and_the_events_they_override(darwin: Dashboard) -> None:
    darwin.step(60)
    darwin.intervene("renew_mou")
    darwin.step(1)
    table = _read(log_csv(darwin.views(), darwin.tr), "en")
    kinds = dict(zip(table["date"], table["kind"], strict=False))
    assert kinds["2017-01"] == "intervention" and kinds["2018-07"] == "overridden"
    assert kinds["2015-01"] == "scheduled"  # happened before the change
    row = table[table["kind"] == "intervention"].iloc[0]
    assert row["text"] == "Agreement renewed (legal frame 0.35 → 0.90)" and row["kind_label"] == "your change"
    darwin.set_language("id")
    table = _read(log_csv(darwin.views(), darwin.tr), "id")
    assert "Perjanjian diperbarui" in table[table["kind"] == "intervention"].iloc[0]["text"]


def test_file_names_name_the_runs_seed_and_date(darwin: Dashboard) -> None:
    darwin.step(13)
    assert file_stem(darwin.views()) == "colabsim-darwin-seed3-2013-02"
    darwin.set_side_by_side(True)
    assert file_stem(darwin.views()).startswith("colabsim-darwin-vs-vlissingen-seed3-")


def test_replaying_the_log_for_the_runs_seed_gives_the_run_itself(darwin: Dashboard) -> None:
    darwin.step(60)
    darwin.intervene("renew_mou")
    darwin.step(20)
    darwin.set_factor("leadership", 0.7)
    darwin.step(400)
    run = darwin.runs[0]
    own = run.model.timeseries()["performance"].to_numpy(dtype=float)[-summary_module.LAST_MONTHS :]
    replayed = summary_module._with_changes(run.scenario, run.seed, run.log)
    assert replayed == pytest.approx(float(np.nanmean(own)), abs=1e-12)


def test_the_summary_measures_the_renewal_against_the_same_seeds_without_it(darwin: Dashboard) -> None:
    darwin.step(60)  # January 2017
    darwin.intervene("renew_mou")
    assert darwin.compute_summary(0) is None  # not before the end
    darwin.step(400)
    result = darwin.compute_summary(0, seeds=6)
    assert result is not None and darwin.summary(0) is result
    assert result.seeds == 6 and result.effect is not None
    assert result.effect.low > 0, f"renewing the agreement in 2017 should help Darwin: {result.effect}"
    english, bahasa = result.lines(translator("en")), result.lines(translator("id"))
    assert "Agreement renewed (legal frame 0.35 → 0.90) in Jan 2017" in english[1] and "over 6 seeds" in english[1]
    assert "Perjanjian diperbarui (kerangka regulasi 0,35 → 0,90) pada Jan 2017" in bahasa[1]
    assert "6 seed" in bahasa[1]


def test_without_changes_the_summary_says_how_much_chance_moves_a_run(darwin: Dashboard) -> None:
    darwin.step(400)
    result = darwin.compute_summary(0, seeds=4)
    assert result is not None and result.effect is None
    assert result.baseline.low <= result.baseline.value <= result.baseline.high
    assert "You made no changes" in result.lines(translator("en"))[1]
