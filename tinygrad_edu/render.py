"""Finding a program that turns DOT text into pictures, and a Digraph that uses it.

The Python `graphviz` package only writes DOT text; pictures come from an
external `dot` program. A fresh `pip install` has no system Graphviz, so we also
accept `graphviz-pure`, a pip-installable Rust port of dot (it writes svg, png
and jpeg, but not pdf or ps). Look-up order (`find_renderer`):

1. `dot` on PATH (a system Graphviz stays the first choice);
2. `graphviz-pure` on PATH;
3. `graphviz-pure` beside `sys.executable` (a venv used without activating it);
4. `graphviz-pure` in Python's scripts directories (`sysconfig`: on Windows a
   global install puts scripts in `Scripts/`, not beside python.exe; `--user`
   installs go to the user scripts directory, often not on PATH).

The Python package always runs `graphviz.backend.dot_command.DOT_BINARY`
(the re-export `graphviz.DOT_BINARY` is a copy, and assigning it does nothing).
`GraphDrawing` points that module global at the chosen program only while it
renders and puts the old value back afterwards, so other users of `graphviz`
in the same process are unaffected. We never call `graphviz.version()`: it
cannot parse graphviz-pure's `-V` output.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import pathlib
import shutil
import sys
import sysconfig
import threading

import graphviz
from graphviz.backend import dot_command

# What `graphviz-pure -Tfoo` lists as its formats (version 0.2.x).
GRAPHVIZ_PURE_FORMATS = frozenset(
    "canon dot dot_json gv jpe jpeg jpg json json0 plain plain-ext png svg "
    "xdot xdot1.2 xdot1.4 xdot_json".split())

# Font lists written into SVGs. Renderers lay out with ONE font's widths (see
# FONT in drawing.py) and write that one name; a browser that lacks it falls back
# to its default font, which is a serif one. So every SVG we hand out names the
# measured font first, then Verdana (macOS and Windows have it; its widths are
# within a few % of DejaVu Sans, a margin the layout leaves), then the generic
# family. Courier already comes with ",monospace" from both renderers.
SVG_FONT_FAMILIES = {"DejaVu Sans": "DejaVu Sans,Verdana,sans-serif"}
_TEXT_WITHOUT_SPACE_RULE = re.compile(r"<text (?![^>]*xml:space)")


# graphviz-pure draws PNG and JPEG itself, with fonts of its own: a sans-serif one
# for "Arial" and "Helvetica" (the shapes of Arial's widths, the table it lays them
# out with), a serif one for any other name. So its raster pictures use Arial.
RASTER_FONT_SUBSTITUTES = {"DejaVu Sans": "Arial"}
_RASTER_FORMATS = frozenset({"png", "jpeg", "jpg", "jpe"})


def svg_for_browsers(svg):
    """An SVG (str or bytes) as browsers should get it: font-family attributes name
    fallback fonts too, and every <text> keeps its spaces (Graphviz's dot, unlike
    graphviz-pure, omits xml:space="preserve", and browsers then drop the leading
    spaces that align the rows of a printed array)."""
    if isinstance(svg, bytes):
        return svg_for_browsers(svg.decode("utf-8")).encode("utf-8")
    for font, families in SVG_FONT_FAMILIES.items():
        svg = svg.replace(f'font-family="{font}"', f'font-family="{families}"')
    return _TEXT_WITHOUT_SPACE_RULE.sub('<text xml:space="preserve" ', svg)


INSTALL_HINT = (
    "Fix it in one of two ways: `pip install graphviz-pure` (a pip-installable "
    "port of Graphviz's dot; writes svg, png and jpeg), or install a system "
    "Graphviz so that `dot` is on PATH (apt install graphviz / brew install "
    "graphviz / conda install graphviz / https://graphviz.org/download/).")


class RendererError(RuntimeError):
    """No program can render the drawing (or not in the requested format)."""


def _executable_name(name: str) -> str:
    return name + ".exe" if os.name == "nt" else name


def _is_executable(path: pathlib.Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _kind_of(path: str) -> str:
    """'graphviz-pure' for that program (also behind a `dot` symlink shim), else 'dot'."""
    real = os.path.basename(os.path.realpath(path)).lower()
    return "graphviz-pure" if real.startswith("graphviz-pure") else "dot"


@dataclasses.dataclass(frozen=True)
class Renderer:
    """A DOT rendering program: its path and whether it is `dot` or `graphviz-pure`."""

    path: str
    kind: str

    def supports(self, format: str) -> bool:
        return self.kind == "dot" or format.split(":")[0].lower() in GRAPHVIZ_PURE_FORMATS

    def check_format(self, format: str) -> None:
        """Raise RendererError, before any work, for a format this program cannot write."""
        if not self.supports(format):
            raise RendererError(
                f"Cannot render format {format!r} with graphviz-pure ({self.path}): it writes "
                f"svg, png and jpeg but not pdf or ps. Render format='svg' or 'png' instead, "
                f"or install a system Graphviz (apt install graphviz / brew install graphviz / "
                f"conda install graphviz / https://graphviz.org/download/), whose `dot` on "
                f"PATH is then used first and writes {format!r}.")


def _graphviz_pure_candidates():
    """Where pip may have put graphviz-pure, in look-up order (PATH excluded)."""
    name = _executable_name("graphviz-pure")
    yield pathlib.Path(sys.executable).parent / name
    for scheme in (None, f"{os.name}_user"):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:  # scheme unknown on this platform
            continue
        if scripts:
            yield pathlib.Path(scripts) / name


def find_renderer(prefer: str | None = None) -> Renderer:
    """The program that will render drawings.

    `prefer`: None (look-up order of the module docstring), "dot" (only a
    system Graphviz), "graphviz-pure" (skip `dot`: e.g. to test graphviz-pure
    where a system dot exists), or a path to an executable.
    Raises RendererError naming both fixes when nothing is found.
    """
    if prefer not in (None, "dot", "graphviz-pure"):
        path = pathlib.Path(prefer)
        if _is_executable(path):
            return Renderer(str(path), _kind_of(str(path)))
        raise RendererError(f"Renderer {prefer!r} is not an executable file. {INSTALL_HINT}")
    if prefer in (None, "dot"):
        found = shutil.which("dot")
        if found:
            return Renderer(found, _kind_of(found))
    if prefer in (None, "graphviz-pure"):
        found = shutil.which("graphviz-pure")
        if found:
            return Renderer(found, "graphviz-pure")
        for path in _graphviz_pure_candidates():
            if _is_executable(path):
                return Renderer(str(path), "graphviz-pure")
    looked_for = {None: "no `dot` and no `graphviz-pure`", "dot": "no `dot`",
                  "graphviz-pure": "no `graphviz-pure`"}[prefer]
    raise RendererError(
        f"Cannot render the graph: {looked_for} found (searched PATH, the folder of "
        f"{sys.executable} and Python's scripts folders). {INSTALL_HINT} "
        f"The DOT text itself is available without a renderer (`.source`).")


_DOT_BINARY_LOCK = threading.RLock()


@contextlib.contextmanager
def using_renderer(renderer: Renderer | str | None = None):
    """Within the block, the `graphviz` package runs `renderer` (default: find_renderer()).

    Sets `graphviz.backend.dot_command.DOT_BINARY` (the global the package reads at
    each call) and restores the previous value on exit, under a lock so that
    threads rendering at once do not undo each other's choice.
    """
    if not isinstance(renderer, Renderer):
        renderer = find_renderer(renderer)
    with _DOT_BINARY_LOCK:
        previous = dot_command.DOT_BINARY
        dot_command.DOT_BINARY = pathlib.Path(renderer.path)
        try:
            yield renderer
        finally:
            dot_command.DOT_BINARY = previous


def _is_svg(format: str) -> bool:
    return format.split(":")[0].lower() == "svg"


class GraphDrawing(graphviz.Digraph):
    """A `graphviz.Digraph` that renders with `find_renderer()`'s program.

    `pipe`, `render`, `view` and the Jupyter display (`_repr_mimebundle_`, which
    pipes SVG) check the program and the format before any work, then run it
    with `quiet=True` by default (graphviz-pure warns about the width of
    non-ASCII characters such as ∂; the glyphs render fine). The default
    format is svg. `dot_program`: None (discover), "dot", "graphviz-pure", a
    path, or a `Renderer`.
    """

    def __init__(self, *args, dot_program=None, **kwargs):
        kwargs.setdefault("format", "svg")
        super().__init__(*args, **kwargs)
        self.dot_program = dot_program

    def _copy_kwargs(self, **kwargs):
        # added afterwards: graphviz's Dot._copy_kwargs does not pass extra kwargs on
        copied = super()._copy_kwargs(**kwargs)
        copied["dot_program"] = self.dot_program
        return copied

    def renderer_for(self, format: str) -> Renderer:
        """The program that will write `format`; raises RendererError if none can."""
        renderer = self.dot_program if isinstance(self.dot_program, Renderer) \
            else find_renderer(self.dot_program)
        renderer.check_format(format)
        return renderer

    def for_renderer(self, program: Renderer, format: str) -> "GraphDrawing":
        """The drawing as `program` should get it for `format`: itself, or for
        graphviz-pure's PNG and JPEG a copy in the fonts it can draw (see
        RASTER_FONT_SUBSTITUTES)."""
        if program.kind != "graphviz-pure" or format.split(":")[0].lower() not in _RASTER_FORMATS:
            return self
        copy = self.copy()
        for font, substitute in RASTER_FONT_SUBSTITUTES.items():
            copy.body = [line.replace(f'fontname="{font}"', f'fontname="{substitute}"')
                         for line in copy.body]
        return copy

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None,
             quiet=True, *, engine=None, encoding=None):
        """The rendered drawing as bytes (or str with `encoding`), e.g. pipe("svg")."""
        program = self.renderer_for(format or self.format)
        drawing = self.for_renderer(program, format or self.format)
        with using_renderer(program):
            out = super(GraphDrawing, drawing).pipe(
                format, renderer=renderer, formatter=formatter, neato_no_op=neato_no_op,
                quiet=quiet, engine=engine, encoding=encoding)
        return svg_for_browsers(out) if _is_svg(format or self.format) else out

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None,
               renderer=None, formatter=None, neato_no_op=None, quiet=True, quiet_view=False,
               *, outfile=None, engine=None, raise_if_result_exists=False,
               overwrite_source=False):
        """Write the DOT source to `filename` and the picture to `filename.<format>`
        (or to `outfile`, whose suffix gives the format); returns the picture's path."""
        wanted = format
        if wanted is None and outfile is not None:
            wanted = pathlib.Path(outfile).suffix.lstrip(".").lower() or None
        program = self.renderer_for(wanted or self.format)
        drawing = self.for_renderer(program, wanted or self.format)
        with using_renderer(program):
            written = super(GraphDrawing, drawing).render(
                filename, directory=directory, view=False, cleanup=cleanup, format=format,
                renderer=renderer, formatter=formatter, neato_no_op=neato_no_op, quiet=quiet,
                quiet_view=False, outfile=outfile, engine=engine,
                raise_if_result_exists=raise_if_result_exists, overwrite_source=overwrite_source)
        if _is_svg(wanted or self.format):
            path = pathlib.Path(written)
            path.write_text(svg_for_browsers(path.read_text(encoding="utf-8")), encoding="utf-8")
        if view or quiet_view:  # after the SVG is fixed, as graphviz would
            self._view(written, format=self._format, quiet=quiet_view)
        return written
