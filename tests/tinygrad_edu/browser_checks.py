"""Looking at drawings in a real browser: finding and launching headless Chromium
through Playwright, and the fit checks every drawing we ship must pass.

The browser is the system's (Debian: `apt-get install chromium-headless-shell`,
or `chromium`); Playwright only drives it (its own browser download is never
used). A missing browser or Playwright is a test failure that says how to
install it, never a skip.

Fit checks (`fit_problems`), for every <text> of an SVG, from the box the browser
draws it in (getBBox, in the SVG's user units):

* it lies inside its node's outline (all four corners, tested with the outline's
  own geometry, so rounded corners count) and a cluster's label inside the
  cluster's outline;
* it lies inside the picture (the <svg> viewport);
* no two texts of one node overlap (lines one above the other may share the line
  gap at the edges of their boxes: up to 10% of a box's height).

`other_font_ratios` gives how much wider each text would be in another font, from
graphviz's width tables (taken from the font files), so that the same checks can
be run for the fonts macOS and Windows would draw with.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess

import pytest

from tinygrad_edu.drawing import find_renderer

BROWSER_ENV = "TINYGRAD_EDU_BROWSER"  # path to a Chromium, to override the look-up
BROWSER_NAMES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome",
                 "google-chrome-stable")
# what a root user needs to start Chromium in a container, and no network chatter
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
INSTALL_BROWSER = ("install one: `apt-get install chromium-headless-shell` (Debian/Ubuntu; "
                   "or `apt-get install chromium`), or point the environment variable "
                   f"{BROWSER_ENV} at a Chromium or Chrome executable")


def find_browser() -> str:
    """The Chromium to test in; fails the test, saying how to install one, if there is none."""
    wanted = os.environ.get(BROWSER_ENV)
    if wanted:
        if shutil.which(wanted):
            return shutil.which(wanted)
        pytest.fail(f"{BROWSER_ENV}={wanted!r} is not an executable; {INSTALL_BROWSER}")
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"The drawing tests run in a real browser, and no Chromium was found on PATH "
                f"(looked for {', '.join(BROWSER_NAMES)}): {INSTALL_BROWSER}.")


def sync_playwright():
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        pytest.fail("The drawing tests drive the browser with Playwright, which is not "
                    "installed: pip install -e \".[dev]\" (or \".[browser]\").")
    return start()


# ----------------------------------------------------------------------------
# the checks, run inside the page

_FIT_CHECK_JS = r"""
([svgIndex, ratios]) => {
  const svg = document.querySelectorAll("svg")[svgIndex];
  const texts = Array.from(svg.querySelectorAll("text"));
  const problems = [];
  const EPS = 0.05;  // user units (pt): rounding in the renderer's coordinates
  const LINE_GAP = 0.1;  // share of a text box's height that may overlap the next line's
  const width = svg.width.baseVal.value, height = svg.height.baseVal.value;
  function owner(t) {
    return t.closest("g.node, g.cluster") || t.closest("g.edge") || svg;
  }
  function outline(group) {  // the largest closed shape of a node or cluster
    let best = null, area = -1;
    for (const el of group.querySelectorAll("path, polygon, ellipse, rect")) {
      const b = el.getBBox(), a = b.width * b.height;
      if (a > area) { best = el; area = a; }
    }
    return best;
  }
  function name(group) {
    const title = group.querySelector(":scope > title");
    return title ? title.textContent : (group.id || "svg");
  }
  const boxes = texts.map((t, i) => {
    const b = t.getBBox();
    let x = b.x, w = b.width;
    if (ratios && ratios[i] != null) {  // as if drawn in another font
      w = b.width * ratios[i];
      const anchor = t.getAttribute("text-anchor") || "start";
      const x0 = parseFloat(t.getAttribute("x"));
      x = anchor === "middle" ? x0 - w / 2 : anchor === "end" ? x0 - w : x0;
    }
    return {x: x, y: b.y, w: w, h: b.height};
  });
  const byOwner = new Map();
  texts.forEach((t, i) => {
    const text = t.textContent;
    if (!text.trim()) return;
    const b = boxes[i], g = owner(t);
    const label = JSON.stringify(text) + " in " + name(g);
    if (g.matches("g.node, g.cluster")) {
      const shape = outline(g);
      const corners = [[b.x + EPS, b.y + EPS], [b.x + b.w - EPS, b.y + EPS],
                       [b.x + EPS, b.y + b.h - EPS], [b.x + b.w - EPS, b.y + b.h - EPS]];
      const outside = corners.filter(([x, y]) => !shape.isPointInFill(new DOMPoint(x, y)));
      if (outside.length) {
        const s = shape.getBBox();
        problems.push(label + ": outside its outline (text x " + b.x.toFixed(2) + ".." +
                      (b.x + b.w).toFixed(2) + ", y " + b.y.toFixed(2) + ".." + (b.y + b.h).toFixed(2) +
                      "; outline x " + s.x.toFixed(2) + ".." + (s.x + s.width).toFixed(2) + ", y " +
                      s.y.toFixed(2) + ".." + (s.y + s.height).toFixed(2) + ")");
      }
      if (!byOwner.has(g)) byOwner.set(g, []);
      byOwner.get(g).push(i);
    }
    const m = t.getCTM();
    const xs = [b.x, b.x + b.w].map(x => m.a * x + m.c * b.y + m.e);
    const ys = [b.y, b.y + b.h].map(y => m.b * b.x + m.d * y + m.f);
    if (Math.min(...xs) < -EPS || Math.max(...xs) > width + EPS ||
        Math.min(...ys) < -EPS || Math.max(...ys) > height + EPS) {
      problems.push(label + ": outside the picture");
    }
  });
  for (const [g, members] of byOwner) {
    for (let a = 0; a < members.length; a++) {
      for (let c = a + 1; c < members.length; c++) {
        const p = boxes[members[a]], q = boxes[members[c]];
        const dx = Math.min(p.x + p.w, q.x + q.w) - Math.max(p.x, q.x);
        const dy = Math.min(p.y + p.h, q.y + q.h) - Math.max(p.y, q.y);
        // successive lines may share the line gap at the top and bottom of their boxes
        // (DejaVu's box is 1.16 em tall; Graphviz's dot advances lines by 1.09 em)
        if (dx > EPS && dy > LINE_GAP * Math.min(p.h, q.h)) {
          problems.push(JSON.stringify(texts[members[a]].textContent) + " and " +
                        JSON.stringify(texts[members[c]].textContent) + " overlap in " + name(g) +
                        " by " + dx.toFixed(2) + " x " + dy.toFixed(2));
        }
      }
    }
  }
  return problems;
}
"""

_TEXTS_JS = r"""
(svgIndex) => Array.from(document.querySelectorAll("svg")[svgIndex].querySelectorAll("text"),
  t => [t.textContent, t.getAttribute("font-family") || "", t.getAttribute("font-weight") === "bold",
        parseFloat(t.getAttribute("font-size"))])
