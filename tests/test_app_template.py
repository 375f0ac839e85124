"""colabsim's copy of Solara's page template differs from Solara's only where it means to."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

solara = pytest.importorskip("solara")

OURS = Path(__file__).resolve().parents[1] / "colabsim" / "templates" / "solara.html.j2"


def test_the_page_template_is_solaras_with_zoom_allowed_and_a_language() -> None:
    theirs = (Path(solara.__file__).parent / "server" / "templates" / "solara.html.j2").read_text()
    ours = OURS.read_text()
    ours_plain = re.sub(r"\A\{#.*?#\}\n", "", ours, flags=re.S)  # our note at the top
    expected = theirs.replace("<html>\n", '<html lang="en">\n', 1).replace(
        'content="width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no, minimal-ui"',
        'content="width=device-width, initial-scale=1"',
    )
    assert expected != theirs, "Solara's template changed where colabsim patches it: copy it again"
    assert ours_plain == expected, "Solara's page template changed: copy it to colabsim/templates and patch it"
    assert "user-scalable=no" not in ours and "maximum-scale" not in ours
