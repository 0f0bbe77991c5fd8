"""Every script in examples/ answers --help, and its help shows every option's default.

Each script runs in its own process, as a user runs it (``python examples/NAME.py --help``),
with this repository first on the path.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def run_help(script):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               COLUMNS="100")
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def options_and_help(help_text):
    """{"--name": its help text, whitespace folded} from argparse's "options:" section."""
    section = help_text.split("\noptions:\n", 1)[1]
    entries, current = {}, None
    for line in section.splitlines():
        flag = re.match(r"  (-[-\w]+)", line)  # an entry starts at column 2 with its flag
        if flag:
            current = flag[1] if flag[1] != "-h" else "--help"
            entries[current] = line
        elif current and line.startswith("   "):
            entries[current] += " " + line
        else:
            current = None  # a blank line or another section ends the entry
    return {flag: " ".join(text.split()) for flag, text in entries.items()}


def test_every_example_is_found():
    assert {path.name for path in EXAMPLES} >= {
        "quickstart.py", "manual_vs_autograd.py", "draw_graphs.py",
        "article000_bias_trick_xor_digits.py", "article001_quadrant_column_vectors.py",
        "article002_mnist_5_vs_8.py", "article003_xor_activations.py"}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.name)
def test_help_shows_the_default_of_every_option(script):
    help_text = run_help(script)
    options = options_and_help(help_text)
    usage_flags = set(re.findall(r"\[(--[\w-]+)", help_text.split("\n\n", 1)[0]))

    assert usage_flags and usage_flags <= set(options)  # every option of the usage line was read
    missing = [flag for flag, text in options.items()
               if flag != "--help" and not re.search(r"\(default: [^()]+\)", text)]
    assert not missing, f"{script.name}: no default shown for {missing}:\n{help_text}"


def test_the_parser_of_this_test_reads_argparse_entries():
    # the shapes argparse prints: help on the flag's line, on the next lines, or both
    text = ("usage: x [-h] [--alpha ALPHA] [--long-option-name LONG_OPTION_NAME]\n\noptions:\n"
            "  -h, --help            show this help message and exit\n"
            "  --alpha ALPHA         learning rate (default:\n"
            "                        0.5)\n"
            "  --long-option-name LONG_OPTION_NAME\n"
            "                        something else\n")
    assert options_and_help(text) == {
        "--help": "-h, --help show this help message and exit",
        "--alpha": "--alpha ALPHA learning rate (default: 0.5)",
        "--long-option-name": "--long-option-name LONG_OPTION_NAME something else"}
