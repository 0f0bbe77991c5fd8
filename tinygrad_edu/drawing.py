"""Drawing computation graphs: tensors with values and gradients, ops with their
derivative rules, the order backward visits them, modules as clusters.

    import tinygrad_edu as tg
    from tinygrad_edu.drawing import draw_graph, retain_grads
    retain_grads(loss)           # optional: keep the gradients of intermediates too
    loss.backward()
    draw_graph(loss, names=dict(model.named_parameters()), show_order=True)

What is drawn (top to bottom, in the direction of the forward pass; `rankdir="LR"`
for left to right):

* one node per tensor: its name (from `names`, matched by identity, else
  `Tensor.name`), shape, dtype, value and gradient, in full when they hold at
  most `max_elems` numbers, else as min / mean / max. Leaves that require grad
  (parameters, inputs you differentiate by), constants (leaves without grad),
  intermediates and the root are styled apart and explained by a legend. After
  `backward()` the root shows the seed backward started from (1 for a scalar);
* one node per op (a `Function` node of the engine): its name, its engine name
  (`SigmoidBackward`) and its local derivative rule (`∂ = s(1−s)`);
* one edge per input of each op, labelled with the operand name the rule uses
  (`x`, `y`, `A`, `B`) when the op has several inputs. `a + a` draws two edges.

Gradients of intermediate tensors. After `backward()` only leaves keep `.grad`
(as in PyTorch). Two ways to see the others:

* `retain_grads(root)` before `backward()`: calls `retain_grad()` on every
  non-leaf tensor of the graph, so each one's `.grad` is filled too;
* `draw_graph(root, compute_grads=True)` while the graph is still alive (before
  `backward()`, or after `backward(retain_graph=True)`): computes d root / d t
  for every tensor with `tg.grad(..., retain_graph=True, allow_unused=True)`,
  touching no `.grad`.

Otherwise the drawing shows whatever `.grad` holds (`None` for tensors without one).

`draw_backward_steps(loss)` runs the engine's own backward once, watching it (an
`autograd.Observer`), and draws one frame per op in the engine's order;
`write_backward_steps_html` puts the frames on one self-contained HTML page with a
slider, which keeps the running op in view.

Text fits its box in any browser: see FONT below for the fonts and the
measurements behind them.

The DOT text comes from the pure function `graph_to_dot` (no renderer needed);
`draw_graph` wraps the same text in a `GraphDrawing` (a `graphviz.Digraph` that
finds `dot` or `graphviz-pure` by itself; see render.py). All walks over the
graph are loops, not recursion: a 100,000-op chain draws.
"""
from __future__ import annotations

import collections
import dataclasses
import html
import pathlib
import re
from collections.abc import Mapping

import numpy as np

from . import autograd, checks, gradients
from .autograd import topological_order
from .modes import no_grad
from .operands import CONSTANT_VERSION
from .render import (GraphDrawing, Renderer, RendererError, find_renderer, using_renderer,
                     svg_for_browsers)
from .tensor import Tensor

__all__ = ["draw_graph", "graph_to_dot", "retain_grads", "draw_backward_steps",
           "write_backward_steps_html", "find_renderer", "GraphDrawing", "Renderer",
           "RendererError", "using_renderer", "op_description"]

# ----------------------------------------------------------------------------
# what each op node says: display name, local derivative rule, operand names,
# all read from the op itself (see ops.py)

_SIGNATURE = re.compile(r"^(\w+)\((.*?)\): (.+)$")


def op_description(fn) -> tuple[str, str, tuple]:
    """(display name, derivative rule, operand names) of a graph node.

    From the first line of the op's docstring, `name(inputs): rule` (every op of
    ops.py and nn's are written so); another op (your own `tg.Function`) shows
    its class name and that first line. The options named by the op's `shows`
    attribute (c of x**c, the slope α, ...) are appended to the name.
    """
    cls = type(fn)
    lines = (cls.__doc__ or "").strip().splitlines()
    first = lines[0].strip() if lines else ""
    match = _SIGNATURE.match(first)
    display, rule, operands = (match[1], match[3], tuple(o.strip() for o in match[2].split(","))) \
        if match else (cls.__name__, first, ())
    shows = getattr(cls, "shows", None)
    if shows:
        values = {k: "none" if v is None else f"{v:g}" if isinstance(v, (int, float)) else v
                  for k, v in vars(fn).items()}
        try:
            display = f"{display} ({shows.format_map(values)})"
        except KeyError:  # the op did not record that option (never ran forward)
            pass
    if not operands or operands[-1] == "…":
        operands = tuple(f"x{_subscript(i)}" for i in range(len(fn.parents)))
    return display, rule, operands


def _subscript(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


# ----------------------------------------------------------------------------
# numbers as text


def array_lines(array: np.ndarray, max_elems: int) -> list[str]:
    """A small array in full (one line per row), a larger one as min / mean / max."""
    array = np.asarray(array)
    if array.size == 0:
        return ["(empty)"]
    if array.size <= max_elems:
        text = np.array2string(array, precision=4, separator=" ", max_line_width=80,
                               threshold=max(max_elems, 1000))
        return text.splitlines()
    return [summary_line(array)]


def summary_line(array: np.ndarray) -> str:
    """'min … mean … max …' over the finite values, plus a count of nan/inf."""
    values = np.asarray(array, dtype=np.float64).ravel()
    finite = np.isfinite(values)
    if not finite.any():
        return f"all {values.size} values nan/inf"
    with np.errstate(all="ignore"):  # huge float16/float64 sums may overflow
        kept = values[finite]
        text = f"min {kept.min():.4g}  mean {kept.mean():.4g}  max {kept.max():.4g}"
    bad = values.size - int(finite.sum())
    return text + (f"  ({bad} nan/inf)" if bad else "")


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _escape(text: str) -> str:
    """Text for a graphviz HTML-like label: & < > escaped (quotes are fine)."""
    return html.escape(str(text), quote=False)


# ----------------------------------------------------------------------------
# the graph model: what to draw, before any DOT text


@dataclasses.dataclass(eq=False)
class TensorNode:
    id: str
    tensor: Tensor          # the first Tensor object found for this value
    kind: str               # "output", "parameter", "constant" or "intermediate"
    name: str | None
    cluster: tuple = ()     # enclosing module clusters, outermost first
    producer: "OpNode | None" = None
    consumers: list = dataclasses.field(default_factory=list)  # [(OpNode, input index)]


@dataclasses.dataclass(eq=False)
class OpNode:
    id: str
    fn: object              # the engine's Function node
    step: int               # 1 = first op backward visits
    inputs: list            # TensorNodes, in argument order (repeats kept: a + a)
    output: TensorNode | None = None
    cluster: tuple = ()


@dataclasses.dataclass
class Cluster:
    key: str
    label: str
    parent: str | None


@dataclasses.dataclass
class GraphModel:
    """Tensors and ops of a graph, in forward order, with their module clusters."""

    roots: list
    order: list             # engine nodes in backward order (tg.topological_order)
    tensors: list           # TensorNodes in forward order
    ops: list               # OpNodes in forward order (reverse of `order`)
    clusters: dict          # key -> Cluster
    op_of: dict             # engine node -> OpNode


def _as_roots(root) -> list:
    if isinstance(root, Tensor):
        return [root]
    if isinstance(root, (list, tuple)) and root and all(isinstance(r, Tensor) for r in root):
        return list(root)
    raise TypeError(f"draw_graph: root must be a Tensor or a non-empty sequence of Tensors, "
                    f"got {type(root).__name__}")


def _names_by_identity(names, module) -> dict:
    """id(tensor) -> name, from a {name: tensor} mapping or (name, tensor) pairs;
    with a root module and no names, its named_parameters()."""
    if names is None and module is not None and hasattr(module, "named_parameters"):
        names = module.named_parameters()
    if names is None:
        return {}
    pairs = names.items() if isinstance(names, Mapping) else names
    by_id = {}
    for name, tensor in pairs:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"draw_graph: names must map names to Tensors (as "
                            f"dict(model.named_parameters()) does); {name!r} maps to "
                            f"{type(tensor).__name__}")
        by_id.setdefault(id(tensor), str(name))
    return by_id


