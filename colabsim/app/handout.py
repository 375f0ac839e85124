"""The workshop's handout: one A4 page in two languages, from the dashboard's own strings.

``colabsim handout --lang id`` writes it: how to read the charts, the legend (trust scale, kinds
and sides of actors, the marks on the time axis), what each intervention stands for, and a
worksheet for predictions. Every text comes from the catalogue the page uses (`colabsim.app.i18n`),
so the handout says what the dashboard says; each text is given in the chosen language first and
in the other after it, in grey italics.

Drawn with matplotlib (already a dependency; no HTML-to-PDF engine needed) on a 210 x 297 mm
canvas. It reads in greyscale: text is black or dark grey, the trust scale is viridis (its
lightness rises steadily from dark to light), kinds of actor carry a mark inside their symbol,
sides a shape, and marks on the time axis a line type.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: the handout is a file
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Circle, Polygon, Rectangle

from colabsim.app.charts import KIND_LABELS, KIND_MARKS, MARK_STYLES, SIDE_LABELS, TRUST_SCALE
from colabsim.app.charts import TEXT as CHART_TEXT
from colabsim.app.i18n import LANGUAGES, N_, Translator, translator
from colabsim.app.interventions import INTERVENTIONS
from colabsim.reporting.style import KIND_COLOURS

__all__ = ["HANDOUT_FORMATS", "write_handout"]

#: File formats the handout is written in (by the file's suffix).
HANDOUT_FORMATS = ("pdf", "png", "svg")
#: Page size in mm (A4) and margin.
WIDTH, HEIGHT, MARGIN = 210.0, 297.0, 12.0
#: Millimetres per typographic point, and a character's mean width in em (DejaVu Sans, with room to spare).
PT, EM = 0.3528, 0.58
GREY = "#555555"

TEXT = {
    "title": N_("colabsim workshop: reading the dashboard"),
    "charts": N_("How to read the charts"),
    "network": N_("Trust network: one symbol per organisation; lines join partners, darker and thicker = more trust."),
    "sectors": N_("Programme performance by sector: how well joint programmes deliver, 0 (nothing) to 1 (all)."),
    "dynamics": N_("Trust and commitment: trust across the two sides, and the partners' mean commitment."),
    "legend": N_("Legend"),
    "trust_scale": N_("Trust (tie colour; finer steps from 0.8 up)"),
    "kinds": N_("Kind of organisation (colour and inner mark)"),
    "sides": N_("Side (shape); hollow = not taking part"),
    "marks": N_("Marks on the time axis"),
    "interventions": N_("Interventions"),
    "worksheet": N_("Worksheet: predict first, then run"),
    "col_what": N_("Intervention, and when"),
    "col_predict": N_("Your prediction: performance after 5 years (higher / same / lower)"),
    "col_saw": N_("What the run showed"),
    "col_effect": N_("Summary card: effect (95% CI)"),
    "footer": N_("Start: colabsim serve --lang id. Words: docs/glossary.md. A model for thinking, not a forecast."),
}


class _Page:
    """A 210 x 297 mm canvas with a cursor moving down the page."""

    def __init__(self, first: Translator, second: Translator) -> None:
        self.first, self.second = first, second
        self.figure = plt.figure(figsize=(WIDTH / 25.4, HEIGHT / 25.4))
        self.ax: Axes = self.figure.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, WIDTH)
        self.ax.set_ylim(HEIGHT, 0)
        self.ax.axis("off")
        self.y = MARGIN

    def text(self, x: float, width: float, message: str, size: float) -> None:
        """`message` in both languages at the cursor, wrapped to `width` mm; the cursor moves below it."""
        for tr, colour, slant, points in (
            (self.first, "black", "normal", size),
            (self.second, GREY, "italic", size - 1),
        ):
            chars = max(20, int(width / (points * PT * EM)))
            lines = textwrap.wrap(tr(message), chars) or [""]
            self.ax.text(x, self.y, "\n".join(lines), fontsize=points, va="top", ha="left", color=colour, style=slant)
            self.y += len(lines) * points * PT * 1.25 + 0.5
        self.y += 1.2

    def heading(self, message: str) -> None:
        """A section heading in both languages, with a rule under it."""
        self.y += 1.5
        first, second = self.first(message), self.second(message)
        self.ax.text(MARGIN, self.y, first, fontsize=12.5, fontweight="bold", va="top")
        self.ax.text(WIDTH - MARGIN, self.y, second, fontsize=10, style="italic", color=GREY, va="top", ha="right")
        self.y += 6
        self.ax.plot([MARGIN, WIDTH - MARGIN], [self.y, self.y], color="black", linewidth=0.6)
        self.y += 2.5


def _charts(page: _Page) -> None:
    page.heading(TEXT["charts"])
    for key in ("network", "sectors", "dynamics"):
        page.text(MARGIN + 2, WIDTH - 2 * MARGIN - 2, TEXT[key], 9)


def _inner_mark(page: _Page, x: float, y: float, kind: str, colour: str) -> None:
    page.ax.add_patch(Circle((x, y), 2.3, facecolor=colour, edgecolor="black", linewidth=0.4))
    mark = KIND_MARKS.get(kind, ("", ""))[0]
    r = 1.1
    shapes = {
        "triangle": [(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)],
        "diamond": [(x, y - r), (x + r, y), (x, y + r), (x - r, y)],
    }
    if mark == "circle":
        page.ax.add_patch(Circle((x, y), r * 0.8, facecolor="white", edgecolor="none"))
    elif mark == "rect":
        page.ax.add_patch(Rectangle((x - r * 0.8, y - r * 0.8), r * 1.6, r * 1.6, facecolor="white", edgecolor="none"))
    elif mark in shapes:
        page.ax.add_patch(Polygon(shapes[mark], facecolor="white", edgecolor="none"))


def _legend(page: _Page) -> None:
    page.heading(TEXT["legend"])
    top, ax, first = page.y, page.ax, page.first
    # The trust scale: one bin per step, labelled with its upper bound.
    ax.text(MARGIN, top, first(TEXT["trust_scale"]), fontsize=9, va="top")
    ax.text(MARGIN, top + 4, page.second(TEXT["trust_scale"]), fontsize=8, va="top", style="italic", color=GREY)
    x, bin_width = MARGIN, 90 / len(TRUST_SCALE)
    for upper, colour in TRUST_SCALE:
        ax.add_patch(Rectangle((x, top + 9), bin_width, 5, facecolor=colour, edgecolor="black", linewidth=0.3))
        ax.text(x + bin_width, top + 16, first.decimal(upper, 2 if upper * 10 % 1 else 1), fontsize=7.5, ha="right")
        x += bin_width
    # Marks on the time axis: line types.
    left = MARGIN + 100
    ax.text(left, top, first(TEXT["marks"]), fontsize=9, va="top")
    for row, (mark, (colour, line, width)) in enumerate(MARK_STYLES.items()):
        y = top + 6.5 + row * 6.5
        style = {"dashed": (0, (4, 2)), "dotted": (0, (1, 1.5)), "solid": "-"}[line]
        ax.plot([left, left + 12], [y, y], color=colour, linestyle=style, linewidth=width * 0.8)
        ax.text(left + 15, y - 1.4, first(CHART_TEXT[mark]), fontsize=8.5, va="center")
        ax.text(
            left + 15, y + 1.9, page.second(CHART_TEXT[mark]), fontsize=7.5, va="center", style="italic", color=GREY
        )
    # Kinds (colour and inner mark) and sides (shape).
    y = top + 26
    ax.text(MARGIN, y, f"{first(TEXT['kinds'])} / {page.second(TEXT['kinds'])}", fontsize=9, va="top")
    x = MARGIN + 2
    for kind, label in KIND_LABELS.items():
        _inner_mark(page, x + 2, y + 8, kind, KIND_COLOURS.get(kind, "#808080"))
        ax.text(x + 6, y + 6.3, first(label), fontsize=8.5, va="center")
        ax.text(x + 6, y + 9.8, page.second(label), fontsize=7.5, va="center", style="italic", color=GREY)
        x += 37
    y += 14
    ax.text(MARGIN, y, f"{first(TEXT['sides'])} / {page.second(TEXT['sides'])}", fontsize=9, va="top")
    glyphs = {"local": "●", "foreign": "■", "bridging": "◆"}
    x = MARGIN + 2
    for side, label in SIDE_LABELS.items():
        ax.text(x, y + 7, f"{glyphs[side]} {first(label)} / {page.second(label)}", fontsize=8.5, va="center")
        x += 60
    page.y = y + 13


def _interventions(page: _Page) -> None:
    page.heading(TEXT["interventions"])
    columns, gap = 3, 5.0
    column = (WIDTH - 2 * MARGIN - gap * (columns - 1)) / columns
    top, bottom = page.y, page.y
    for i, button in enumerate(INTERVENTIONS):
        x = MARGIN + (i % columns) * (column + gap)
        if i % columns == 0:
            top = bottom
        page.y = top
        page.ax.text(x, page.y, page.first(button.label), fontsize=9, fontweight="bold", va="top")
        page.ax.text(x, page.y + 3.8, page.second(button.label), fontsize=7.5, style="italic", color=GREY, va="top")
        page.y += 7.4
        page.text(x, column, button.meaning, 8)
        bottom = max(bottom, page.y)
    page.y = bottom


def _worksheet(page: _Page, rows: int = 4) -> None:
    page.heading(TEXT["worksheet"])
    widths = [50, 52, 42, WIDTH - 2 * MARGIN - 144]
    x, top = MARGIN, page.y
    height, header = 8.5, 0.0
    for key, width in zip(("col_what", "col_predict", "col_saw", "col_effect"), widths, strict=True):
        first = textwrap.fill(page.first(TEXT[key]), int((width - 2) / (8 * PT * EM)))
        second = textwrap.fill(page.second(TEXT[key]), int((width - 2) / (7 * PT * EM)))
        below = top + 1 + 3.6 * (first.count("\n") + 1)
        page.ax.text(x + 1.2, top + 1, first, fontsize=8, fontweight="bold", va="top")
        page.ax.text(x + 1.2, below, second, fontsize=7, style="italic", color=GREY, va="top")
        header = max(header, below - top + 3.2 * (second.count("\n") + 1) + 1.5)
        x += width
    total = header + rows * height
    x = MARGIN
    for width in [0, *widths]:
        x += width
        page.ax.plot([x, x], [top, top + total], color="black", linewidth=0.5)
    for row in range(rows + 2):
        y = top if row == 0 else top + header + (row - 1) * height
        page.ax.plot([MARGIN, WIDTH - MARGIN], [y, y], color="black", linewidth=0.8 if row < 2 else 0.5)
    page.y = top + total + 3


def write_handout(path: str | Path, language: str = "id") -> Path:
    """Write the handout to `path` (PDF, PNG or SVG by its suffix), `language` first, the other second.

    Raises:
        ValueError: If `language` is not one of `colabsim.app.i18n.LANGUAGES`.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    other = next(code for code in LANGUAGES if code != language)
    page = _Page(translator(language), translator(other))
    try:
        page.ax.text(MARGIN, page.y, page.first(TEXT["title"]), fontsize=17, fontweight="bold", va="top")
        page.y += 8
        page.ax.text(MARGIN, page.y, page.second(TEXT["title"]), fontsize=11, style="italic", color=GREY, va="top")
        page.y += 5
        _charts(page)
        _legend(page)
        _interventions(page)
        _worksheet(page)
        page.text(MARGIN, WIDTH - 2 * MARGIN, TEXT["footer"], 7.5)
        target = Path(path)
        # Text stays text in an SVG (searchable, editable) and fonts are embedded whole in a PDF.
        with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
            page.figure.savefig(target, dpi=200 if target.suffix.lower() == ".png" else None)
        return target
    finally:
        plt.close(page.figure)
