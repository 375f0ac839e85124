"""The dashboard in a room, in a real browser: languages, take-home files, reload, facilitator, keys, touch.

Same set-up as ``test_app_browser.py`` (helpers in ``browser_support.py``, fixtures in ``conftest.py``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pandas as pd
from browser_support import click_until, month_text, open_dashboard, painted, upload


def _download(page: Any, selector: str) -> tuple[str, bytes]:
    with page.expect_download() as caught:
        page.locator(selector).click()
    download = caught.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_the_language_switch_translates_the_page_and_its_lang(playwright: Any, server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context, page = open_dashboard(playwright, server + "?lang=id", tmp_path / "profile")
    try:
        assert month_text(page) == "bulan 0 dari 216"
        expect(page.locator("html")).to_have_attribute("lang", "id")
        viewport = page.locator('meta[name="viewport"]').get_attribute("content")
        assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport  # pinch-zoom allowed
        page.locator(".colabsim-year").click()
        expect(page.locator(".colabsim-month")).to_have_text("bulan 12 dari 216")
        expect(page.locator(".colabsim-play")).to_have_text("Jalankan")
        painted(page)
        expect(page.locator(".colabsim-network-0")).to_contain_text("Jejaring kepercayaan, Jan 2007")
        expect(page.locator(".colabsim-sectors-0")).to_contain_text("0,8")  # the axis's decimal comma
        page.locator(".colabsim-language-en").click()
        expect(page.locator(".colabsim-month")).to_have_text("month 12 of 216")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator(".colabsim-network-0")).to_contain_text("Trust network, Jan 2007")
        expect(page.locator(".colabsim-sectors-0")).to_contain_text("0.8")
    finally:
        context.close()


def test_take_home_files_are_the_run_in_csv_and_the_charts_as_drawn(
    playwright: Any, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context, page = open_dashboard(playwright, server, tmp_path / "profile")
    try:
        for month in (1, 2, 3):
            click_until(page, ".colabsim-step", month)
        page.locator(".colabsim-do-withdraw_mediator").click()
        expect(page.locator(".colabsim-log-intervention")).to_contain_text("SSVA")
        click_until(page, ".colabsim-step", 4)
        name, data = _download(page, ".colabsim-export-timeseries .v-btn")
        assert name == "colabsim-vlissingen-seed1-2006-05-timeseries.csv"
        table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
        assert len(table) == 4 and table["date"].tolist()[-1] == "2006-04"
        name, data = _download(page, ".colabsim-export-log .v-btn")
        log = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
        assert name.endswith("-log.csv") and "intervention" in set(log["kind"])
        painted(page)
        with page.expect_download() as first:
            page.locator(".colabsim-save-svg").click()
        names = {first.value.suggested_filename}
        for _ in range(2):
            with page.expect_download() as more:
                pass
            names.add(more.value.suggested_filename)
        assert names == {f"colabsim-vlissingen-seed1-2006-05-{c}-0.svg" for c in ("network", "sectors", "dynamics")}
        svg = Path(first.value.path()).read_text()
        assert "<svg" in svg and ("Trust network" in svg or "Programme performance" in svg or "Trust and" in svg)
        with page.expect_download() as png:
            page.locator(".colabsim-save-png").click()
        assert png.value.suggested_filename.endswith(".png")
        assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        context.close()


def test_a_reload_brings_the_run_back(playwright: Any, server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context, page = open_dashboard(playwright, server, tmp_path / "profile")
    try:
        page.locator(".colabsim-scenario-0").click()
        page.get_by_role("option", name="Ambon-Darwin sister city", exact=True).click()
        click_until(page, ".colabsim-year", 12)
        page.locator(".colabsim-do-renew_mou").click()
        expect(page.locator(".colabsim-log-overridden")).to_have_count(2)
        click_until(page, ".colabsim-step", 13)
        expect(page).to_have_url(re.compile(r"[?&]run="))
        log = page.locator(".colabsim-log").all_text_contents()
        page.reload()
        page.locator(".colabsim-network-0").wait_for()
        expect(page.locator(".colabsim-month")).to_have_text("month 13 of 252")
        expect(page.locator(".colabsim-scenario-names")).to_have_text("Ambon-Darwin sister city")
        assert page.locator(".colabsim-log").all_text_contents() == log
    finally:
        context.close()


OUR_DARWIN = b'extends = "darwin.toml"\n[scenario]\nname = "Our Darwin"\n'

#: A page script that keeps an older uploaded file (300,000 characters) and fills the rest of the
#: origin's storage quota with other data, as a participant's browser might be after a long workshop.
FILL_STORAGE = """() => {
  const older = "0".repeat(64);
  localStorage.setItem("colabsim-upload:" + older, JSON.stringify({ name: "old.toml", text: "#".repeat(300000) }));
  localStorage.setItem("colabsim-uploads", JSON.stringify({ [older]: 1 }));
  let n = 0;
  for (const size of [1 << 20, 1 << 18, 1 << 16, 1 << 14, 1 << 12, 1 << 10]) {
    for (;;) {
      try { localStorage.setItem("other:" + n++, "x".repeat(size)); } catch (error) { break; }
    }
  }
}"""


def test_a_reload_brings_an_uploaded_files_run_back_from_the_browsers_storage_until_it_is_cleared(
    playwright: Any, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    # Nearly the upload limit (256 KiB), padded with comments: it fits in the browser's storage.
    data = OUR_DARWIN + b"# a note the workshop kept with its scenario\n" * 5_600
    assert 250_000 < len(data) <= 256 * 1024
    context, page = open_dashboard(playwright, server, tmp_path / "profile")
    try:
        page.evaluate(FILL_STORAGE)  # an older file kept, and the rest of the quota taken by other data
        upload(page, "mine.toml", data)
        expect(page.locator(".colabsim-scenario-names")).to_have_text("Our Darwin")
        click_until(page, ".colabsim-year", 12)
        page.locator(".colabsim-do-renew_mou").click()
        expect(page.locator(".colabsim-log-intervention")).to_have_count(1)
        click_until(page, ".colabsim-step", 13)
        expect(page).to_have_url(re.compile(r"[?&]run="))
        assert len(page.url) < 1000  # the address holds the file's hash, the browser's storage its text
        kept = page.evaluate(
            "Object.keys(localStorage).filter((k) => k.startsWith('colabsim-upload:'))"
            ".map((k) => JSON.parse(localStorage.getItem(k)).text.length)"
        )
        assert kept == [len(data)]  # the older file made room; the other data is left alone
        assert page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('other:')).length") > 0
        log = page.locator(".colabsim-log").all_text_contents()
        page.reload()
        page.locator(".colabsim-network-0").wait_for()
        expect(page.locator(".colabsim-month")).to_have_text("month 13 of 252")
        expect(page.locator(".colabsim-scenario-names")).to_have_text("Our Darwin")
        assert page.locator(".colabsim-log").all_text_contents() == log
        expect(page.locator(".colabsim-notice")).to_have_count(0)
        page.evaluate("localStorage.clear()")  # another device, or the browser's data cleared
        page.reload()
        page.locator(".colabsim-network-0").wait_for()
        expect(page.locator(".colabsim-notice")).to_contain_text(
            "Your own file mine.toml is not kept on the server: upload it again"
        )
        expect(page.locator(".colabsim-month")).to_have_text("month 0 of 216")
    finally:
        context.close()


def test_the_facilitator_sees_every_group_and_puts_one_on_the_projector(
    playwright: Any, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    group, page = open_dashboard(playwright, server + "?scenario=darwin&seed=7&group=Tim+Pariwisata", tmp_path / "g")
    facilitator, overview = None, None
    try:
        expect(page.locator(".colabsim-scenario-names")).to_have_text("Ambon-Darwin sister city")
        expect(page.locator(".colabsim-seed")).to_have_text("seed 7")
        click_until(page, ".colabsim-year", 12)
        page.locator(".colabsim-do-renew_mou").click()
        expect(page.locator(".colabsim-log-intervention")).to_have_count(1)
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "f"), executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        facilitator = context
        overview = context.pages[0] if context.pages else context.new_page()
        overview.goto(server + "?facilitator=1")
        card = overview.locator(".colabsim-group", has_text="Tim Pariwisata")
        expect(card).to_contain_text("Ambon-Darwin sister city")
        expect(card).to_contain_text("Jan 2013, month 12 of 252")
        expect(card).to_contain_text("Agreement renewed")
        expect(overview.locator(".colabsim-start-url")).to_contain_text("?scenario=vlissingen&seed=1")
        _, data = _download(overview, ".colabsim-export-summaries .v-btn")
        table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
        assert "Tim Pariwisata" in set(table["group"])
        card.locator(".colabsim-project").click()
        overview.locator(".colabsim-network-0[data-frame]").wait_for()
        expect(overview.locator(".colabsim-projected-name")).to_have_text("Tim Pariwisata")
        click_until(page, ".colabsim-step", 13)
        expect(overview.locator(".colabsim-network-0")).to_contain_text("Feb 2013")  # follows the group live
        overview.locator(".colabsim-back").click()
        expect(overview.locator(".colabsim-group")).not_to_have_count(0)
    finally:
        group.close()
        if facilitator is not None:
            facilitator.close()


def test_keys_drive_the_run_and_focus_is_visible(playwright: Any, server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context, page = open_dashboard(playwright, server, tmp_path / "profile")
    try:
        page.locator(".colabsim-month").click()  # focus on the page, not on a control
        page.keyboard.press("PageDown")
        expect(page.locator(".colabsim-month")).to_have_text("month 1 of 216")
        page.keyboard.press("ArrowRight")
        expect(page.locator(".colabsim-month")).to_have_text("month 2 of 216")
        page.locator(".colabsim-do-withdraw_mediator").click()
        expect(page.locator(".colabsim-log-intervention")).to_have_count(1)
        page.locator(".colabsim-month").click()
        page.keyboard.press("Control+z")
        expect(page.locator(".colabsim-log-intervention")).to_have_count(0)
        page.keyboard.press(" ")
        expect(page.locator(".colabsim-play")).to_have_text("Pause")
        page.keyboard.press(" ")
        expect(page.locator(".colabsim-play")).to_have_text("Play")
        page.locator(".colabsim-step").focus()
        page.keyboard.press("Tab")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineWidth")
        assert float(outline.removesuffix("px")) >= 3, f"focus outline {outline}"
    finally:
        context.close()


#: Buttons, toggles and switches (also those scrolled out of view) smaller than 44 px either way, as "w x h: text".
SMALL_TARGETS_JS = """() => {
  const small = [];
  const targets = ['button', '[role=switch]', '.v-input--selection-controls__input']
    .map((s) => '.colabsim-page ' + s).join(', ');
  for (const el of document.querySelectorAll(targets)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.width < 43.5 || r.height < 43.5) small.push(`${r.width}x${r.height}: ${el.textContent.trim().slice(0, 30)}`);
  }
  return small;
}"""


def test_touch_targets_are_at_least_44_px_on_a_tablet(playwright: Any, server: str, tmp_path: Path) -> None:
    tablet = {"width": 1024, "height": 768}
    context, page = open_dashboard(playwright, server, tmp_path / "profile", viewport=tablet)
    try:
        page.wait_for_timeout(500)
        assert page.evaluate(SMALL_TARGETS_JS) == []
    finally:
        context.close()


def test_the_summary_card_appears_when_the_run_ends(playwright: Any, server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context, page = open_dashboard(playwright, server, tmp_path / "profile")
    try:
        click_until(page, ".colabsim-year", 12)
        page.locator(".colabsim-do-withdraw_mediator").click()
        expect(page.locator(".colabsim-log-intervention")).to_have_count(1)
        page.locator(".colabsim-speed .v-btn").last.click()  # the fastest speed
        page.locator(".colabsim-play").click()
        expect(page.locator(".colabsim-month")).to_have_text("month 216 of 216 (end)", timeout=90_000)
        card = page.locator(".colabsim-summary-0")
        expect(card).to_contain_text("over the last year of this run")
        expect(card).to_contain_text("measured against the same runs without them over 16 seeds", timeout=90_000)
        expect(card).to_contain_text("95% CI")
    finally:
        context.close()


def test_uploading_a_file_and_the_scenarios_values_ask_before_a_run_is_lost(
    playwright: Any, server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    context, page = open_dashboard(playwright, server, tmp_path / "profile")
    try:
        page.locator(".colabsim-factor-admin_capacity [role=slider]").focus()
        page.keyboard.press("End")  # a start value
        expect(page.locator(".colabsim-start-values")).to_contain_text("admin capacity 1.00")
        click_until(page, ".colabsim-step", 1)
        page.locator(".colabsim-clear").click()
        expect(page.locator(".colabsim-confirm-text:visible")).to_contain_text("Going back to the scenario's values")
        page.locator(".colabsim-confirm-cancel:visible").click()
        expect(page.locator(".colabsim-start-values")).to_contain_text("admin capacity 1.00")
        assert month_text(page) == "month 1 of 216"
        upload(page, "mine.toml", b'extends = "darwin.toml"\n[scenario]\nname = "Our Darwin"\n')
        expect(page.locator(".colabsim-confirm-text:visible")).to_contain_text("Opening your file mine")
        page.locator(".colabsim-confirm-cancel:visible").click()
        expect(page.locator(".colabsim-scenario-names")).to_have_text("Ambon-Vlissingen sister city")
        assert month_text(page) == "month 1 of 216"
        expect(page.locator(".colabsim-confirm-cancel:visible")).to_have_count(0)
        page.wait_for_timeout(500)  # the pickers are made anew after "Keep this run"
        page.locator(".colabsim-scenario-0").click()  # the file stays offered
        page.get_by_role("option", name="Our Darwin", exact=True).click()
        page.locator(".colabsim-confirm-ok:visible").click()
        expect(page.locator(".colabsim-scenario-names")).to_have_text("Our Darwin")
        assert month_text(page) == "month 0 of 252"
    finally:
        context.close()