class _ModuleClusters:
    """Cluster chains (outermost module first) for ops recorded inside nn.Modules.

    With the root `module`, paths come from `module.named_modules()` and nested
    modules give nested clusters ("layers" ⊃ "layers.0"). Without it, each op's
    innermost module (`fn.module`) is one flat cluster, labelled by its path when
    `names` tell it (the name "0.weight" of a module's own parameter "weight" puts
    that module at "0"), else by its class ("Sigmoid", "Sigmoid #2"): a module
    knows its children but not its parent, so nothing else can tell its name.
    """

    def __init__(self, module, name_of=None):
        self.root = module
        self.name_of = name_of or {}
        self.clusters = {}
        self.path_of, self.module_at = {}, {}
        if module is not None:
            if not hasattr(module, "named_modules"):
                raise TypeError(f"draw_graph: module must have named_modules() (an nn.Module), "
                                f"got {type(module).__name__}")
            for path, sub in module.named_modules():
                self.path_of.setdefault(id(sub), path)
                self.module_at[path] = sub
        self.instances = collections.Counter()
        self.object_keys = {}

    def chain_of(self, module) -> tuple:
        if module is None:
            return ()
        path = self.path_of.get(id(module))
        if path is None:
            return (self._object_cluster(module),)
        parts = path.split(".") if path else []
        keys = ["module:"] + ["module:" + ".".join(parts[:i + 1]) for i in range(len(parts))]
        for i, key in enumerate(keys):
            if key not in self.clusters:
                sub_path = key[len("module:"):]
                class_name = type(self.module_at[sub_path]).__name__
                label = f"{sub_path} · {class_name}" if sub_path else class_name
                self.clusters[key] = Cluster(key, label, keys[i - 1] if i else None)
        return tuple(keys)

    def _object_cluster(self, module) -> str:
        key = self.object_keys.get(id(module))
        if key is None:
            class_name = type(module).__name__
            key = f"object:{id(module)}"
            self.object_keys[id(module)] = key
            path = self._path_from_names(module)
            if path is not None:
                label = f"{path} · {class_name}" if path else class_name
            else:
                self.instances[class_name] += 1
                n = self.instances[class_name]
                label = class_name if n == 1 else f"{class_name} #{n}"
            self.clusters[key] = Cluster(key, label, None)
        return key

    def _path_from_names(self, module):
        """The module's dotted path, read off the given name of one of its own
        parameters or buffers ("0.weight" for its "weight": "0"), or None."""
        for method in ("named_parameters", "named_buffers"):
            if not hasattr(module, method):
                continue
            for local, tensor in getattr(module, method)(recurse=False):
                name = self.name_of.get(id(tensor))
                if name == local:
                    return ""
                if name is not None and name.endswith("." + local):
                    return name[:-len(local) - 1]
        return None

    def parameter_owners(self, modules_seen) -> dict:
        """id(parameter or buffer) -> (cluster chain of the module owning it, its local name)."""
        owners = {}
        if self.root is not None:
            members = list(self.root.named_parameters())
            if hasattr(self.root, "named_buffers"):
                members += list(self.root.named_buffers())
            for name, p in members:
                path, _, local = name.rpartition(".")
                if path in self.module_at:
                    owners.setdefault(id(p), (self.chain_of(self.module_at[path]), local))
        for module in modules_seen:
            for method in ("named_parameters", "named_buffers"):
                if hasattr(module, method):
                    for local, p in getattr(module, method)():
                        owners.setdefault(id(p), (self.chain_of(module), local))
        return owners


def build_graph(root, *, names=None, module=None, clusters: bool = False) -> GraphModel:
    """Walk the graph behind `root` (a Tensor or a sequence of Tensors) iteratively.

    Nodes are taken in `tg.topological_order` (the order backward visits them);
    tensors are the roots plus every input of every node. A non-leaf is one
    value per engine node, a leaf one value per Tensor object.
    """
    roots = _as_roots(root)
    order = topological_order([r.grad_fn for r in roots])
    name_of = _names_by_identity(names, module)
    module_clusters = (_ModuleClusters(module, name_of) if (clusters or module is not None)
                       else None)

    output_of = {}  # engine node -> the Tensor object it produced
    for r in roots:
        if r.grad_fn is not None:
            output_of.setdefault(r.grad_fn, r)
    for fn in order:
        for p, node in zip(fn.parents, fn.parent_nodes):
            if node is not None:
                output_of.setdefault(node, p)
    root_fns = {r.grad_fn for r in roots if r.grad_fn is not None}
    root_leaf_ids = {id(r) for r in roots if r.grad_fn is None}

    tensors, produced, leaves = [], {}, {}

    def new_tensor(t, kind):
        node = TensorNode(f"t{len(tensors)}", t, kind, name_of.get(id(t), t.name))
        tensors.append(node)
        return node

    def leaf_node(t):
        # a number an op turned into a tensor is shared by every op that uses that number
        # (operands.constant): drawn once per use, as it was written
        node = None if t._version_counter is CONSTANT_VERSION else leaves.get(id(t))
        if node is None:
            kind = ("output" if id(t) in root_leaf_ids else
                    "parameter" if t.requires_grad else "constant")
            node = leaves[id(t)] = new_tensor(t, kind)
        return node

    ops, op_of = [], {}
    steps = {fn: i + 1 for i, fn in enumerate(order)}
    for fn in reversed(order):  # forward order: every producer before its consumers
        inputs = [leaf_node(p) if node is None else produced[node]
                  for p, node in zip(fn.parents, fn.parent_nodes)]
        op = OpNode(f"op{steps[fn]}", fn, steps[fn], inputs)
        if module_clusters is not None:
            op.cluster = module_clusters.chain_of(fn.module)
        for i, node in enumerate(inputs):
            node.consumers.append((op, i))
        out = produced[fn] = new_tensor(output_of[fn], "output" if fn in root_fns else "intermediate")
        out.producer, out.cluster, op.output = op, op.cluster, out
        ops.append(op)
        op_of[fn] = op
    for r in roots:
        if r.grad_fn is None:
            leaf_node(r)

    if module_clusters is not None:
        seen = list({id(op.fn.module): op.fn.module for op in ops if op.fn.module is not None}.values())
        owners = module_clusters.parameter_owners(seen)
        for node in leaves.values():
            node.cluster, local_name = owners.get(id(node.tensor), ((), None))
            if node.name is None and local_name is not None:
                node.name = local_name  # e.g. "weight", inside its module's box
    return GraphModel(roots, order, tensors, ops,
                      module_clusters.clusters if module_clusters else {}, op_of)


