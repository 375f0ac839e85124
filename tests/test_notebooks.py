"""The notebooks run top to bottom in a real Jupyter kernel (nbclient), and are kept without outputs.

Each writes into a folder its reader can find (``runs/notebooks/<name>/``, here moved into the
test's folder by ``COLABSIM_NOTEBOOK_OUT``) and leaves no temporary folder behind. Their rendered
pages (``docs/notebooks/``, by ``tools/render_notebooks.py``) carry their figures.
"""

import importlib.util
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WITH_FIGURES = ("01_quickstart", "02_what_if_policy", "03_sensitivity_academic", "05_how_sure", "06_calibration")


def _renderer():
    spec = importlib.util.spec_from_file_location("render_notebooks", ROOT / "tools" / "render_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_notebooks_for_each_audience():
    names = {path.stem for path in NOTEBOOKS}
    audiences = {
        "01_quickstart",
        "02_what_if_policy",
        "03_sensitivity_academic",
        "04_workshop_guide",
        "05_how_sure",
        "06_calibration",
    }
    assert audiences <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    notebook = json.loads(path.read_text())
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code_cells, "a notebook without code"
    assert all(not cell.get("outputs") and cell.get("execution_count") is None for cell in code_cells)
    source = "".join("".join(cell["source"]) for cell in code_cells)
    assert "tempfile" not in source, "a notebook's files go to runs/notebooks/<name>/, where its reader finds them"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_published_with_its_figures(path):
    page = ROOT / "docs" / "notebooks" / f"{path.stem}.md"
    assert page.is_file(), f"run: python tools/render_notebooks.py {path.stem}"
    text = page.read_text(encoding="utf-8")
    images = [line for line in text.splitlines() if line.startswith(f"![png]({path.stem}_files/")]
    assert all((page.parent / line[7:-1]).is_file() for line in images)
    if path.stem in WITH_FIGURES:
        assert images, "the rendered notebook shows no figure"
    assert "/tmp/" not in text and "/work/" not in text and str(ROOT) not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_in_a_kernel_and_cleans_up(path, monkeypatch, tmp_path):
    temp, out = tmp_path / "tmp", tmp_path / "out"
    temp.mkdir()
    monkeypatch.setenv("MPLBACKEND", os.environ.get("MPLBACKEND", "Agg"))
    monkeypatch.setenv("TMPDIR", str(temp))  # the kernel's temporary folder: it must be empty at the end
    monkeypatch.setenv("COLABSIM_NOTEBOOK_OUT", str(out))
    renderer = _renderer()
    notebook = renderer.execute(path)  # raises CellExecutionError, naming the cell, if any cell fails
    errors = [
        o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"
    ]
    assert not errors
    assert sorted(temp.iterdir()) == [], "the notebook left temporary files behind"
    assert any((out / path.stem).iterdir()), "the notebook wrote nothing into its folder"
    printed = "".join(o.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)
    assert f"files of this notebook go to {out / path.stem}" in printed
    page = renderer.render(notebook, path.stem, tmp_path / "docs")
    if path.stem in WITH_FIGURES:
        assert any((tmp_path / "docs" / f"{path.stem}_files").glob("*.png"))
    assert str(ROOT) not in page.read_text(encoding="utf-8")
