"""Drawings and the step-through page, looked at in a real browser (headless Chromium
driven by Playwright; see browser_checks.py), with the machine's own fonts.

Every text of every drawing must lie inside its node's outline and inside the
picture, and no two texts of a node may overlap: as drawn (on Debian, DejaVu Sans
and DejaVu Sans Mono), and with the widths of Verdana and Helvetica/Arial (what
macOS and Windows draw with), from graphviz's width tables. That covers the
drawings made here, every SVG in docs/ and everything examples/draw_graphs.py
writes. The step-through page must work with the slider, the buttons and the
keys, keep the running op in view and its text readable.
"""
import pathlib
import runpy
import shutil
import statistics
import tempfile

import pytest

import nn
import tinygrad_edu as tg
from tinygrad_edu.drawing import (draw_backward_steps, draw_graph, find_renderer, retain_grads,
                                  write_backward_steps_html)

from browser_checks import (BROWSER_ARGS, find_browser, fit_problems, other_font_ratios,
                            sync_playwright, table_widths, texts_of)

ROOT = pathlib.Path(__file__).resolve().parents[2]
VIEWPORT = {"width": 1280, "height": 800}
OTHER_FONTS = ["Verdana", "Helvetica"]  # graphviz's "Helvetica" table is Arial's widths
NOTEBOOK_CELL_PX = 1000


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session, with a fresh profile."""
    playwright_manager = sync_playwright()
    executable = find_browser()
    with playwright_manager as playwright, \
            tempfile.TemporaryDirectory(prefix="tinygrad-edu-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=BROWSER_ARGS,
            viewport=VIEWPORT)
        yield context
        context.close()


class Page:
    """A browser tab that records console errors and uncaught exceptions."""

    def __init__(self, context):
        self.tab = context.new_page()
        self.errors = []
        self.tab.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.tab.on("pageerror", lambda e: self.errors.append(str(e)))


@pytest.fixture
def page(browser):
    opened = Page(browser)
    yield opened
    opened.tab.close()


RENDERERS = ["graphviz-pure"] + (["dot"] if shutil.which("dot") else [])


@pytest.fixture(params=RENDERERS)
def renderer(request):
    """graphviz-pure always; a system `dot` too where there is one (it is used first)."""
    return find_renderer(request.param)


def assert_fits(tab, svg_index=0, what="drawing"):
    """Every text inside its node and the picture, no overlaps: as drawn, then with the
    widths of the other fonts a viewer may have."""
    texts = texts_of(tab, svg_index)
    assert len(texts) > 10, f"{what}: only {len(texts)} texts found"
    assert fit_problems(tab, svg_index) == [], what
    for font in OTHER_FONTS:
        ratios = other_font_ratios(texts, font)
        assert ratios, f"{what}: no sans-serif text to check in {font}"
        assert fit_problems(tab, svg_index, ratios) == [], f"{what}, in {font}'s widths"


# ----------------------------------------------------------------------------
# the drawings of the issue: XOR, an MLP boxed by module, the same collapsed


def xor_and_loss():
    """Article 000's 2-2-1 sigmoid network on XOR, as examples/draw_graphs.py draws it."""
    example = runpy.run_path(str(ROOT / "examples" / "draw_graphs.py"), run_name="not_main")
    return example["xor_network_and_loss"](0)


def mlp_and_loss():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    x = tg.randn(16, 2)
    x.name = "x"
    loss = nn.MSELoss()(model(x), tg.randn(16, 1))
    loss.name = "loss"
    return model, loss


def drawing_of(kind: str, renderer) -> str:
    if kind.startswith("xor"):
        model, loss = xor_and_loss()
        retain_grads(loss)
        loss.backward()
        options = dict(rankdir="LR") if kind == "xor_left_to_right" else {}
        drawn = draw_graph(loss, module=model, show_order=True, dot_program=renderer, **options)
    elif kind == "xor_step_frame":
        model, loss = xor_and_loss()
        drawn = draw_backward_steps(loss, module=model, dot_program=renderer)[3]  # with caption
    else:
        model, loss = mlp_and_loss()
        loss.backward()
        options = (dict(cluster_modules=True, show_order=True) if kind == "mlp_clusters"
                   else dict(collapse_modules=True))
        drawn = draw_graph(loss, module=model, dot_program=renderer, **options)
    return drawn.pipe(format="svg", encoding="utf-8")