def retain_grads(root) -> list:
    """Call `retain_grad()` on every non-leaf tensor of the graph behind `root`.

    Call it before `backward()`: afterwards every intermediate tensor keeps its
    `.grad`, and `draw_graph` shows all gradients. Returns those tensors.
    """
    model = build_graph(root)
    kept = [node.tensor for node in model.tensors if node.producer is not None]
    for t in kept:
        t.retain_grad()
    return kept


# ----------------------------------------------------------------------------
# DOT text

# Fonts. The renderer sizes every box with its own width table for the font named
# here, while a browser draws the SVG with whatever font it has, so the two must
# agree. graphviz-pure has tables for "DejaVu Sans", "Verdana", "Helvetica",
# "Arial", "Times" and "Courier" only (a list such as "Helvetica,sans-serif" falls
# back to Times widths). Measured in Chromium on Debian (only DejaVu fonts),
# every sans family is drawn as DejaVu Sans: a median 14.5% (up to 27%) wider than
# the Helvetica table (so bold names ran into their subtitles), 0.992 to 1.000
# times the DejaVu Sans table on ASCII (its guesses for ∂, ², ᵀ are wider than the
# glyphs). Courier comes out as DejaVu Sans Mono, 0.25-0.32% wider than the
# Courier table. Hence: lay out with DejaVu Sans and Courier, give every text some
# padding and every node a margin (they absorb Courier's 0.3% and the few % by
# which Verdana, what macOS and Windows draw for our SVGs, is wider on some
# strings; see render.py), and never put two spans of different fonts or sizes
# side by side in one cell. tests/tinygrad_edu/test_drawing_in_browser.py
# repeats these measurements and checks every drawing in the browser.
FONT, NUMBER_FONT = "DejaVu Sans", "Courier"
FONT_SIZE, SMALL_SIZE, CLUSTER_FONT_SIZE = 11, 9, 11
SUBTITLE_COLOR = "#555555"
# Every node is a rounded box around a borderless table: the box's margin keeps
# text clear of the rounded corners (graphviz rounds with a radius of up to 12 pt).
TENSOR_SHAPE = dict(shape="box", style="rounded,filled", margin="0.06,0.04")
OP_SHAPE = dict(shape="box", style="rounded,filled", margin="0.06,0.04")
OUTPUT_COLOR = "#2b8a3e"
MAIN_PATH_WEIGHT = 8
STYLE = {  # fill colours by tensor kind
    "parameter": "#cfe2ff",
    "constant": "#eeeeee",
    "intermediate": "#ffffff",
    "output": "#c9f2c0",
}
KIND_TAG = {"parameter": "requires grad", "constant": "constant", "intermediate": "",
            "output": "output"}
OP_FILL, ORDER_FILL, MODULE_FILL, CLUSTER_FILL = "#fff2cc", "#ffd28a", "#e8e0f5", "#f7f7fb"
# backward-steps frames: ops not yet visited are white with a dashed grey outline
# (constants are grey and solid), the running op is orange with a thick outline
PENDING_FILL, PENDING_COLOR, CURRENT_FILL, DONE_FILL = "#ffffff", "#8c8c8c", "#ff9f43", "#ffe3c2"
RECEIVED_FILL, FLOW_COLOR = "#ffc078", "#e8590c"


@dataclasses.dataclass
class _Options:
    show_data: bool = True
    show_grad: bool = True
    rankdir: str = "TB"
    max_elems: int = 10
    show_order: bool = False
    legend: bool = True


@dataclasses.dataclass
class _FrameState:
    """What one backward step looks like: see draw_backward_steps."""

    current: OpNode
    done: set               # OpNodes already processed (before `current`)
    grad_lines: dict        # tensor id -> lines shown in the grad cell (padded)
    received: set           # tensor ids that received a gradient in this step
    flowing: set            # (tensor id, op id): edges the gradient crossed in this step
    caption: str


def _number_block(lines) -> str:
    """Lines of numbers, one left-aligned Courier block."""
    return '<FONT FACE="%s">%s</FONT>' % (
        NUMBER_FONT, "".join(_escape(line) + '<BR ALIGN="LEFT"/>' for line in lines))


def _subtitle(text: str) -> str:
    return f'<FONT POINT-SIZE="{SMALL_SIZE}" COLOR="{SUBTITLE_COLOR}">{_escape(text)}</FONT>'


def _row_name(text: str) -> str:
    """'shape', 'data', 'grad': grey, at the size of the numbers they label (so that
    their baselines line up)."""
    return f'<FONT COLOR="{SUBTITLE_COLOR}">{_escape(text)}</FONT>'


def _title_row(title: str, subtitle: str) -> str:
    """A bold title and a small grey subtitle side by side, each in its own padded
    cell: their positions come from the layout, so they cannot run into each other."""
    cells = "".join(f'<TD ALIGN="{align}" VALIGN="BOTTOM">{text}</TD>'
                    for text, align in ((title, "LEFT"), (subtitle, "RIGHT")) if text)
    return ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"><TR>'
            + cells + "</TR></TABLE>")


