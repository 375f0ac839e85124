"""The notebooks run: each code cell is executed in order in one namespace (no Jupyter needed)."""

import json
import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_is_stored_without_outputs(path, monkeypatch):
    notebook = json.loads(path.read_text())
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code_cells, "a notebook without code"
    assert all(not cell.get("outputs") for cell in code_cells), "notebooks are kept without outputs in git"
    monkeypatch.chdir(path.parent)
    monkeypatch.setenv("MPLBACKEND", os.environ.get("MPLBACKEND", "Agg"))
    namespace: dict = {"__name__": "__notebook__"}
    for number, cell in enumerate(code_cells, start=1):
        source = "".join(cell["source"])
        exec(compile(source, f"{path.name}, code cell {number}", "exec"), namespace)
    assert len(namespace) > 1, "the notebook defined nothing"