def test_layout_widths_are_the_drawn_widths(page):
    # The measurement behind the font choice (drawing.FONT): graphviz-pure sizes boxes
    # with its table for the font named in the DOT text; the browser draws with the
    # font it has. DejaVu Sans and Courier tables agree with what Chromium draws here
    # (DejaVu Sans, and DejaVu Sans Mono for Courier); the Helvetica table, used before,
    # is ~14% too narrow, which is how bold names ran into their subtitles.
    page.tab.set_content(drawing_of("xor", find_renderer("graphviz-pure")))
    texts = texts_of(page.tab)
    drawn = page.tab.evaluate("() => Array.from(document.querySelectorAll('text'), "
                              "t => t.getComputedTextLength())")
    ascii_texts = [i for i, (text, *_) in enumerate(texts) if text.isascii() and text.strip()]
    sans = [i for i in ascii_texts if "monospace" not in texts[i][1]]
    mono = [i for i in ascii_texts if "monospace" in texts[i][1]]
    assert len(sans) > 30 and len(mono) > 30

    def drawn_over_table(indices, font):
        table = table_widths([(texts[i][0], texts[i][2], texts[i][3]) for i in indices], font)
        return [drawn[i] / w for i, w in zip(indices, table)]

    assert all(0.99 <= r <= 1.001 for r in drawn_over_table(sans, "DejaVu Sans"))
    assert all(1.0 <= r <= 1.004 for r in drawn_over_table(mono, "Courier"))
    assert statistics.median(drawn_over_table(sans, "Helvetica")) > 1.1


@pytest.mark.parametrize("kind", ["xor", "xor_left_to_right", "mlp_clusters", "mlp_collapsed",
                                  "xor_step_frame"])
def test_drawing_fits_in_the_browser(page, renderer, kind):
    page.tab.set_content(drawing_of(kind, renderer))
    assert_fits(page.tab, what=kind)


def test_pictures_in_docs_fit(page):
    pictures = sorted((ROOT / "docs").glob("*.svg"))
    assert pictures, "docs/ has no SVG picture"
    for picture in pictures:
        page.tab.goto(picture.as_uri())
        assert_fits(page.tab, what=str(picture.relative_to(ROOT)))
    assert page.errors == []


def test_everything_the_drawing_example_writes_fits(page, tmp_path):
    runpy.run_path(str(ROOT / "examples" / "draw_graphs.py"), run_name="not_main")["main"](
        ["--out", str(tmp_path)])
    pictures = sorted(tmp_path.glob("*.svg"))
    assert len(pictures) >= 4
    for picture in pictures:
        page.tab.goto(picture.as_uri())
        assert_fits(page.tab, what=picture.name)
    (steps,) = tmp_path.glob("*.html")
    page.tab.goto(steps.as_uri())
    count = page.tab.eval_on_selector_all(".frame", "frames => frames.length")
    for k in range(count):
        go_to_step(page.tab, k + 1)
        assert_fits(page.tab, svg_index=k, what=f"{steps.name}, step {k + 1}")
    assert page.errors == []


def test_rows_of_a_printed_array_stay_aligned(page, renderer, tmp_path):
    # "[[0. 0.]" over " [0. 1.]": the leading space must survive into the drawing, or
    # the rows slip out of line (monospace: both rows are 8 characters wide)
    svg = drawing_of("xor", renderer)
    (tmp_path / "xor.svg").write_text(svg, encoding="utf-8")
    widths = """() => {
      const texts = Array.from(document.querySelectorAll("text"));
      const rows = ["[[0. 0.]", " [0. 1.]"].map(row => texts.find(t => t.textContent === row));
      return rows.map(t => [t.getNumberOfChars(), t.getComputedTextLength()]);
    }"""
    page.tab.goto((tmp_path / "xor.svg").as_uri())  # an SVG file, as docs/ and examples ship
    as_file = page.tab.evaluate(widths)
    page.tab.goto("about:blank")
    page.tab.set_content(svg)  # inline in HTML, as the step page and notebooks show it
    inline = page.tab.evaluate(widths)
    for (n_first, first), (n_second, second) in (as_file, inline):
        assert n_first == n_second == 8 and second == pytest.approx(first, rel=1e-6)


