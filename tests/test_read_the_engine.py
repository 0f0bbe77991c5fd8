"""The reading guide (docs/read_the_engine.md) points at lines of the engine: each link
`[`code`](../tinygrad_edu/file.py#Lnn)` must still land on a line holding that code."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "read_the_engine.md"
LINK = re.compile(r"\[`([^`]+)`\]\(\.\./(tinygrad_edu/\w+\.py)#L(\d+)\)")


def test_every_line_link_of_the_reading_guide_lands_on_its_code():
    links = LINK.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(links) >= 15
    for code, path, line in links:
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        assert code.strip() in lines[int(line) - 1], f"{path}#L{line} no longer holds `{code}`"


def test_the_guide_walks_the_ideas_in_order():
    text = GUIDE.read_text(encoding="utf-8")
    headings = re.findall(r"^## \d\. (.+)$", text, flags=re.M)
    assert [h.split(":")[0].strip("`") for h in headings] == [
        "A tensor", "A primitive", "apply", "The order", "The backward loop", "unbroadcast",
        "create_graph"]