def _tensor_label(node: TensorNode, options: _Options, grad_lines, grad_fill) -> str:
    t = node.tensor
    rows = []
    title = f"<B>{_escape(node.name)}</B>" if node.name else ""
    tag = _subtitle(KIND_TAG[node.kind]) if KIND_TAG[node.kind] else ""
    if title or tag:
        rows.append(f'<TR><TD COLSPAN="2" ALIGN="LEFT" CELLPADDING="1">{_title_row(title, tag)}</TD></TR>')
    rows.append(f'<TR><TD ALIGN="LEFT">{_row_name("shape")}</TD><TD ALIGN="LEFT">'
                f'{_number_block([f"{_shape_text(t.shape)} {t.dtype}"])}</TD></TR>')
    if options.show_data:
        rows.append(f'<TR><TD ALIGN="LEFT" VALIGN="TOP">{_row_name("data")}</TD><TD ALIGN="LEFT">'
                    f'{_number_block(array_lines(t._data, options.max_elems))}</TD></TR>')
    if grad_lines is not None:
        fill = f' BGCOLOR="{grad_fill}"' if grad_fill else ""
        rows.append(f'<TR><TD ALIGN="LEFT" VALIGN="TOP">{_row_name("grad")}</TD><TD ALIGN="LEFT"{fill}>'
                    f'{_number_block(grad_lines)}</TD></TR>')
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">'
            + "".join(rows) + "</TABLE>>")


def _op_label(op: OpNode, options: _Options) -> str:
    display, rule, _ = op_description(op.fn)
    number = (f'<TD ROWSPAN="2" BGCOLOR="{ORDER_FILL}"><FONT FACE="{NUMBER_FONT}"><B>{op.step}'
              f'</B></FONT></TD>') if options.show_order else ""
    title = _title_row(f"<B>{_escape(display)}</B>", _subtitle(op.fn.name()))
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2"><TR>{number}'
            f'<TD ALIGN="LEFT" CELLPADDING="0">{title}</TD></TR>'
            f'<TR><TD ALIGN="LEFT">{_escape(rule)}</TD></TR></TABLE>>')


def _stored_grad(t: Tensor):
    """The gradient a tensor holds without warnings: .grad of leaves and of
    non-leaves that retain it; None otherwise."""
    if t.grad_fn is not None and not t.retains_grad:
        return None
    grad = t.grad
    return None if grad is None else grad._data


def _backward_has_run(model: GraphModel) -> bool:
    """Whether backward() has run from this graph's root: the engine frees the
    root's node afterwards (unless retain_graph), and fills the leaves' .grad."""
    if any(getattr(r.grad_fn, "freed", False) for r in model.roots if r.grad_fn is not None):
        return True
    return any(n.tensor.grad is not None for n in model.tensors
               if n.producer is None and n.tensor.requires_grad)


def _grad_cell(node: TensorNode, grads, options: _Options, after_backward: bool):
    """The lines of a tensor's grad cell in a static drawing."""
    g = grads.get(node.id) if grads is not None else _stored_grad(node.tensor)
    if g is None and node.kind == "output" and after_backward and node.tensor._data.size == 1:
        # d root / d root: the seed backward started from (the engine keeps no .grad for it)
        return array_lines(np.ones_like(node.tensor._data), options.max_elems) + ["(seed)"]
    return ["None"] if g is None else array_lines(g, options.max_elems)


def _computed_grads(model: GraphModel) -> dict:
    """tensor id -> d root / d tensor, by tg.grad on the still-alive graph."""
    wanted = [n for n in model.tensors if n.tensor.requires_grad]
    if not wanted:
        return {}
    try:
        grads = gradients.grad(model.roots, [n.tensor for n in wanted], retain_graph=True,
                              allow_unused=True)
    except RuntimeError as error:
        if "second time" in str(error):
            raise RuntimeError(
                "draw_graph(compute_grads=True) needs the graph alive, but backward() has "
                "already freed it. Draw before calling backward() (or use "
                "backward(retain_graph=True)), or call tg.drawing.retain_grads(root) before "
                "backward() and draw without compute_grads.") from error
        raise
    return {n.id: None if g is None else g._data for n, g in zip(wanted, grads)}


def _legend_lines(options: _Options, frame: bool, collapsed: bool = False) -> list:
    def row(text, fill=None, cell="", dashed=False):
        swatch = (f'<TD BGCOLOR="{fill}" BORDER="1"' + (' STYLE="DASHED"' if dashed else "")
                  + f">{cell}</TD>") if fill else "<TD></TD>"
        return f'<TR>{swatch}<TD ALIGN="LEFT">{_escape(text)}</TD></TR>'

    rows = [row("leaf that requires grad (parameter, input)", STYLE["parameter"]),
            row("constant (leaf without grad)", STYLE["constant"]),
            row("intermediate result", STYLE["intermediate"]),
            row("output (the root)", STYLE["output"])]
    if frame:
        rows += [row("op backward has not reached yet", PENDING_FILL, dashed=True),
                 row("op backward is running now", CURRENT_FILL),
                 row("op already done", DONE_FILL),
                 row("gradient received in this step", RECEIVED_FILL)]
    else:
        rows.append(row("op: name, engine node, local rule", OP_FILL))
    rows.append(row("∂: local derivative, times G"))
    rows.append(row("G: gradient of the op's output"))
    if collapsed:
        rows.append(row("a module drawn as one node", MODULE_FILL))
    if options.show_order:
        rows.append(row("order in which backward visits ops", ORDER_FILL, _number_block(["1"])))
    # in a rank of its own after the last one: below a top-to-bottom drawing, where it
    # widens it least
    return ['\t{rank=sink; legend [shape=box style=rounded color="#bbbbbb" margin="0.06,0.04" '
            'class="legend" label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
            '<TR><TD COLSPAN="2" ALIGN="LEFT"><B>legend</B></TD></TR>' + "".join(rows) + "</TABLE>>]}"]


def _attrs(**attrs) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        value = str(value)
        parts.append(f"{key}={value}" if value.startswith("<") and value.endswith(">")
                     else f'{key}="{_dot_string(value)}"')
    return " ".join(parts)


def _dot_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _collapse_level(model: GraphModel, module, collapse_modules) -> int | None:
    """Index in an op's cluster chain at which modules collapse, or None."""
    if collapse_modules is False or collapse_modules is None:
        return None
    if module is None:
        return 0
    depth = 1 if collapse_modules is True else int(collapse_modules)
    if depth < 1:
        raise ValueError(f"draw_graph: collapse_modules must be True or a depth >= 1, "
                         f"got {collapse_modules!r}")
    return depth  # chain[0] is the root module itself


