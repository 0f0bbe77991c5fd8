"""The notebooks in notebooks/: stored without outputs, and each one runs top to bottom.

Each notebook runs in a fresh Jupyter kernel, the "python3" kernel that ipykernel
installs into this environment (so it uses this Python and what is installed in it),
driven by nbclient as Jupyter would run it. The kernel's working folder is a temporary
one, so the files a notebook writes stay out of the repository, and the repository is
first on its PYTHONPATH, so the notebooks import this checkout's packages. A cell that
raises fails the test with the cell and its traceback. The notebooks check their own
results (``assert report.ok``, the articles' published numbers); the tests here add what
only a reader of the outputs would see: nothing printed to stderr (no warnings), and the
exercise notebook grading its blanks as MISSING.

Notebooks are committed without outputs or execution counts, so that their diffs show
only what was written. To strip one after running it in Jupyter: "Edit > Clear Outputs
of All Cells", then save; or ``jupyter nbconvert --clear-output --inplace notebooks/*.ipynb``.
"""
from __future__ import annotations

import functools
import os
import pathlib
import tempfile

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"

NOTEBOOKS = [
    "01_the_engine_in_twenty_minutes.ipynb",
    "02_article000_bias_trick.ipynb",
    "03_article001_column_vectors.ipynb",
    "04_article002_logistic_mlp.ipynb",
    "05_article003_xor_activations.ipynb",
]

CELL_TIMEOUT = 300  # seconds; every notebook takes a few seconds in all


def read(name):
    return nbformat.read(NOTEBOOK_DIR / name, as_version=nbformat.NO_CONVERT)


@functools.cache
def executed(name):
    """The notebook after running every cell in a fresh python3 kernel (run once per session)."""
    notebook = read(name)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as folder:
        client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                                resources={"metadata": {"path": folder}})
        client.execute(env=env)  # raises CellExecutionError, naming the cell, if one fails
    return notebook


def outputs_text(cell, stream=None):
    """The text a code cell showed: its streams (or only ``stream``) and plain-text results."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and stream in (None, output.name):
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data") and stream is None:
            parts.append(output.data.get("text/plain", ""))
    return "".join(parts)


def test_the_notebook_folder_holds_exactly_the_listed_notebooks():
    assert sorted(path.name for path in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs_or_execution_counts(name):
    notebook = read(name)
    assert notebook.nbformat == 4
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}, cell {cell.id}: outputs stored; clear them"
            assert cell.execution_count is None, f"{name}, cell {cell.id}: execution count stored"
        assert "execution" not in cell.metadata, f"{name}, cell {cell.id}: run timings stored"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_without_error_or_warning(name):
    notebook = executed(name)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert outputs_text(cell, "stderr") == "", f"{name}, cell {cell.id} wrote to stderr"