def test_xor_drawing_fits_a_notebook_cell_at_natural_size(page, renderer):
    # a notebook shows the SVG at its own size (1 pt = 4/3 px): it must fit a
    # 1000 px wide output cell without a horizontal scrollbar, with 11 pt text
    page.tab.set_content(f'<div id="cell" style="width: {NOTEBOOK_CELL_PX}px; overflow-x: auto">'
                         f'{drawing_of("xor", renderer)}</div>')
    cell = page.tab.evaluate("""() => { const c = document.getElementById("cell");
        return [c.scrollWidth, c.clientWidth, c.querySelector("svg").getBoundingClientRect().width]; }""")
    scroll_width, client_width, svg_width = cell
    assert scroll_width <= client_width and svg_width <= NOTEBOOK_CELL_PX
    assert median_text_px(page.tab, 0) == pytest.approx(11 * 4 / 3, rel=0.01)


# ----------------------------------------------------------------------------
# the step-through page


def median_text_px(tab, svg_index: int) -> float:
    """Median on-screen font size, in CSS px, of the texts of one <svg>."""
    sizes = tab.evaluate("""(i) => Array.from(document.querySelectorAll("svg")[i].querySelectorAll("text"),
        t => parseFloat(t.getAttribute("font-size")) * t.getScreenCTM().a)""", svg_index)
    return statistics.median(sizes)


def go_to_step(tab, k: int) -> None:
    tab.fill("#slider", str(k))  # sets the value and fires "input", as dragging does


def state(tab) -> dict:
    """What the page shows now."""
    return tab.evaluate("""() => {
      const visible = Array.from(document.querySelectorAll(".frame")).map((f, i) => [f, i])
                           .filter(([f]) => f.getClientRects().length > 0);
      const out = {visible: visible.map(([, i]) => i + 1), slider: +document.getElementById("slider").value,
                   counter: document.getElementById("counter").textContent,
                   caption: document.getElementById("caption").textContent,
                   pageText: document.body.innerText,
                   scroll: [window.scrollX, window.scrollY]};
      if (visible.length === 1) {
        const frame = visible[0][0];
        const current = frame.querySelectorAll("g.current");
        out.currentCount = current.length;
        out.frameCaption = frame.querySelector(".frame-caption").textContent;
        if (current.length) {
          const r = current[0].getBoundingClientRect(), s = document.getElementById("stage").getBoundingClientRect();
          out.current = [r.left, r.top, r.right, r.bottom];
          out.stage = [s.left, s.top, s.right, s.bottom];
          out.currentTitle = current[0].querySelector("title").textContent;
        }
      }
      return out;
    }""")


def assert_shows_step(tab, k: int, n: int) -> dict:
    now = state(tab)
    assert now["visible"] == [k], f"frames shown: {now['visible']}, expected only step {k}"
    assert now["slider"] == k and now["counter"] == f"step {k} / {n}"
    # the caption is the frame's, and it is on the page once
    assert now["caption"] == now["frameCaption"] and now["caption"].startswith(f"Step {k} of {n}: ")
    assert now["pageText"].count(now["caption"]) == 1
    # the running op is marked and fully in view, without the reader scrolling the page
    assert now["currentCount"] == 1
    left, top, right, bottom = now["current"]
    s_left, s_top, s_right, s_bottom = now["stage"]
    assert 0 <= left and right <= VIEWPORT["width"] and 0 <= top and bottom <= VIEWPORT["height"]
    assert s_left <= left and right <= s_right and s_top <= top and bottom <= s_bottom
    assert now["scroll"] == [0, 0]
    return now


