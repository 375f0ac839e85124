"""The dashboard page rendered in-process by Solara (widgets, no browser): controls drive the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

solara = pytest.importorskip("solara")

from colabsim.app.page import Page  # noqa: E402


def _find(root: Any, css_class: str) -> list[Any]:
    found: list[Any] = []

    def walk(widget: Any) -> None:
        attributes = getattr(widget, "attributes", None) or {}
        if (
            css_class in (getattr(widget, "class_", None) or "").split()
            or css_class in getattr(widget, "_dom_classes", ())
            or css_class in str(attributes.get("class", "")).split()
        ):
            found.append(widget)
        for child in getattr(widget, "children", None) or []:
            if not isinstance(child, str):
                walk(child)

    walk(root)
    return found


def _text(root: Any, css_class: str) -> str:
    return "".join(str(c) for c in _find(root, css_class)[0].children)


def test_page_steps_intervenes_and_redraws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLABSIM_SCENARIO", raising=False)
    box, rc = solara.render(Page(), handle_error=False)
    try:
        assert _text(box, "colabsim-month") == "month 0 of 216"
        network = _find(box, "colabsim-network-0")[0].frame
        _find(box, "colabsim-step")[0].fire_event("click", {})
        _find(box, "colabsim-step")[0].fire_event("click", {})
        assert _text(box, "colabsim-month") == "month 2 of 216"
        assert _find(box, "colabsim-network-0")[0].frame != network
        withdraw = _find(box, "colabsim-do-withdraw_mediator")[0]
        assert not withdraw.disabled
        withdraw.fire_event("click", {})
        assert _find(box, "colabsim-do-withdraw_mediator")[0].disabled
        assert "has left already" in _text(box, "colabsim-note-withdraw_mediator")
        assert "SSVA" in _text(box, "colabsim-log-intervention")
        university = _find(box, "colabsim-do-add_university")[0]
        assert university.disabled
        _find(box, "colabsim-reset")[0].fire_event("click", {})
        assert _text(box, "colabsim-month") == "month 0 of 216"
        assert not _find(box, "colabsim-do-withdraw_mediator")[0].disabled
    finally:
        rc.close()


def test_factor_sliders_come_from_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    from colabsim.scenario.factors import FACTORS

    monkeypatch.delenv("COLABSIM_SCENARIO", raising=False)
    box, rc = solara.render(Page(), handle_error=False)
    try:
        shown = [name for name in FACTORS if _find(box, f"colabsim-factor-{name}")]
        # dimensions start folded except a few; the open ones show every factor with its meaning
        assert {"legal_frame", "admin_capacity", "commitment", "mediation", "leadership"} <= set(shown)
        container = _find(box, "colabsim-factor-legal_frame")[0]
        sliders = [w for w in _find_all(container) if type(w).__name__ == "Slider"]
        assert sliders[0].hint == FACTORS["legal_frame"].meaning and sliders[0].v_model == 0.9
    finally:
        rc.close()


def _find_all(root: Any) -> list[Any]:
    out = [root]
    for child in getattr(root, "children", None) or []:
        if not isinstance(child, str):
            out += _find_all(child)
    return out


def test_leaving_side_by_side_gives_the_left_run_its_own_time_axis_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLABSIM_SCENARIO", raising=False)
    box, rc = solara.render(Page(), handle_error=False)
    try:
        switch = _find(box, "colabsim-side-by-side")[0]
        switch.v_model = True  # at month 0 nothing is lost: no question
        assert len(_find(box, "colabsim-sectors-0")[0].option["xAxis"]["data"]) == 324  # 2006-2032, shared
        _find(box, "colabsim-step")[0].fire_event("click", {})
        _find(box, "colabsim-side-by-side")[0].v_model = False
        _find(box, "colabsim-confirm-ok")[0].fire_event("click", {})  # the run has moved: confirm
        chart = _find(box, "colabsim-sectors-0")[0]
        assert len(chart.option["xAxis"]["data"]) == 216  # Vlissingen's own 2006-2023
        mean = next(s for s in chart.frame["series"] if s["id"] == "mean")
        assert len(mean["data"]) == 1  # no padding left from the shared calendar
    finally:
        rc.close()


def test_the_page_starts_in_the_served_language_and_switches_per_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLABSIM_SCENARIO", raising=False)
    monkeypatch.setenv("COLABSIM_LANG", "id")  # colabsim serve --lang id
    box, rc = solara.render(Page(), handle_error=False)
    try:
        assert _text(box, "colabsim-month") == "bulan 0 dari 216"
        assert _text(box, "colabsim-scenario-names") == "Kota kembar Ambon-Vlissingen"
        assert next(w for w in _find_all(box) if type(w).__name__ == "BrowserWidget").lang == "id"
        _find(box, "colabsim-step")[0].fire_event("click", {})
        _find(box, "colabsim-do-withdraw_mediator")[0].fire_event("click", {})
        assert "keluar" in _text(box, "colabsim-log-intervention")
        assert _find(box, "colabsim-sectors-0")[0].decimal == ","
        _find(box, "colabsim-language")[0].v_model = 0  # the first button: EN
        assert _text(box, "colabsim-month") == "month 1 of 216"
        assert "SSVA (Ambon-Vlissingen sister-city foundation) leaves" in _text(box, "colabsim-log-intervention")
        assert next(w for w in _find_all(box) if type(w).__name__ == "BrowserWidget").lang == "en"
        assert _find(box, "colabsim-sectors-0")[0].decimal == "."
    finally:
        rc.close()


def test_keys_play_step_and_undo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLABSIM_SCENARIO", raising=False)
    monkeypatch.delenv("COLABSIM_LANG", raising=False)
    box, rc = solara.render(Page(), handle_error=False)
    try:
        keys = next(w for w in _find_all(box) if type(w).__name__ == "BrowserWidget")
        month = lambda: "".join(str(c) for c in _find(box, "colabsim-month")[0].children)  # noqa: E731
        keys.vue_press("step")
        keys.vue_press("step")
        assert month() == "month 2 of 216"
        _find(box, "colabsim-do-withdraw_mediator")[0].fire_event("click", {})
        assert _find(box, "colabsim-log-intervention")
        keys.vue_press("undo")
        assert not _find(box, "colabsim-log-intervention") and month() == "month 2 of 216"
        keys.vue_press("shutdown")  # not an action: nothing happens
        assert month() == "month 2 of 216"
        assert "run=" not in keys.state and keys.state  # the run's state for the address
    finally:
        rc.close()


def test_a_reloaded_page_asks_its_browser_for_the_kept_file_before_it_restores(
    monkeypatch: pytest.MonkeyPatch, scenario_dir: Path
) -> None:
    from colabsim.app.catalog import Catalog
    from colabsim.app.restore import encode, snapshot
    from colabsim.app.session import Dashboard
    from colabsim.app.upload import digest_of

    monkeypatch.delenv("COLABSIM_SCENARIO", raising=False)
    monkeypatch.delenv("COLABSIM_LANG", raising=False)
    data = b'extends = "darwin.toml"\n[scenario]\nname = "Mine"\n'
    before = Dashboard(Catalog([scenario_dir]), seed=1)
    before.upload_file(0, "mine.toml", data)
    before.step(5)
    before.intervene("renew_mou")
    text = encode(snapshot(before))

    @solara.component
    def Reloaded() -> None:  # noqa: N802
        solara.routing.router_context.provide(solara.routing.Router(f"/?run={text}", []))
        Page()

    for answer, month, notice in (
        ({digest_of(data): data.decode()}, "month 5 of 252", None),
        ({}, "month 0 of 216", "upload it again"),
    ):
        box, rc = solara.render(Reloaded(), handle_error=False)
        try:
            browser = next(w for w in _find_all(box) if type(w).__name__ == "BrowserWidget")
            assert browser.wanted == [digest_of(data)] and browser.state is None  # the address is left alone
            browser.vue_stored({**answer, "f" * 64: "not asked for"})
            assert _text(box, "colabsim-month") == month and browser.wanted == []
            if notice is None:
                assert _text(box, "colabsim-scenario-names") == "Mine" and _find(box, "colabsim-log-intervention")
                assert browser.state == text and set(browser.keep) == {digest_of(data)}
            else:
                assert notice in _text(box, "colabsim-notice") and browser.keep == {}
        finally:
            rc.close()
