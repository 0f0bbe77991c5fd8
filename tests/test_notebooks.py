"""The notebooks in notebooks/: stored without outputs, and each one runs top to bottom.

Each notebook runs in a fresh Jupyter kernel, ipykernel's own "python3" kernel of this
environment (it runs this Python, with what is installed in it, whatever other kernels
are installed), driven by nbclient as Jupyter would run it. The kernel's working folder is a temporary
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

import ast
import functools
import os
import pathlib
import re
import tempfile

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"

NOTEBOOKS = [
    "01_the_engine_in_twenty_minutes.ipynb",
    "02_article000_bias_trick.ipynb",
    "03_article001_column_vectors.ipynb",
    "04_article002_logistic_mlp.ipynb",
    "05_article003_xor_activations.ipynb",
    "06_check_your_own_backprop.ipynb",
    "06_check_your_own_backprop_solution.ipynb",
    "07_drawing_gallery.ipynb",
]
EXERCISE, SOLUTION = "06_check_your_own_backprop.ipynb", "06_check_your_own_backprop_solution.ipynb"

CELL_TIMEOUT = 300  # seconds; every notebook takes a few seconds in all


def read(name):
    return nbformat.read(NOTEBOOK_DIR / name, as_version=nbformat.NO_CONVERT)


@functools.cache
def executed(name):
    """The notebook after running every cell in a fresh python3 kernel (run once per session)."""
    notebook = read(name)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # ipykernel's own "python3" kernel, which runs this interpreter (sys.executable): no
    # kernelspec folders are searched, so a python3 kernelspec installed elsewhere for another
    # Python cannot stand in for it
    kernel = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))
    with tempfile.TemporaryDirectory() as folder:
        client = NotebookClient(notebook, km=kernel, timeout=CELL_TIMEOUT,
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


# ----------------------------------------------------------------------------
# notebook 06: the exercise and its solution


def tags(cell):
    return cell.metadata.get("tags", [])


def blanks_and_check_call(source):
    """(names the cell sets to None, its closing check(...) call) for an exercise cell; fails on
    anything else, so that a blank can only be a plain `d_name = None`."""
    *statements, closing = ast.parse(source).body
    blanks = []
    for statement in statements:
        assert isinstance(statement, ast.Assign) and len(statement.targets) == 1 \
            and isinstance(statement.targets[0], ast.Name) \
            and isinstance(statement.value, ast.Constant) and statement.value.value is None, \
            f"an exercise cell holds only blanks (name = None) and a check: {ast.unparse(statement)}"
        blanks.append(statement.targets[0].id)
    return blanks, ast.dump(closing)


def assigned_names(source):
    return {target.id for statement in ast.parse(source).body if isinstance(statement, ast.Assign)
            for target in statement.targets if isinstance(target, ast.Name)}


def test_the_exercise_is_the_solution_with_the_answers_blanked():
    exercise, solution = read(EXERCISE).cells, read(SOLUTION).cells
    assert len(exercise) == len(solution)
    all_blanks = []
    for blank_cell, answer_cell in zip(exercise, solution):
        if "title" in tags(blank_cell):
            assert "title" in tags(answer_cell)  # each notebook says what it is
        elif "exercise" in tags(blank_cell):
            assert "solution" in tags(answer_cell), f"exercise cell {blank_cell.id} has no answer"
            blanks, check_call = blanks_and_check_call(blank_cell.source)
            assert blanks and set(blanks) <= assigned_names(answer_cell.source)
            assert ast.dump(ast.parse(answer_cell.source).body[-1]) == check_call  # graded alike
            all_blanks += blanks
        else:
            assert (blank_cell.cell_type, blank_cell.source, tags(blank_cell)) == \
                (answer_cell.cell_type, answer_cell.source, tags(answer_cell)), \
                f"cell {blank_cell.id} differs between the exercise and the solution"
    # every gradient of the forward pass is asked for: 19 intermediates, 7 parameters, 2 shortcuts
    assert len(all_blanks) == len(set(all_blanks)) == 28


def check_summaries(notebook, tag):
    """The summary line (the first line printed) of each cell tagged `tag`; fails on a cell
    that printed nothing."""
    cells = [cell for cell in notebook.cells if tag in tags(cell)]
    assert cells, f"no cell tagged {tag}"
    return [outputs_text(cell, "stdout").splitlines()[0] for cell in cells]


def test_the_exercise_grades_every_blank_as_missing_without_an_error():
    notebook = executed(EXERCISE)
    summaries = check_summaries(notebook, "exercise")
    for summary in summaries:
        assert re.match(r"gradient check, GRADIENTS DIFFER: \d+ MISSING  \(", summary), summary
    (everything,) = check_summaries(notebook, "final")
    assert everything.startswith("gradient check, GRADIENTS DIFFER: 26 MISSING  (")


def test_the_solution_matches_autograd_on_every_gradient():
    notebook = executed(SOLUTION)
    summaries = check_summaries(notebook, "solution")
    for summary in summaries:
        assert summary.startswith("gradient check, all match: "), summary
    (everything,) = check_summaries(notebook, "final")
    exact, close = map(int, re.match(r"gradient check, all match: (\d+) exact, (\d+) close  \(",
                                     everything).groups())
    assert exact + close == 26


# ----------------------------------------------------------------------------
# the README's figures for the notebooks


def all_outputs_text(notebook):
    return "".join(outputs_text(cell) for cell in notebook.cells if cell.cell_type == "code")


def test_the_readme_states_what_the_notebooks_print():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    before, after = re.search(r"\((\d+) → (\d+) of 1,000 held-out points right\)", readme).groups()
    assert f"{before} before training, {after} after" in \
        all_outputs_text(executed("03_article001_column_vectors.ipynb"))
    learned = re.search(r"XOR learned in (\d)/5, (\d)/5 and (\d)/5 runs", readme).groups()
    printed = all_outputs_text(executed("05_article003_xor_activations.ipynb"))
    for activation, runs in zip(["tanh", "sigmoid", "relu"], learned):
        assert f"{activation:8} learned XOR in {runs} of 5 runs" in printed