@pytest.fixture(scope="module")
def xor_steps_page(tmp_path_factory):
    model, loss = xor_and_loss()
    n_steps = len(tg.topological_order([loss.grad_fn]))
    path = write_backward_steps_html(loss, tmp_path_factory.mktemp("steps") / "xor_steps.html",
                                     module=model, dot_program="graphviz-pure",
                                     title="XOR 2-2-1: backward, step by step")
    return path, n_steps, [fn.name() for fn in tg.topological_order([loss.grad_fn])]


def test_step_page_loads_showing_step_one(page, xor_steps_page):
    path, n, order = xor_steps_page
    page.tab.goto(path.as_uri())
    first = assert_shows_step(page.tab, 1, n)
    assert order[0] in first["caption"]
    assert page.errors == []


def test_step_page_slider_buttons_and_keys_move_one_step(page, xor_steps_page):
    path, n, order = xor_steps_page
    tab = page.tab
    tab.goto(path.as_uri())
    seen = {}
    for k in range(1, n + 1):  # the slider
        go_to_step(tab, k)
        seen[k] = assert_shows_step(tab, k, n)["currentTitle"]
    assert len(set(seen.values())) == n  # a different op is running at every step
    tab.click("#prev")
    assert_shows_step(tab, n - 1, n)
    tab.click("#next")
    tab.click("#next")  # past the end: stays on the last step
    assert_shows_step(tab, n, n)
    tab.keyboard.press("Home")
    assert_shows_step(tab, 1, n)
    tab.keyboard.press("ArrowRight")
    tab.keyboard.press("ArrowRight")
    assert_shows_step(tab, 3, n)
    tab.keyboard.press("ArrowLeft")
    assert state(tab)["currentTitle"] == seen[2]
    tab.keyboard.press("End")
    assert_shows_step(tab, n, n)
    tab.focus("#slider")  # the focused slider must not move a second time on its own
    tab.keyboard.press("ArrowLeft")
    assert_shows_step(tab, n - 1, n)
    tab.focus("#next")
    tab.keyboard.press("ArrowLeft")
    assert_shows_step(tab, n - 2, n)
    assert page.errors == []


def test_step_page_text_is_readable(page, xor_steps_page):
    # frames are drawn at their natural size, not shrunk to the window
    path, n, _ = xor_steps_page
    page.tab.goto(path.as_uri())
    for k in (1, n):
        go_to_step(page.tab, k)
        assert median_text_px(page.tab, k - 1) >= 10


def test_step_page_tells_pending_ops_from_constants(page, xor_steps_page):
    path, n, _ = xor_steps_page
    page.tab.goto(path.as_uri())
    looks = page.tab.evaluate("""() => {
      const frame = document.querySelector(".frame.active");
      function look(g) {
        const shape = g.querySelector("path, polygon");
        const style = getComputedStyle(shape);
        return [shape.getAttribute("fill"), shape.getAttribute("stroke"), style.strokeDasharray];
      }
      return {pending: Array.from(frame.querySelectorAll("g.op.pending"), look),
              constant: Array.from(frame.querySelectorAll("g.tensor.constant"), look)};
    }""")
    assert len(looks["pending"]) == n - 1 and looks["constant"]
    for pending in looks["pending"]:
        assert pending[2] != "none"  # dashed outline
        for constant in looks["constant"]:
            assert pending[0] != constant[0] and constant[2] == "none"


def test_step_page_of_a_bigger_model_keeps_the_running_op_in_view(page, tmp_path):
    # a 2-8-8-1 MLP boxed by module: frames much larger than the window
    model, loss = mlp_and_loss()
    n = len(tg.topological_order([loss.grad_fn]))
    path = write_backward_steps_html(loss, tmp_path / "mlp.html", module=model,
                                     cluster_modules=True, dot_program="graphviz-pure")
    tab = page.tab
    tab.goto(path.as_uri())
    size = tab.evaluate("""() => { const r = document.querySelector(".frame.active svg").getBoundingClientRect();
        return [r.width, r.height]; }""")
    assert size[0] > VIEWPORT["width"] or size[1] > VIEWPORT["height"]
    for k in range(1, n + 1):
        tab.keyboard.press("ArrowRight") if k > 1 else None
        assert_shows_step(tab, k, n)
        assert_fits(tab, svg_index=k - 1, what=f"MLP steps, step {k}")
    assert page.errors == []