def _dot_body(model: GraphModel, options: _Options, *, grads=None, frame: _FrameState = None,
              collapse_level=None, draw_clusters=False) -> list:
    """The DOT statements (one per list item, without the enclosing `digraph {}`)."""
    lines = [f'\tgraph [rankdir={options.rankdir} fontname="{FONT}" fontsize={FONT_SIZE} '
             f'nodesep=0.2 ranksep=0.3' + (' labelloc=t labeljust=l' if frame else "") + "]",
             f'\tnode [fontname="{FONT}" fontsize={FONT_SIZE}]',
             f'\tedge [fontname="{FONT}" fontsize={SMALL_SIZE} color="#555555" arrowsize=0.7]']
    if frame is not None:
        lines.append(_caption_statement(frame.caption))
    after_backward = frame is None and grads is None and _backward_has_run(model)

    # which ops and tensors are absorbed into collapsed module nodes
    group_of_op, groups = {}, {}
    if collapse_level is not None:
        for op in model.ops:
            if len(op.cluster) > collapse_level:
                key = op.cluster[collapse_level]
                group_of_op[op] = key
                groups.setdefault(key, []).append(op)
    hidden = set()
    if groups:
        for node in model.tensors:
            if _absorbed_into(node, group_of_op) is not None:
                hidden.add(node.id)

    members = collections.defaultdict(list)  # cluster key (None = top) -> node lines

    def where(chain):
        return _visible_cluster(chain, collapse_level) if draw_clusters else None

    for node in model.tensors:
        if node.id in hidden:
            continue
        grad_lines, grad_fill = None, None
        if frame is not None:
            if node.tensor.requires_grad:
                grad_lines = frame.grad_lines.get(node.id)
                grad_fill = RECEIVED_FILL if node.id in frame.received else None
        elif options.show_grad and node.tensor.requires_grad:
            grad_lines = _grad_cell(node, grads, options, after_backward)
        label = _tensor_label(node, options, grad_lines, grad_fill)
        received = " received" if frame is not None and node.id in frame.received else ""
        members[where(node.cluster)].append(
            f"\t{node.id} [{_attrs(**TENSOR_SHAPE, fillcolor=STYLE[node.kind], color=OUTPUT_COLOR if node.kind == 'output' else None, label=label, **{'class': f'tensor {node.kind}{received}'})}]")

    for op in model.ops:
        if op in group_of_op:
            continue
        style = dict(OP_SHAPE, fillcolor=OP_FILL)
        state = ""
        if frame is not None:
            state = " current" if op is frame.current else " done" if op in frame.done else " pending"
            style.update({" current": dict(fillcolor=CURRENT_FILL, penwidth=3),
                          " done": dict(fillcolor=DONE_FILL),
                          " pending": dict(fillcolor=PENDING_FILL, color=PENDING_COLOR,
                                           style="rounded,filled,dashed")}[state])
        members[where(op.cluster)].append(
            f"\t{op.id} [{_attrs(**style, label=_op_label(op, options), **{'class': 'op' + state})}]")

    group_ids = {}
    for n, (key, group_ops) in enumerate(groups.items()):
        gid = group_ids[key] = f"m{n}"
        label = _group_label(model, key, group_ops, hidden, options)
        members[where(group_ops[0].cluster)].append(
            f"\t{gid} [{_attrs(shape='box', style='rounded,filled', fillcolor=MODULE_FILL, label=label, **{'class': 'module'})}]")

    edges = []
    for op in model.ops:
        _, _, operands = op_description(op.fn)
        if op in group_of_op:
            continue
        for i, node in enumerate(op.inputs):
            label = operands[i] if len(op.inputs) > 1 and i < len(operands) else None
            # the first operand's edge (the data flowing through) pulls hardest: the
            # main path runs straight down and weights, biases and targets hang off it
            weight = MAIN_PATH_WEIGHT if i == 0 and node.producer is not None else None
            edges.append(_edge(node.id, op.id, label, frame, (node.id, op.id), weight))
        edges.append(_edge(op.id, op.output.id, None, frame, (op.output.id, op.id), MAIN_PATH_WEIGHT))
    for key, group_ops in groups.items():
        gid, seen_in, seen_out = group_ids[key], set(), set()
        for op in group_ops:
            for node in op.inputs:
                if node.id not in hidden and node.id not in seen_in and group_of_op.get(node.producer) != key:
                    seen_in.add(node.id)
                    edges.append(f"\t{node.id} -> {gid}")
            if op.output.id not in hidden and op.output.id not in seen_out:
                seen_out.add(op.output.id)
                edges.append(f"\t{gid} -> {op.output.id}")

    lines += _nest_clusters(model.clusters, members, collapse_level, set(groups))
    lines += edges
    if options.legend:
        lines += _legend_lines(options, frame is not None, bool(groups))
    return lines


def _absorbed_into(node: TensorNode, group_of_op: dict):
    """The collapsed module that hides this tensor, or None if it stays drawn.

    Hidden: results made and used only inside one collapsed module; that module's
    own parameters; unnamed scalar constants used only inside it. Inputs (x, the
    targets) stay visible even when only one module uses them."""
    if node.kind == "output" or not node.consumers:
        return None
    users = {group_of_op.get(op) for op, _ in node.consumers}
    if len(users) != 1 or None in users:
        return None
    (group,) = users
    if node.producer is not None:
        return group if group_of_op.get(node.producer) == group else None
    if group in node.cluster:  # a parameter the module owns
        return group
    if node.kind == "constant" and node.name is None and node.tensor._data.size == 1:
        return group
    return None


def _label_html(text: str) -> str:
    return f"<{_escape(text)}>"


def _caption_statement(caption: str) -> str:
    """A frame's caption, drawn as the graph's title (one DOT statement, so that the
    step-through page, which shows the caption itself, can leave it out)."""
    lines = caption.split(". ")  # one sentence a line, left-aligned: a narrower title
    return "\tlabel=<" + '.<BR ALIGN="LEFT"/>'.join(_escape(line) for line in lines) + '<BR ALIGN="LEFT"/>>' 


def _visible_cluster(chain: tuple, collapse_level):
    """The innermost cluster a node is drawn in (a collapsed module draws no cluster)."""
    if collapse_level is not None:
        chain = chain[:collapse_level]
    return chain[-1] if chain else None


def _edge(src, dst, label, frame, key, weight=None) -> str:
    attrs = {"label": label, "weight": weight}
    if frame is not None and key in frame.flowing:
        attrs.update(color=FLOW_COLOR, penwidth=2.5, fontcolor=FLOW_COLOR)
    text = _attrs(**attrs)
    return f"\t{src} -> {dst}" + (f" [{text}]" if text else "")


