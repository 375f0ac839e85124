"""Every colabsim name the README, the docs and the notebooks use can be imported.

The names are read from the documents themselves (their code parsed, their prose scanned), so
the test follows the docs as they change: a renamed function or a moved module that a document
still mentions fails here, naming the document and the name.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "notebooks").glob("*.ipynb")),
]
DOTTED = re.compile(r"\bcolabsim(?:\.[A-Za-z_]\w*)+")
# File names colabsim writes that read like dotted names (the results folder's lock file).
FILE_NAMES = {"colabsim.lock"}
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _code_and_prose(path: Path) -> tuple[list[str], str]:
    """The Python code of a document (code cells, fenced blocks) and all of its text."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".ipynb":
        return FENCE.findall(text), text
    cells = json.loads(text)["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    prose = "\n".join("".join(c["source"]) for c in cells)
    return code + FENCE.findall(prose), prose


def _chain(node: ast.expr) -> list[str] | None:
    """``a.b.c`` as ["a", "b", "c"]; None for anything but names and attributes."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


def _names_in_code(source: str) -> set[str]:
    """Dotted colabsim names the code imports or reaches through an imported colabsim module."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # local name -> the colabsim name it stands for
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "colabsim":
                    names.add(alias.name)
                    local = alias.asname or alias.name.split(".")[0]
                    bound[local] = alias.name if alias.asname else "colabsim"
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "colabsim":
            for alias in node.names:
                names.add(f"{node.module}.{alias.name}")
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            chain = _chain(node)
            if chain and chain[0] in bound:
                names.add(".".join([bound[chain[0]], *chain[1:]]))
    return names


def referenced_names(path: Path) -> set[str]:
    """Every colabsim name a document uses, in its code or its prose."""
    code, prose = _code_and_prose(path)
    names = set(DOTTED.findall(prose)) - FILE_NAMES
    for source in code:
        names |= _names_in_code(source)
    return names


def resolve(name: str) -> object:
    """Import the longest module prefix of a dotted name, then look the rest up as attributes.

    Raises:
        ImportError: If no prefix is a module, or an attribute is missing.
    """
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            found: object = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and not module_name.startswith(error.name):
                raise  # the module exists but imports something missing: a real failure
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                raise ImportError(f"{'.'.join(parts[:cut])} has no {'.'.join(parts[cut:])!r}")
            found = getattr(found, attribute)
        return found
    raise ImportError(f"no module {name!r}")


def test_the_file_names_exempted_are_the_ones_colabsim_writes():
    from colabsim.experiments.lock import LOCK_NAME

    assert {LOCK_NAME} == FILE_NAMES


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_colabsim_name_a_document_uses_exists(path):
    missing = {}
    for name in sorted(referenced_names(path)):
        try:
            resolve(name)
        except ImportError as error:
            missing[name] = str(error)
    assert not missing, f"{path.relative_to(ROOT)} uses names that do not exist: {missing}"


def test_the_documents_are_read_for_their_names():
    """The reader finds what the README and a notebook use, so the test above cannot pass on nothing."""
    readme = referenced_names(ROOT / "README.md")
    assert {"colabsim", "colabsim.load_scenario", "colabsim.sensitivity.analyse_function"} <= readme
    notebook = referenced_names(ROOT / "notebooks" / "03_sensitivity_academic.ipynb")
    assert "colabsim.sensitivity.Problem" in notebook
    code = "import colabsim as cs\nfrom colabsim.reporting import plots\ncs.simulate(x)\nplots.nothing_here(1)\n"
    assert _names_in_code(code) >= {"colabsim", "colabsim.simulate", "colabsim.reporting.plots.nothing_here"}
    with pytest.raises(ImportError, match="nothing_here"):
        resolve("colabsim.reporting.plots.nothing_here")
    with pytest.raises(ImportError):
        resolve("colabsim.no_such_module.thing")


def test_the_readme_promise_holds():
    from colabsim.sensitivity import Estimation, analyse_function, run_sensitivity

    assert callable(analyse_function) and callable(run_sensitivity) and Estimation().resamples > 0
    assert isinstance(resolve("colabsim.sensitivity"), ModuleType)