"""


def fit_problems(page, svg_index: int = 0, ratios=None) -> list:
    """What does not fit in the page's svg_index-th <svg>: a list of sentences (empty: all fits).
    `ratios`: {text index: factor} to check texts that many times as wide as drawn (another
    font), keeping their anchor (start, middle or end) in place."""
    return page.evaluate(_FIT_CHECK_JS, [svg_index, {str(i): r for i, r in (ratios or {}).items()}])


def texts_of(page, svg_index: int = 0) -> list:
    """(text, font-family, bold, font-size) of every <text> of the page's svg_index-th <svg>."""
    return [tuple(t) for t in page.evaluate(_TEXTS_JS, svg_index)]


def table_widths(strings: list, font: str) -> list:
    """Width of each (text, bold, size) in `font` by graphviz-pure's width tables
    (graphviz's, taken from the font files; they cover ASCII only)."""
    lines = ["digraph {"]
    for i, (text, bold, size) in enumerate(strings):
        label = html.escape(text, quote=False)
        label = f"<B>{label}</B>" if bold else label
        lines.append(f'n{i} [shape=plaintext fontname="{font}" fontsize={size} label=<{label}>]')
    lines.append("}")
    renderer = find_renderer("graphviz-pure")
    xdot = subprocess.run([renderer.path, "-Txdot"], input="\n".join(lines), capture_output=True,
                          text=True, encoding="utf-8", check=True).stdout.replace("\\\n", "")
    widths = {}
    for m in re.finditer(r"\bn(\d+)\s+\[_ldraw_=\"([^\"]*)\"", xdot):
        # xdot's text operation: T x y justification width n -text
        widths[int(m.group(1))] = sum(float(w) for w in re.findall(r"T \S+ \S+ \S+ (\S+) ", m.group(2)))
    assert sorted(widths) == list(range(len(strings))), "graphviz-pure measured not every text"
    return [widths[i] for i in range(len(strings))]


def other_font_ratios(texts: list, font: str, drawn_font: str = "DejaVu Sans") -> dict:
    """{text index: how many times wider the text is in `font` than in `drawn_font`} for
    the sans-serif texts of `texts_of`, from the two fonts' width tables over the text's
    ASCII characters (other characters, which the tables only guess, are assumed as
    wide in both fonts). Monospace texts are left out: Courier, Courier New and DejaVu
    Sans Mono have the same advance widths to 0.4%."""
    wanted = []
    for i, (text, family, bold, size) in enumerate(texts):
        ascii_part = "".join(c for c in text if c.isascii() and c.isprintable())
        if "monospace" not in family and ascii_part.strip():
            wanted.append((i, ascii_part, bold, size))
    if not wanted:
        return {}
    strings = [(text, bold, size) for _, text, bold, size in wanted]
    other, drawn = table_widths(strings, font), table_widths(strings, drawn_font)
    return {i: o / d for (i, *_), o, d in zip(wanted, other, drawn)}