def _group_label(model, key, group_ops, hidden, options) -> str:
    """A collapsed module: its label, its ops, the parameters only it uses."""
    counts = collections.Counter(op_description(op.fn)[0] for op in group_ops)
    ops_text = ", ".join(name if n == 1 else f"{name} ×{n}" for name, n in counts.items())
    own = [f"{node.name or 'leaf'} {_shape_text(node.tensor.shape)}" for node in model.tensors
           if node.id in hidden and node.producer is None and node.kind == "parameter"
           and node.consumers and node.consumers[0][0] in group_ops]
    rows = [f"<B>{_escape(model.clusters[key].label)}</B>", f"ops: {_escape(ops_text)}"]
    if own:
        rows.append(_number_block([", ".join(own)]))
    if options.show_order:
        steps = [op.step for op in group_ops]
        rows.append(f"backward steps {min(steps)}–{max(steps)}")
    # one text per cell, so that fonts never share a line
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
            + "".join(f'<TR><TD ALIGN="LEFT">{row}</TD></TR>' for row in rows) + "</TABLE>>")


def _nest_clusters(clusters: dict, members: dict, collapse_level, collapsed: set) -> list:
    """Emit member lines inside nested `subgraph cluster_…` blocks, with a loop."""
    children = collections.defaultdict(list)
    for key, cluster in clusters.items():
        if key in collapsed:
            continue
        children[cluster.parent].append(key)
    lines, numbers = [], {}
    stack = [("enter", None, 0)]
    while stack:
        action, key, depth = stack.pop()
        indent = "\t" * depth
        if action == "exit":
            lines.append(indent + "}")
            continue
        if key is not None:
            number = numbers.setdefault(key, len(numbers))
            lines.append(f"{indent}subgraph cluster_{number} {{")
            lines.append(f"{indent}\t{_attrs(label=_label_html(clusters[key].label), style='rounded,filled', fillcolor=CLUSTER_FILL, color='#9b8fc4', fontsize=CLUSTER_FONT_SIZE, margin=10)}")
            stack.append(("exit", key, depth))
            inner = depth + 1
        else:
            inner = depth
        lines.extend(("\t" * (inner - 1)) + line if inner else line for line in members.get(key, []))
        for child in reversed(children.get(key, [])):
            stack.append(("enter", child, inner))
    return lines


def _check_options(rankdir, max_elems):
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if isinstance(max_elems, bool) or not isinstance(max_elems, (int, np.integer)) or max_elems < 0:
        raise ValueError(f"draw_graph: max_elems must be an int >= 0, got {max_elems!r}")


def graph_to_dot(root, *, names=None, show_data=True, show_grad=True, rankdir="TB",
                 max_elems=10, show_order=False, cluster_modules=False, module=None,
                 collapse_modules=False, compute_grads=False, legend=True) -> str:
    """The DOT text of the graph behind `root` (see draw_graph): a pure function,
    no renderer needed."""
    return "digraph {\n" + "".join(line + "\n" for line in _body_for(
        root, names, show_data, show_grad, rankdir, max_elems, show_order, cluster_modules,
        module, collapse_modules, compute_grads, legend)) + "}\n"


def _body_for(root, names, show_data, show_grad, rankdir, max_elems, show_order,
              cluster_modules, module, collapse_modules, compute_grads, legend) -> list:
    _check_options(rankdir, max_elems)
    model = build_graph(root, names=names, module=module,
                        clusters=bool(cluster_modules or collapse_modules))
    options = _Options(show_data, show_grad, rankdir, int(max_elems), show_order, legend)
    grads = _computed_grads(model) if (compute_grads and show_grad) else None
    return _dot_body(model, options, grads=grads,
                     collapse_level=_collapse_level(model, module, collapse_modules),
                     draw_clusters=bool(cluster_modules))


def draw_graph(root, *, names=None, show_data=True, show_grad=True, rankdir="TB",
               max_elems=10, show_order=False, cluster_modules=False, module=None,
               collapse_modules=False, compute_grads=False, legend=True,
               dot_program=None) -> GraphDrawing:
    """Draw the computation graph behind `root` (a Tensor, or a sequence of them).

    names            {name: Tensor} (e.g. dict(model.named_parameters())), matched by
                     identity; else Tensor.name; with `module` and no names, the
                     module's named_parameters().
    show_data/grad   value and gradient rows (gradients: see the module docstring).
    max_elems        arrays with more elements are summarised as min / mean / max.
    rankdir          "TB" (top to bottom: a small network fits a notebook cell at
                     its natural size), "LR", "BT" or "RL".
    show_order       number ops in the order backward visits them
                     (= tg.topological_order([root.grad_fn]), 1 = first).
    cluster_modules  box the ops recorded inside each nn.Module; with `module` (the
                     root module) boxes are labelled by dotted path ("0 · Linear")
                     and nested; without it, by the path `names` give a module's
                     own parameters, else by class.
    collapse_modules True: one node per module (the children of `module`, or each
                     innermost module without it); an int n: the modules n levels
                     below `module`. Parameters used only inside are listed in it.
    compute_grads    fill gradients with tg.grad on the live graph (before backward).
    dot_program      None (find dot, else graphviz-pure), "dot", "graphviz-pure" or a path.

    Returns a `GraphDrawing` (a graphviz.Digraph): shows itself in Jupyter,
    `.render("name", format="svg"|"png")`, `.pipe("svg")`, `.source` for the DOT text.
    """
    body = _body_for(root, names, show_data, show_grad, rankdir, max_elems, show_order,
                     cluster_modules, module, collapse_modules, compute_grads, legend)
    return GraphDrawing(body=[line + "\n" for line in body], dot_program=dot_program)


# ----------------------------------------------------------------------------
# backward, one step at a time


@dataclasses.dataclass
class _Step:
    op: OpNode
    sums: dict              # tensor id -> gradient accumulated so far (NumPy)
    uses_done: dict         # tensor id -> how many of its uses have sent their gradient
    received: list          # tensor ids that received a gradient in this step
    arrived: bool           # False when no gradient reached this op (it is skipped)


class _StepRecorder(autograd.Observer):
    """What the engine's own backward does, node by node: (node, input gradients)."""

    def __init__(self):
        self.visits = {}

    def visited(self, fn, input_grads):
        self.visits[fn] = input_grads


