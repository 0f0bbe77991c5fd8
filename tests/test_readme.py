"""The README's python code runs as printed, and shows what it says it shows.

Every ```python block of README.md is executed, in order, in one fresh namespace
(later blocks use the tour's `model`, `inputs`, ...), in a temporary folder, so the
files it writes (graph.svg, model.npz) land there. The one exception is a block
directly preceded by an HTML comment `<!-- not run: REASON -->` (invisible on the
rendered page), e.g. the PyTorch block: PyTorch is never a dependency.

Results are checked where the README states them: a bare expression with a
trailing comment, as in

    loss                         # tensor(1.2398, grad_fn=<SumBackward>)
    w.grad                       # tensor([[0.0000, 0.0000],
                                 #         [0.2139, 0.2475]])

must print (repr) exactly as the comment says; a comment continues on the
following lines that hold only a comment starting in the same column. The blocks'
own assertions (assert_grads_match) run too.
"""
from __future__ import annotations

import ast
import pathlib
import re

import numpy as np
import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->\s*$")


def python_blocks(text):
    """(first line number, code, reason it is not run or None) of each ```python block."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            previous = next((line for line in reversed(lines[:i]) if line.strip()), "")
            marker = NOT_RUN.search(previous)
            end = lines.index("```", i + 1)
            blocks.append((i + 2, "\n".join(lines[i + 1:end]), marker and marker.group(1)))
            i = end
        i += 1
    return blocks


def stated_results(code):
    """{line of a top-level bare expression with a trailing comment: expected repr}: the
    comment, plus the continuation comment lines in the same column."""
    lines = code.splitlines()
    results = {}
    for statement in ast.parse(code).body:
        if not isinstance(statement, ast.Expr):
            continue
        last = lines[statement.end_lineno - 1]
        hash_column = last.find("#", statement.end_col_offset)
        if hash_column < 0:
            continue
        expected = [last[hash_column + 2:]]
        for line in lines[statement.end_lineno:]:
            if line.find("#") != hash_column or line[:hash_column].strip():
                break
            expected.append(line[hash_column + 2:])
        results[statement.lineno] = "\n".join(expected)
    return results


def run_block(code, namespace, filename):
    """Execute `code` statement by statement; return [(line, expected, actual repr)]."""
    stated = stated_results(code)
    seen = []
    for statement in ast.parse(code, filename).body:
        if isinstance(statement, ast.Expr):
            value = eval(compile(ast.Expression(statement.value), filename, "eval"), namespace)
            if statement.lineno in stated:
                seen.append((statement.lineno, stated[statement.lineno], repr(value)))
        else:
            exec(compile(ast.Module([statement], type_ignores=[]), filename, "exec"), namespace)
    return seen


def test_the_readme_has_runnable_blocks_and_says_why_the_others_do_not_run():
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert sum(reason is None for _, _, reason in blocks) >= 3
    skipped = [reason for _, _, reason in blocks if reason is not None]
    assert skipped == ["needs PyTorch, which this project never depends on"], skipped


def test_stated_results_reads_a_multi_line_comment_and_ignores_other_comments():
    code = ("x = 1  # an assignment: not a stated result\n"
            "x + 1  # 2\n"
            "[[1, 2],\n"
            " [3, 4]]  # [[1, 2],\n"
            "          #  [3, 4]]\n"
            "# a comment in another column ends it\n"
            "print(x)\n")
    assert stated_results(code) == {2: "2", 3: "[[1, 2],\n [3, 4]]"}


def test_every_readme_block_runs_in_order_and_prints_what_it_states(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__readme__"}
    checked = []
    for line, code, reason in python_blocks(README.read_text(encoding="utf-8")):
        if reason is None:
            for offset, expected, actual in run_block(code, namespace, f"README.md:{line}"):
                checked.append((line + offset - 1, expected, actual))
    for line, expected, actual in checked:
        assert actual == expected, f"README.md line {line}: prints\n{actual}\nnot\n{expected}"
    assert len(checked) >= 8, checked  # the parser found every stated result

    # what the text around the blocks promises, checked on what the blocks made
    h, w = namespace["h"], namespace["w"]
    t = np.tanh(w.detach().numpy().astype(np.float64))
    np.testing.assert_allclose(h.numpy(), -2 * t * (1 - t**2), rtol=1e-6)  # the comment's formula
    assert (tmp_path / "graph.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    assert (tmp_path / "graph").read_text().startswith("digraph")
    report = namespace["compare_grads"](namespace["mine"],
                                        namespace["grads_of"](namespace["model"].named_parameters()),
                                        rtol=1e-5)
    assert report.ok and len(report.rows) == 4


def test_readme_and_docs_link_only_to_files_in_the_repository_or_public_urls():
    """The README and docs stand alone: every link is a public URL, an anchor, or a file
    of this repository that exists; no path climbs out of it."""
    root = README.parent
    for page in [README, *sorted((root / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text, f"{page.name} refers to the team's files, not in a clone"
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("https://", "http://", "#")):
                continue
            file = (page.parent / target.split("#")[0]).resolve()
            assert file.is_relative_to(root) and file.exists(), f"{page.name}: broken link {target}"
