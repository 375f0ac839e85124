"""The workshop's A4 handout: both languages from the catalogue, readable in greyscale."""

from __future__ import annotations

import itertools
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from colabsim.app.charts import TRUST_SCALE
from colabsim.app.handout import TEXT, write_handout
from colabsim.app.i18n import translator
from colabsim.app.interventions import INTERVENTIONS
from colabsim.cli import main


def _luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@pytest.mark.parametrize(("first", "second"), [("id", "en"), ("en", "id")])
def test_the_handout_says_everything_in_both_languages(tmp_path: Path, first: str, second: str) -> None:
    out = write_handout(tmp_path / "handout.svg", first)
    text = " ".join(" ".join(node.itertext()) for node in ElementTree.parse(out).iter() if node.tag.endswith("text"))
    text = " ".join(text.split())  # wrapped lines joined
    for language in (first, second):
        tr = translator(language)
        for key in ("title", "charts", "legend", "worksheet", "col_predict"):
            assert tr(TEXT[key]) in text, (language, key)
        for button in INTERVENTIONS:
            assert tr(button.label) in text, (language, button.key)
    assert text.index(translator(first)(TEXT["title"])) < text.index(translator(second)(TEXT["title"]))


def test_the_trust_scale_reads_in_greyscale() -> None:
    lightness = [_luminance(colour) for _, colour in TRUST_SCALE]
    assert all(a > b for a, b in itertools.pairwise(lightness)), lightness


def test_the_command_writes_a_pdf_and_refuses_other_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "handout-id.pdf"
    assert main(["handout", "--lang", "id", "--out", str(target)]) == 0
    assert target.read_bytes()[:5] == b"%PDF-" and target.stat().st_size > 10_000
    assert main(["handout", "--out", str(tmp_path / "handout.docx")]) == 2
    assert "the handout is written as pdf, png, svg" in capsys.readouterr().err


@pytest.mark.parametrize("language", ["id", "en"])
def test_everything_fits_inside_the_pages_margins(tmp_path: Path, language: str) -> None:
    from PIL import Image

    out = write_handout(tmp_path / "handout.png", language)
    ink = np.asarray(Image.open(out).convert("L")) < 200
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    height, width = ink.shape
    assert rows.max() / height * 297 < 289, f"the page runs to {rows.max() / height * 297:.0f} mm of 297"
    assert columns.min() / width * 210 > 8 and columns.max() / width * 210 < 202