def replay_backward(model: GraphModel, loss: Tensor, gradient=None) -> list:
    """Run the engine's backward on the live graph (retain_graph=True), watching each
    step, and list for every node in backward order what each tensor has received so
    far. Touches no `.grad` and runs the engine alone (no user hooks, no retain_grad)."""
    recorder, others = _StepRecorder(), autograd.observers[:]
    autograd.observers[:] = [recorder]
    try:
        seed = gradients.seed(loss, gradient, 0, create_graph=False)
        autograd.backpropagate([loss], [seed], retain_graph=True)
    except RuntimeError as error:
        if checks.FREED_MESSAGE not in str(error):
            raise
        raise RuntimeError("draw_backward_steps needs the graph alive, but backward() has "
                           "already freed it: call it before loss.backward() (or after "
                           "loss.backward(retain_graph=True)).") from error
    finally:
        autograd.observers[:] = others
    root = next(n for n in model.tensors if n.kind == "output")
    sums, uses_done, steps = {root.id: seed}, collections.Counter(), []
    for fn in model.order:
        op, input_grads = model.op_of[fn], recorder.visits.get(fn)
        received = []
        for i, node in enumerate(op.inputs):
            if not fn.needs_input_grad[i]:
                continue
            uses_done[node.id] += 1
            if input_grads is not None and input_grads[i] is not None:
                g = input_grads[i]
                sums[node.id] = np.array(g) if node.id not in sums else sums[node.id] + g
                received.append(node.id)
        steps.append(_Step(op, dict(sums), dict(uses_done), received, input_grads is not None))
    return steps


def _pad_block(blocks: list) -> list:
    """Pad text blocks to one common width and height, so that a node keeps its size
    in every frame (and the layout does not jump when the slider moves)."""
    height = max(len(b) for b in blocks)
    width = max((len(line) for b in blocks for line in b), default=0)
    return [[line.ljust(width) for line in b] + [" " * width] * (height - len(b)) for b in blocks]


def draw_backward_steps(loss: Tensor, *, names=None, show_data=True, rankdir="TB",
                        max_elems=10, cluster_modules=False, module=None, legend=True,
                        gradient=None, dot_program=None) -> list:
    """One drawing per backward step: frame k shows the graph after backward has run
    the k-th op of `tg.topological_order([loss.grad_fn])`.

    The op being processed is orange with a thick outline (its node's SVG group has
    class "current"), ops already done are light orange, ops still to come white
    with a dashed outline; each
    tensor's grad cell shows what it has received so far ("partial: 1 of 2 uses"
    until every op that uses it has sent its share; "complete" after), and the
    cells and edges that received a gradient in this step are highlighted.
    Call it before `loss.backward()` (it needs the saved values); it touches no
    `.grad`. Each frame has a `.caption` (also drawn as its title).
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"draw_backward_steps: loss must be a Tensor, got {type(loss).__name__}")
    if loss.grad_fn is None:
        raise RuntimeError("draw_backward_steps: loss has no grad_fn (it is a leaf or was "
                           "computed without grad): there is no backward pass to show")
    _check_options(rankdir, max_elems)
    model = build_graph(loss, names=names, module=module, clusters=cluster_modules)
    steps = replay_backward(model, loss, gradient)
    options = _Options(show_data, True, rankdir, int(max_elems), True, legend)

    uses_total = collections.Counter()
    for op in model.ops:
        for i, node in enumerate(op.inputs):
            if op.fn.needs_input_grad[i]:
                uses_total[node.id] += 1
    root_id = model.op_of[loss.grad_fn].output.id
    graded = [n for n in model.tensors if n.tensor.requires_grad]
    blocks = {n.id: [] for n in graded}
    for step in steps:
        for n in graded:
            value = step.sums.get(n.id)
            # ASCII only: graphviz-pure measures other characters by their UTF-8 bytes,
            # and padding must give every frame the same node widths
            lines = ["not yet"] if value is None else array_lines(value, options.max_elems)
            done, total = step.uses_done.get(n.id, 0), uses_total[n.id]
            status = ("seed" if n.id == root_id else "complete" if done == total
                      else f"waiting: 0 of {total} uses" if done == 0
                      else f"partial: {done} of {total} uses")
            blocks[n.id].append(lines + [status])
    padded = {key: _pad_block(b) for key, b in blocks.items()}

    frames, done = [], set()
    n_steps = len(steps)
    for k, step in enumerate(steps):
        op = step.op
        display, rule, _ = op_description(op.fn)
        sent = len(step.received)
        caption = (f"Step {k + 1} of {n_steps}: {display} ({op.fn.name()}), rule {rule}. "
                   + (f"It takes the gradient of its output and sends one to {sent} input"
                      f"{'s' if sent != 1 else ''}." if step.arrived
                      else "No gradient reached it, so backward skips it."))
        flowing = {(node.id, op.id) for node in op.inputs if node.id in step.received}
        flowing.add((op.output.id, op.id))
        state = _FrameState(op, set(done), {key: padded[key][k] for key in padded},
                            set(step.received), flowing, caption)
        body = _dot_body(model, options, frame=state, draw_clusters=cluster_modules)
        frame = GraphDrawing(body=[line + "\n" for line in body], dot_program=dot_program)
        frame.caption, frame.caption_statement = caption, _caption_statement(caption) + "\n"
        frames.append(frame)
        done.add(op)
    return frames


# ----------------------------------------------------------------------------
# one self-contained HTML page with a slider

# The page fills the window: a header (title, controls, the caption) and below it a
# stage that scrolls. Frames are drawn at their natural size (11 pt text is 14.7 px),
# not shrunk to the window, and at every step the stage scrolls, if needed, so that
# the op backward is running (its node's <g> has class "current") is in view.
_HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
html, body {{ height: 100%; margin: 0; }}
body {{ display: flex; flex-direction: column; color: #222;
       font-family: "DejaVu Sans", Verdana, sans-serif; }}
header {{ flex: none; padding: .3em 1em .4em; border-bottom: 1px solid #ccc; background: #fff; }}
h1 {{ font-size: 1.1em; margin: .2em 0 .4em; }}
.controls {{ display: flex; gap: .6em; align-items: center; }}
.controls input[type=range] {{ flex: 1; }}
.controls button {{ font: inherit; padding: .15em .8em; }}
#counter {{ min-width: 7em; text-align: right; }}
#caption {{ margin: .4em 0 .2em; min-height: 2.5em; }}
.hint {{ color: #666; font-size: .8em; margin: 0; }}
#stage {{ flex: 1; overflow: auto; }}
.frame {{ display: none; width: max-content; margin: 0 auto; padding: 12px; }}
.frame.active {{ display: block; }}
.frame svg {{ display: block; }}
.frame-caption {{ display: none; }}
</style>
<noscript><style>
body {{ display: block; }} #stage {{ overflow: visible; }} .controls, .hint {{ display: none; }}
.frame, .frame-caption {{ display: block; }}
</style></noscript>
</head>
<body>
<header>
<h1>{title}</h1>
<div class="controls">
<button id="prev" type="button" title="previous step (left arrow)">&#9664; prev</button>
<input id="slider" type="range" min="1" max="{count}" value="1" aria-label="backward step">
<button id="next" type="button" title="next step (right arrow)">next &#9654;</button>
<span id="counter"></span>
</div>
<p id="caption" aria-live="polite"></p>
<p class="hint">Slider, buttons or the left/right arrow keys (Home/End: first/last step).
The op backward is running is orange with a thick outline; dashed ops are still to come.</p>
</header>
<main id="stage">
{frames}
</main>
<script>
(function () {{
  var frames = document.querySelectorAll(".frame");
  var stage = document.getElementById("stage");
  var slider = document.getElementById("slider");
  var counter = document.getElementById("counter");
  var caption = document.getElementById("caption");
  var MARGIN = 24;  // px kept between the running op and the edge of the stage

  // scroll the stage (only when needed) so that the running op is fully in view
  function reveal(frame) {{
    var node = frame.querySelector("g.current");
    if (!node) return;
    var box = stage.getBoundingClientRect(), r = node.getBoundingClientRect();
    var left = box.left + stage.clientLeft, top = box.top + stage.clientTop;
    var right = left + stage.clientWidth, bottom = top + stage.clientHeight;
    if (r.left < left + MARGIN || r.right > right - MARGIN) {{
      stage.scrollLeft += (r.left + r.right) / 2 - (left + right) / 2;
    }}
    if (r.top < top + MARGIN || r.bottom > bottom - MARGIN) {{
      stage.scrollTop += (r.top + r.bottom) / 2 - (top + bottom) / 2;
    }}
  }}
  function show(i) {{
    i = Math.max(1, Math.min(frames.length, i));
    for (var k = 0; k < frames.length; k++) {{
      frames[k].classList.toggle("active", k === i - 1);
    }}
    slider.value = i;
    counter.textContent = "step " + i + " / " + frames.length;
    caption.textContent = frames[i - 1].querySelector(".frame-caption").textContent;
    reveal(frames[i - 1]);
  }}
  function step() {{ return parseInt(slider.value, 10); }}
  slider.addEventListener("input", function () {{ show(step()); }});
  document.getElementById("prev").addEventListener("click", function () {{ show(step() - 1); }});
  document.getElementById("next").addEventListener("click", function () {{ show(step() + 1); }});
  document.addEventListener("keydown", function (e) {{
    if (e.altKey || e.ctrlKey || e.metaKey) return;  // leave browser shortcuts alone
    var moves = {{ArrowLeft: step() - 1, ArrowRight: step() + 1, Home: 1, End: frames.length}};
    if (!(e.key in moves)) return;
    e.preventDefault();  // also stops the focused slider from moving a second time
    show(moves[e.key]);
  }});
  show(1);
}})();
</script>
</body>
</html>
"""


def inline_svg(svg: str, prefix: str) -> str:
    """An SVG document made fit to sit inside HTML: no XML prolog, doctype or
    comments, no namespace URLs (HTML5 knows <svg>), ids prefixed to stay unique."""
    svg = re.sub(r"<\?xml.*?\?>", "", svg, flags=re.S)
    svg = re.sub(r"<!DOCTYPE.*?>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    svg = re.sub(r'\bid="', f'id="{prefix}', svg)
    svg = re.sub(r"url\(#", f"url(#{prefix}", svg)
    svg = re.sub(r'href="#', f'href="#{prefix}', svg)
    return svg.strip()


_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"\s+viewBox="0\.00 0\.00 ([\d.]+) ([\d.]+)"')


def _same_size(svgs: list) -> list:
    """Give every frame the largest frame's canvas (content stays top-left), so that
    frames scaled to the page width are scaled alike and nothing jumps between steps."""
    sizes = [_SVG_SIZE.search(svg) for svg in svgs]
    if not all(sizes):
        return svgs
    width = max(float(m.group(3)) for m in sizes)
    height = max(float(m.group(4)) for m in sizes)
    out = []
    for svg, m in zip(svgs, sizes):
        # the drawing is translated down by its own height: keep it there, add room below/right
        out.append(svg[:m.start()] + f'<svg width="{width:.2f}pt" height="{height:.2f}pt" '
                   f'viewBox="0.00 0.00 {width:.2f} {height:.2f}"' + svg[m.end():])
    return out


def _without_caption(frame: GraphDrawing) -> GraphDrawing:
    """A copy of a frame of draw_backward_steps without its drawn caption."""
    statement = getattr(frame, "caption_statement", None)
    if statement is None:
        return frame
    copy = frame.copy()
    copy.body = [line for line in frame.body if line != statement]
    return copy


def write_backward_steps_html(frames_or_loss, path, *, title="Backward, step by step",
                              dot_program=None, **draw_options) -> pathlib.Path:
    """Write ONE self-contained HTML page stepping through backward with a slider
    (plus prev/next buttons and the arrow keys). Frames are inline SVG at their
    natural size (text is not shrunk to the window) in an area that scrolls to keep
    the running op in view; each step's caption is shown once, above it. The page
    loads nothing from the network.

    `frames_or_loss`: the frames of `draw_backward_steps`, or a loss Tensor (then
    `draw_options` go to draw_backward_steps). Returns the path written.
    """
    if isinstance(frames_or_loss, Tensor):
        frames = draw_backward_steps(frames_or_loss, dot_program=dot_program, **draw_options)
    else:
        if draw_options:
            raise TypeError(f"write_backward_steps_html: options {sorted(draw_options)} only "
                            "apply when a loss Tensor is given")
        frames = list(frames_or_loss)
    if not frames:
        raise ValueError("write_backward_steps_html: no frames to write")
    # choose and check the renderer for every frame before rendering any
    programs = []
    for frame in frames:
        if isinstance(frame, GraphDrawing):
            programs.append(frame.renderer_for("svg"))
        else:
            program = find_renderer(dot_program) if not isinstance(dot_program, Renderer) else dot_program
            program.check_format("svg")
            programs.append(program)
    svgs = []
    for frame, program in zip(frames, programs):
        if isinstance(frame, GraphDrawing):
            # the page shows the caption above the stage: leave it out of the drawing
            svg = _without_caption(frame).pipe(format="svg", encoding="utf-8")
        else:
            with using_renderer(program):
                svg = svg_for_browsers(frame.pipe(format="svg", encoding="utf-8", quiet=True))
        svgs.append(svg)
    parts = []
    for k, (frame, svg) in enumerate(zip(frames, _same_size(svgs))):
        caption = getattr(frame, "caption", None) or f"Step {k + 1} of {len(frames)}"
        parts.append(f'<div class="frame">\n<p class="frame-caption">{html.escape(caption)}</p>\n'
                     f"{inline_svg(svg, f'f{k + 1}-')}\n</div>")
    page = _HTML_PAGE.format(title=html.escape(title), count=len(frames), frames="\n".join(parts))
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
