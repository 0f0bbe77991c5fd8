"""Graph drawing: the DOT text (no renderer needed), pictures rendered for real with
graphviz-pure (forced, so it is tested even where a system dot exists), renderer
discovery and its errors, backward step by step, and big graphs."""
import html
import os
import pathlib
import re
import sys
import sysconfig

import numpy as np
import pytest
from graphviz.backend import dot_command

import nn
import tinygrad_edu as tg
from tinygrad_edu import drawing
from tinygrad_edu.articles.activations import sigmoid
from tinygrad_edu.drawing import (GraphDrawing, RendererError, draw_backward_steps, draw_graph,
                                  find_renderer, graph_to_dot, retain_grads,
                                  write_backward_steps_html)
from tinygrad_edu.render import svg_for_browsers


@pytest.fixture(scope="module")
def graphviz_pure():
    """graphviz-pure from PATH, else beside sys.executable: a dev dependency, so it must exist."""
    renderer = find_renderer("graphviz-pure")
    assert renderer.kind == "graphviz-pure"
    return renderer


def svg_texts(svg: str) -> list:
    """The text drawn in an SVG, entities decoded (graphviz writes '-' as &#45;, ' ' as &#160;)."""
    return [html.unescape(t).replace("\xa0", " ")
            for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)]


def node_line(dot: str, marker: str) -> str:
    """The one DOT statement of the node whose label contains `marker`."""
    lines = [line for line in dot.splitlines() if "[shape=" in line and marker in line]
    assert len(lines) == 1, f"{marker!r} found in {len(lines)} node lines"
    return lines[0]


def neuron():
    """L = sigmoid(x @ W + b).sum() with named W and b, float64."""
    x = tg.tensor([[0.5, -1.0]], dtype=tg.float64)
    x.name = "x"
    W = tg.Tensor(np.array([[1.0, 0.0, 2.0], [0.0, 0.5, 1.0]]), requires_grad=True)
    b = tg.Tensor(np.array([0.0, 0.25, 0.5]), requires_grad=True)
    z = x @ W + b
    s = z.sigmoid()
    loss = s.sum()
    return x, W, b, z, s, loss


# ----------------------------------------------------------------------------
# the DOT text


def test_dot_shows_names_shapes_values_ops_and_rules():
    x, W, b, z, s, loss = neuron()
    dot = graph_to_dot(loss, names={"W": W, "b": b})
    z_expected = np.array([[0.5, -1.0]]) @ W.numpy(force=True) + b.numpy(force=True)  # [[0.5, -0.25, 0.5]]
    s_expected = sigmoid(z_expected)
    for text in ["<B>W</B>", "<B>b</B>", "<B>x</B>", "(2, 3)", "(3,)", "(1, 2)", "float64",
                 "sigmoid", "SigmoidBackward", "∂ = s(1−s)",
                 "matmul", "MatMulBackward", "∂A = G·Bᵀ, ∂B = Aᵀ·G",
                 "add", "AddBackward", "sum", "SumBackward",
                 f"{s_expected[0, 0]:.4f}", f"{s_expected.sum():.4f}"]:
        assert text in dot, text
    # every tensor and every op is one node: 3 leaves + 4 results, 4 ops
    assert len(re.findall(r'^\tt\d+ \[.*class="tensor ', dot, flags=re.M)) == 7
    assert len(re.findall(r"^\top\d+ \[", dot, flags=re.M)) == 4


def test_fonts_are_single_families_the_renderers_measure():
    # graphviz-pure measures "DejaVu Sans" and "Courier" with their own width tables; a
    # family list such as "DejaVu Sans,sans-serif" would be measured as Times
    *_, loss = neuron()
    dot = graph_to_dot(loss, show_order=True)
    assert 'fontname="DejaVu Sans"' in dot and 'FACE="Courier"' in dot
    assert set(re.findall(r'(?:fontname=|FACE=)"([^"]*)"', dot)) == {"DejaVu Sans", "Courier"}


def test_names_are_matched_by_identity_then_tensor_name():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    twin = tg.tensor([1.0, 2.0], requires_grad=True)  # equal values, another tensor
    labelled = tg.tensor([3.0, 4.0], requires_grad=True)
    labelled.name = "from_attribute"
    overridden = tg.tensor([5.0, 6.0], requires_grad=True)
    overridden.name = "old"
    loss = (a * twin + labelled * overridden).sum()
    dot = graph_to_dot(loss, names={"alpha": a, "new": overridden})
    assert dot.count("<B>alpha</B>") == 1
    assert "<B>from_attribute</B>" in dot and "<B>new</B>" in dot and "<B>old</B>" not in dot
    # the twin has no name: its node has only its kind tag
    unnamed = [line for line in dot.splitlines() if 'class="tensor ' in line and "requires grad" in line
               and "<B>" not in line.split("requires grad")[0]]
    assert len(unnamed) == 1


def test_names_accept_named_parameters_pairs():
    model = nn.Linear(2, 1)
    loss = model(tg.ones(1, 2)).sum()
    assert "<B>weight</B>" in graph_to_dot(loss, names=model.named_parameters())


def test_labels_escape_html_special_characters():
    t = tg.tensor([1.0], requires_grad=True)
    t.name = 'a<b>&c "q"'
    dot = graph_to_dot((t * 2).sum())
    assert "a&lt;b&gt;&amp;c" in dot
    assert "a<b>&c" not in dot


def test_leaves_parameters_constants_intermediates_and_root_are_styled_apart():
    x, W, b, z, s, loss = neuron()
    dot = graph_to_dot(loss, names={"W": W, "b": b, "z": z, "loss": loss})
    fills = {marker: re.search(r'fillcolor="(#[0-9a-f]{6})"', node_line(dot, marker)).group(1)
             for marker in ["<B>W</B>", "<B>x</B>", "<B>z</B>", "<B>loss</B>"]}
    assert len(set(fills.values())) == 4  # parameter, constant, intermediate, root
    assert fills["<B>W</B>"] == re.search(r'fillcolor="(#[0-9a-f]{6})"',
                                          node_line(dot, "<B>b</B>")).group(1)
    legend = node_line(dot, "<B>legend</B>")
    for fill in fills.values():
        assert f'BGCOLOR="{fill}"' in legend
    assert "requires grad" in legend and "constant" in legend


def test_a_number_used_twice_is_drawn_once_per_use():
    # both ops share one tensor for 2.0 (operands.constant); the picture shows what was
    # written: two constants, each with one edge
    x = tg.tensor([1.0, 3.0], requires_grad=True)
    y = x * 2.0 + x * 2.0
    graph = drawing.build_graph(y)
    constants = [t for t in graph.tensors if t.kind == "constant"]
    assert len(constants) == 2 and all(len(t.consumers) == 1 for t in constants)
    assert constants[0].tensor is constants[1].tensor


def test_unknown_op_shows_class_name_and_docstring_rule():
    class Square(tg.Function):
        """d/dx x² = 2x"""
        saves_inputs = True

        def forward(self, x):
            return x * x

        def backward(self, g, x):
            return g * 2 * x

    t = tg.tensor([3.0], requires_grad=True)
    dot = graph_to_dot(Square.apply(t).sum())
    assert "<B>Square</B>" in dot and "SquareBackward" in dot and "d/dx x² = 2x" in dot


def test_op_options_are_shown():
    t = tg.tensor([3.0, -1.0], requires_grad=True)
    dot = graph_to_dot(((t ** 3).leaky_relu(0.2)).sum())
    assert "pow (c = 3)" in dot and "leaky_relu (α = 0.2)" in dot


def test_every_engine_op_states_its_rule_in_its_docstring():
    # the drawing reads `name(inputs): rule` from the op's docstring: one source
    from tinygrad_edu import ops
    engine_ops = [cls for cls in vars(ops).values()
                  if isinstance(cls, type) and issubclass(cls, tg.Function) and cls is not tg.Function]
    assert len(engine_ops) > 20
    for cls in engine_ops:
        assert drawing._SIGNATURE.match(cls.__doc__.strip().splitlines()[0]), cls.__name__


def test_operands_label_edges_of_ops_with_several_inputs():
    A = tg.ones(2, 3, requires_grad=True)
    B = tg.ones(3, 2, requires_grad=True)
    dot = graph_to_dot((A @ B).sum())
    assert re.search(r'\tt\d+ -> op\d+ \[label="A"\]', dot)
    assert re.search(r'\tt\d+ -> op\d+ \[label="B"\]', dot)


def test_a_plus_a_draws_two_parallel_edges():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    a.name = "a"
    b = a + a
    dot = graph_to_dot(b.sum())
    a_id = re.search(r"\t(t\d+) \[[^\n]*<B>a</B>", dot).group(1)
    edges = re.findall(rf"\t{a_id} -> (op\d+)", dot)
    assert len(edges) == 2 and edges[0] == edges[1]


def op_numbers_and_engine_names(dot: str) -> list:
    """(backward-order number, engine name) of every op node of a show_order drawing."""
    ops = [line for line in dot.splitlines() if re.match(r"\top\d+ \[", line)]
    return [(int(re.search(r'<FONT FACE="Courier"><B>(\d+)</B></FONT>', line).group(1)),
             re.search(r'COLOR="#555555">(\w+)</FONT>', line).group(1)) for line in ops]


def test_backward_order_numbers_match_topological_order():
    x = tg.tensor([0.3, -0.2], requires_grad=True)
    w = tg.tensor([1.5, 2.0], requires_grad=True)
    a = x * w
    loss = (a.sigmoid() + a.tanh() * a).sum()  # a branch and a reuse
    dot = graph_to_dot(loss, show_order=True)
    numbered = dict(op_numbers_and_engine_names(dot))
    expected = [fn.name() for fn in tg.topological_order([loss.grad_fn])]
    assert [numbered[k] for k in range(1, len(expected) + 1)] == expected
    assert len(numbered) == len(expected)


def test_backward_order_of_a_neuron_by_hand():
    x = tg.tensor(0.5, requires_grad=True)
    w = tg.tensor(-1.0, requires_grad=True)
    b = tg.tensor(0.25, requires_grad=True)
    dot = graph_to_dot((x * w + b).sigmoid(), show_order=True)
    # backward starts at the output: sigmoid, then the add, then the mul
    assert sorted(op_numbers_and_engine_names(dot)) == [
        (1, "SigmoidBackward"), (2, "AddBackward"), (3, "MulBackward")]


def test_small_arrays_in_full_large_ones_summarised():
    small = tg.Tensor(np.arange(10.0), requires_grad=True)
    large = tg.Tensor(np.arange(11.0), requires_grad=True)
    dot = graph_to_dot((small.sum() + large.sum()), max_elems=10)
    assert "[0. 1. 2. 3. 4. 5. 6. 7. 8. 9.]" in dot
    values = np.arange(11.0)
    summary = f"min {values.min():.4g}  mean {values.mean():.4g}  max {values.max():.4g}"
    assert summary == "min 0  mean 5  max 10" and summary in dot


def test_summary_counts_nan_and_inf():
    values = np.array([1.0, np.nan, 3.0, np.inf, 5.0])
    assert drawing.summary_line(values) == "min 1  mean 3  max 5  (2 nan/inf)"
    assert drawing.summary_line(np.full(3, np.nan)) == "all 3 values nan/inf"


def test_grads_before_and_after_backward():
    x, W, b, z, s, loss = neuron()
    before = graph_to_dot(loss, names={"W": W, "b": b, "z": z})
    assert "None" in node_line(before, "<B>W</B>")
    loss.backward()
    after = graph_to_dot(loss, names={"W": W, "b": b, "z": z})
    s_np = sigmoid(np.array([[0.5, -1.0]]) @ W.numpy(force=True) + b.numpy(force=True))
    db = s_np * (1 - s_np)  # dL/dz = s(1-s), and dL/db = dL/dz summed over the batch of 1
    assert np.array2string(db[0], precision=4, separator=" ") in node_line(after, "<B>b</B>")
    assert "None" in node_line(after, "<B>z</B>")  # an intermediate keeps no .grad


def test_the_root_shows_the_seed_after_backward():
    # the engine keeps no .grad for the loss (a non-leaf), but backward started from
    # d loss / d loss = 1: after backward the drawing shows that seed, not "None"
    x, W, b, z, s, loss = neuron()
    assert "None" in node_line(graph_to_dot(loss, names={"loss": loss}), "<B>loss</B>")
    loss.backward()
    root = node_line(graph_to_dot(loss, names={"loss": loss}), "<B>loss</B>")
    assert "None" not in root and re.search(r"grad</FONT></TD><TD[^>]*><FONT FACE=\"Courier\">1\.<BR "
                                            r'ALIGN="LEFT"/>\(seed\)<BR', root)


def test_the_root_shows_the_seed_after_backward_with_retain_graph():
    x, W, b, z, s, loss = neuron()
    loss.backward(retain_graph=True)  # the graph stays alive; W.grad tells backward ran
    assert "(seed)" in node_line(graph_to_dot(loss, names={"loss": loss}), "<B>loss</B>")


def test_drawings_run_top_to_bottom_by_default():
    *_, loss = neuron()
    assert "rankdir=TB" in graph_to_dot(loss)
    assert "rankdir=LR" in graph_to_dot(loss, rankdir="LR")


def test_retain_grads_fills_intermediate_gradients():
    x, W, b, z, s, loss = neuron()
    kept = retain_grads(loss)
    assert {id(z), id(s), id(loss)} <= {id(t) for t in kept}
    loss.backward()
    s_np = sigmoid(np.array([[0.5, -1.0]]) @ W.numpy(force=True) + b.numpy(force=True))
    np.testing.assert_allclose(z.grad.numpy(force=True), s_np * (1 - s_np), rtol=1e-12)
    dot = graph_to_dot(loss, names={"z": z})
    assert np.array2string(s_np * (1 - s_np), precision=4, separator=" ") in node_line(dot, "<B>z</B>")


def test_retain_grads_covers_every_non_leaf():
    x, W, b, z, s, loss = neuron()
    kept = retain_grads(loss)
    assert len(kept) == 4  # x @ W, z, s, loss
    assert all(t.retains_grad for t in kept)


def test_compute_grads_uses_the_live_graph_and_touches_no_grad():
    x, W, b, z, s, loss = neuron()
    dot = graph_to_dot(loss, names={"z": z, "W": W}, compute_grads=True)
    s_np = sigmoid(np.array([[0.5, -1.0]]) @ W.numpy(force=True) + b.numpy(force=True))
    dz = s_np * (1 - s_np)
    dW = np.array([[0.5], [-1.0]]) @ dz  # x^T · dL/dz
    assert np.array2string(dz, precision=4, separator=" ") in node_line(dot, "<B>z</B>")
    assert np.array2string(dW, precision=4, separator=" ").splitlines()[0] in node_line(dot, "<B>W</B>")
    assert W.grad is None
    loss.backward()  # the graph is still usable
    np.testing.assert_allclose(W.grad.numpy(force=True), dW, rtol=1e-12)
    with pytest.raises(RuntimeError, match="needs the graph alive"):
        graph_to_dot(loss, compute_grads=True)


def test_draw_graph_source_is_graph_to_dot():
    *_, loss = neuron()
    assert draw_graph(loss, show_order=True).source == graph_to_dot(loss, show_order=True)


def test_leaf_root_and_several_roots():
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    assert "output" in graph_to_dot(t)
    u = t * 2
    dot = graph_to_dot([u.sum(), (t * 3).sum()])
    assert dot.count(">output<") == 2


def test_bad_arguments_raise_clear_errors():
    *_, loss = neuron()
    with pytest.raises(TypeError, match="root must be a Tensor"):
        graph_to_dot([1.0])
    with pytest.raises(ValueError, match="rankdir"):
        graph_to_dot(loss, rankdir="sideways")
    with pytest.raises(ValueError, match="max_elems"):
        graph_to_dot(loss, max_elems=-1)
    with pytest.raises(TypeError, match="names must map names to Tensors"):
        graph_to_dot(loss, names={"w": 3.0})


# ----------------------------------------------------------------------------
# modules


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
        self.head = nn.Linear(3, 1)

    def forward(self, x):
        return self.head(self.body(x))


def net_and_loss():
    tg.manual_seed(0)
    model = Net()
    x = tg.randn(4, 2)
    x.name = "x"
    out = model(x)
    loss = (out * out).mean()  # raw ops, outside every module
    return model, x, loss


def cluster_depths(dot: str) -> dict:
    """cluster label -> nesting depth (tabs before its label line)."""
    return {m.group(2): len(m.group(1)) for m in re.finditer(r"^(\t*)label=<([^>]*)>", dot, flags=re.M)}


def test_module_clusters_are_nested_and_labelled_by_path():
    model, x, loss = net_and_loss()
    dot = graph_to_dot(loss, module=model, cluster_modules=True)
    depths = cluster_depths(dot)
    assert depths["Net"] < depths["body · Sequential"] < depths["body.0 · Linear"]
    assert depths["body.1 · Tanh"] == depths["body.0 · Linear"]
    assert depths["head · Linear"] == depths["body · Sequential"]
    # parameters are named by their dotted path and drawn inside their module's box
    for name in ["body.0.weight", "body.0.bias", "head.weight", "head.bias"]:
        assert f"<B>{name}</B>" in dot
    assert node_line(dot, "<B>body.0.weight</B>").startswith("\t" * (depths["body.0 · Linear"]))
    # the loss ops ran outside every module: top level, one tab
    assert node_line(dot, "MulBackward").startswith("\top")


def test_clusters_without_root_module_are_flat_and_by_class():
    model, x, loss = net_and_loss()
    dot = graph_to_dot(loss, cluster_modules=True)
    depths = cluster_depths(dot)
    assert set(depths) == {"Linear", "Tanh", "Linear #2"}
    assert set(depths.values()) == {1}
    assert "<B>weight</B>" in dot  # named locally inside its box


def test_clusters_without_root_module_are_named_by_the_parameter_names_given():
    # "body.0.weight" is the name of the Linear's own "weight": that Linear is "body.0".
    # A Tanh owns no parameter, and a module does not know its parent: class only.
    model, x, loss = net_and_loss()
    dot = graph_to_dot(loss, cluster_modules=True, names=dict(model.named_parameters()))
    assert set(cluster_depths(dot)) == {"body.0 · Linear", "Tanh", "head · Linear"}
    collapsed = graph_to_dot(loss, collapse_modules=True, names=dict(model.named_parameters()))
    assert re.findall(r"^\tm\d+ \[.*?<B>([^<]*)</B>", collapsed, flags=re.M) == [
        "body.0 · Linear", "Tanh", "head · Linear"]


def test_sequential_children_are_named_by_their_index_with_the_root_module():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    loss = model(tg.randn(4, 2)).sum()
    dot = graph_to_dot(loss, module=model, cluster_modules=True)
    assert list(cluster_depths(dot)) == ["Sequential", "0 · Linear", "1 · Sigmoid", "2 · Linear",
                                         "3 · Sigmoid"]


def test_collapse_modules_draws_one_node_per_module():
    model, x, loss = net_and_loss()
    dot = graph_to_dot(loss, module=model, collapse_modules=True)
    modules = re.findall(r"^\t(m\d+) \[.*?<B>([^<]*)</B>", dot, flags=re.M)
    assert [label for _, label in modules] == ["body · Sequential", "head · Linear"]
    assert "LinearBackward" not in dot and "TanhBackward" not in dot
    assert "body.0.weight (3, 2)" in dot and "head.bias (1,)" in dot
    x_id = re.search(r"\t(t\d+) \[[^\n]*<B>x</B>", dot).group(1)
    assert f"\t{x_id} -> {modules[0][0]}" in dot  # the input stays visible
    deeper = graph_to_dot(loss, module=model, collapse_modules=2, cluster_modules=True)
    labels = re.findall(r"^\t*m\d+ \[.*?<B>([^<]*)</B>", deeper, flags=re.M)
    assert labels == ["body.0 · Linear", "body.1 · Tanh"]
    assert "head · Linear" in cluster_depths(deeper)  # not collapsed at depth 2: still a box


# ----------------------------------------------------------------------------
# rendering with graphviz-pure


def test_rendered_svg_contains_the_labels(graphviz_pure):
    x, W, b, z, s, loss = neuron()
    drawing_ = draw_graph(loss, names={"W": W, "b": b, "weird<&>": z}, show_order=True,
                          dot_program=graphviz_pure)
    texts = " | ".join(svg_texts(drawing_.pipe(format="svg", encoding="utf-8")))
    s_np = sigmoid(np.array([[0.5, -1.0]]) @ W.numpy(force=True) + b.numpy(force=True))
    for text in ["W", "b", "weird<&>", "(2, 3)", "float64", "sigmoid", "SigmoidBackward",
                 "∂ = s(1−s)", "matmul", "∂A = G·Bᵀ, ∂B = Aᵀ·G", f"{s_np.sum():.4f}", "legend"]:
        assert text in texts, text
    assert 'font-family="Courier' in drawing_.pipe(format="svg", encoding="utf-8")


def test_svgs_name_fallback_fonts_and_keep_spaces():
    # a renderer writes the one family it measured; browsers without it would fall
    # back to a serif font; Graphviz's dot writes no xml:space, and browsers then
    # drop the leading spaces that align the rows of a printed array
    svg = ('<text text-anchor="start" x="1" font-family="DejaVu Sans"> [0. 1.]</text>'
           '<text xml:space="preserve" x="2" font-family="Courier,monospace">1</text>')
    assert svg_for_browsers(svg) == (
        '<text xml:space="preserve" text-anchor="start" x="1" '
        'font-family="DejaVu Sans,Verdana,sans-serif"> [0. 1.]</text>'
        '<text xml:space="preserve" x="2" font-family="Courier,monospace">1</text>')
    assert svg_for_browsers(svg.encode()) == svg_for_browsers(svg).encode()


def test_render_writes_svg_and_png(graphviz_pure, tmp_path):
    *_, loss = neuron()
    drawing_ = draw_graph(loss, dot_program=graphviz_pure)
    svg_path = drawing_.render(str(tmp_path / "graph"), format="svg")
    png_path = drawing_.render(str(tmp_path / "graph"), format="png")
    svg = pathlib.Path(svg_path).read_text(encoding="utf-8")
    assert svg_path.endswith(".svg") and "<svg" in svg
    assert 'font-family="DejaVu Sans,Verdana,sans-serif"' in svg and 'font-family="DejaVu Sans"' not in svg
    assert pathlib.Path(png_path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = drawing_.render(outfile=str(tmp_path / "direct.png"))
    assert pathlib.Path(out).read_bytes()[:4] == b"\x89PNG"


def test_graphviz_pure_draws_pngs_in_a_font_it_has(graphviz_pure):
    # its own rasteriser draws "DejaVu Sans" as a serif font, "Arial" as a sans-serif
    # one with Arial's widths, which its Arial table lays out: PNGs use Arial
    *_, loss = neuron()
    drawing_ = draw_graph(loss, dot_program=graphviz_pure)
    png_source = drawing_.for_renderer(graphviz_pure, "png").source
    assert 'fontname="Arial"' in png_source and 'fontname="DejaVu Sans"' not in png_source
    assert drawing_.for_renderer(graphviz_pure, "svg") is drawing_
    assert drawing_.for_renderer(drawing.Renderer("/usr/bin/dot", "dot"), "png") is drawing_
    assert drawing_.source.count('fontname="DejaVu Sans"') == 3  # graph, node, edge: untouched


def test_jupyter_display_uses_the_renderer(graphviz_pure):
    *_, loss = neuron()
    bundle = draw_graph(loss, dot_program=graphviz_pure)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "SigmoidBackward" in bundle["image/svg+xml"]
    assert 'font-family="DejaVu Sans,Verdana,sans-serif"' in bundle["image/svg+xml"]


def test_dot_binary_is_restored_after_rendering(graphviz_pure):
    *_, loss = neuron()
    before = dot_command.DOT_BINARY
    draw_graph(loss, dot_program=graphviz_pure).pipe(format="svg")
    assert dot_command.DOT_BINARY == before


def test_copies_and_subgraphs_keep_the_renderer_choice(graphviz_pure):
    *_, loss = neuron()
    drawing_ = draw_graph(loss, dot_program=graphviz_pure)
    copy = drawing_.copy()
    assert isinstance(copy, GraphDrawing) and copy.dot_program == graphviz_pure
    assert copy.source == drawing_.source


def test_pdf_under_graphviz_pure_fails_before_any_work(graphviz_pure, tmp_path):
    *_, loss = neuron()
    drawing_ = draw_graph(loss, dot_program=graphviz_pure)
    with pytest.raises(RendererError, match="'pdf'.*graphviz-pure") as error:
        drawing_.pipe(format="pdf")
    assert "system Graphviz" in str(error.value) and "svg" in str(error.value)
    with pytest.raises(RendererError, match="'ps'"):
        drawing_.render(str(tmp_path / "graph"), format="ps")
    with pytest.raises(RendererError, match="'pdf'"):
        drawing_.render(outfile=str(tmp_path / "graph.pdf"))
    assert list(tmp_path.iterdir()) == []  # not even the .gv source was written


def hide_every_renderer(monkeypatch, tmp_path):
    """No dot and no graphviz-pure anywhere: an empty PATH, a python in an empty folder."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    monkeypatch.setattr(sysconfig, "get_path", lambda *args, **kwargs: str(empty))


def test_no_renderer_gives_one_error_naming_both_fixes(monkeypatch, tmp_path):
    *_, loss = neuron()
    hide_every_renderer(monkeypatch, tmp_path)
    with pytest.raises(RendererError) as error:
        find_renderer()
    message = str(error.value)
    assert "pip install graphviz-pure" in message and "system Graphviz" in message
    drawing_ = draw_graph(loss)  # drawing itself needs no renderer
    assert "SigmoidBackward" in drawing_.source
    out = tmp_path / "out"
    out.mkdir()
    for attempt in (lambda: drawing_.pipe(format="svg"),
                    lambda: drawing_.render(str(out / "graph"), format="png"),
                    lambda: drawing_._repr_mimebundle_()):
        with pytest.raises(RendererError, match="pip install graphviz-pure"):
            attempt()
    assert list(out.iterdir()) == []
    with pytest.raises(RendererError, match="pip install graphviz-pure"):
        write_backward_steps_html(loss, out / "steps.html")
    assert list(out.iterdir()) == []


def fake_program(folder: pathlib.Path, name: str) -> pathlib.Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


@pytest.mark.skipif(os.name == "nt", reason="fake executables are shell scripts")
def test_look_up_order(monkeypatch, tmp_path):
    hide_every_renderer(monkeypatch, tmp_path)
    venv_bin = tmp_path / "venv" / "bin"
    beside = fake_program(venv_bin, "graphviz-pure")
    monkeypatch.setattr(sys, "executable", str(venv_bin / "python"))
    assert find_renderer() == drawing.Renderer(str(beside), "graphviz-pure")  # venv, not activated
    on_path = fake_program(tmp_path / "path_bin", "graphviz-pure")
    monkeypatch.setenv("PATH", str(tmp_path / "path_bin"))
    assert find_renderer().path == str(on_path)  # PATH before the venv folder
    system_dot = fake_program(tmp_path / "system", "dot")
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path / "system"), str(tmp_path / "path_bin")]))
    assert find_renderer() == drawing.Renderer(str(system_dot), "dot")  # a system dot comes first
    assert find_renderer("graphviz-pure").path == str(on_path)  # unless graphviz-pure is asked for
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "dot").symlink_to(on_path)  # a `dot` that is really graphviz-pure
    monkeypatch.setenv("PATH", str(shim))
    assert find_renderer().kind == "graphviz-pure"


# ----------------------------------------------------------------------------
# backward, step by step


def shared_use_graph():
    """a is used by two ops, so its gradient arrives in two parts."""
    x = tg.tensor([0.5, -1.0], requires_grad=True)
    x.name = "x"
    w = tg.tensor([2.0, 0.5], requires_grad=True)
    w.name = "w"
    a = x * w
    a.name = "a"
    loss = (a.sigmoid() + a.tanh()).sum()
    return x, w, a, loss


def test_one_frame_per_op_in_backward_order():
    x, w, a, loss = shared_use_graph()
    frames = draw_backward_steps(loss)
    order = tg.topological_order([loss.grad_fn])
    assert len(frames) == len(order)
    for k, (frame, fn) in enumerate(zip(frames, order)):
        current = [line for line in frame.body if f'fillcolor="{drawing.CURRENT_FILL}"' in line]
        assert len(current) == 1 and fn.name() in current[0]
        assert frame.caption.startswith(f"Step {k + 1} of {len(order)}: ")


def test_frames_show_partial_then_complete_gradients():
    x, w, a, loss = shared_use_graph()
    frames = draw_backward_steps(loss)
    statuses = [re.search(r"<B>a</B>.*?(waiting: \d of \d uses|partial: \d of \d uses|complete)",
                          frame.source).group(1) for frame in frames]
    order = [fn.name() for fn in tg.topological_order([loss.grad_fn])]
    first_use = min(order.index("SigmoidBackward"), order.index("TanhBackward"))
    second_use = max(order.index("SigmoidBackward"), order.index("TanhBackward"))
    assert statuses[first_use - 1] == "waiting: 0 of 2 uses"
    assert statuses[first_use] == "partial: 1 of 2 uses"
    assert statuses[second_use] == "complete"


def test_replayed_backward_equals_the_engine_and_leaves_grads_alone():
    x, w, a, loss = shared_use_graph()
    model = drawing.build_graph(loss)
    steps = drawing.replay_backward(model, loss)
    assert x.grad is None and w.grad is None
    loss.backward()  # the replay freed nothing
    by_tensor = {id(n.tensor): n.id for n in model.tensors}
    a_np = np.array([0.5, -1.0]) * np.array([2.0, 0.5])
    s = sigmoid(a_np)
    da = s * (1 - s) + (1 - np.tanh(a_np) ** 2)  # the two uses of a, summed
    np.testing.assert_allclose(steps[-1].sums[by_tensor[id(x)]], da * np.array([2.0, 0.5]), rtol=1e-6)
    np.testing.assert_allclose(steps[-1].sums[by_tensor[id(x)]], x.grad.numpy(force=True), rtol=0, atol=0)
    np.testing.assert_allclose(steps[-1].sums[by_tensor[id(w)]], w.grad.numpy(force=True), rtol=0, atol=0)


def test_frames_keep_their_layout(graphviz_pure, tmp_path):
    # on the page (which shows each caption above the drawing, not in it) every node
    # keeps its place from frame to frame, so nothing jumps when the slider moves
    x, w, a, loss = shared_use_graph()
    page = write_backward_steps_html(loss, tmp_path / "steps.html", dot_program=graphviz_pure)
    frames = page.read_text(encoding="utf-8").split('<div class="frame">')[1:]

    def node_outlines(svg):
        return re.findall(r"<title>(t\d+|op\d+)</title>\s*<(?:polygon|path)[^>]*(?:points|d)=\"([^\"]*)\"", svg)

    outlines = [node_outlines(frame) for frame in frames]
    assert len(outlines) == 5 and outlines[0] and all(o == outlines[0] for o in outlines)


def test_steps_need_the_live_graph():
    x, w, a, loss = shared_use_graph()
    loss.backward()
    with pytest.raises(RuntimeError, match="needs the graph alive"):
        draw_backward_steps(loss)
    with pytest.raises(RuntimeError, match="no grad_fn"):
        draw_backward_steps(x)


def test_backward_steps_html_page(graphviz_pure, tmp_path):
    x, w, a, loss = shared_use_graph()
    n_ops = len(tg.topological_order([loss.grad_fn]))
    path = write_backward_steps_html(loss, tmp_path / "steps.html", dot_program=graphviz_pure)
    page = path.read_text(encoding="utf-8")
    assert page.count('<div class="frame"') == n_ops
    assert page.count("<svg") == n_ops
    assert "http://" not in page and "https://" not in page
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert '<input id="slider" type="range" min="1" max="%d"' % n_ops in page
    assert 'id="prev"' in page and 'id="next"' in page
    assert "ArrowLeft" in page and "ArrowRight" in page
    sizes = set(re.findall(r'<svg width="([\d.]+pt)" height="([\d.]+pt)"', page))
    assert len(sizes) == 1  # all frames on one canvas size: the slider does not jump
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_html_from_frames(graphviz_pure, tmp_path):
    x, w, a, loss = shared_use_graph()
    frames = draw_backward_steps(loss, dot_program=graphviz_pure)
    page = write_backward_steps_html(frames[:2], tmp_path / "two.html", title="a <title>")
    text = page.read_text(encoding="utf-8")
    assert text.count('<div class="frame"') == 2 and "a &lt;title&gt;" in text


# ----------------------------------------------------------------------------
# big graphs


def chain_with_skips(n_steps: int):
    """x_{k+1} = tanh(x_k · w_k + x_{k-1}): seven nodes per step."""
    rng = np.random.default_rng(0)
    xs = [tg.Tensor(rng.normal(size=3), requires_grad=True) for _ in range(2)]
    for _ in range(n_steps):
        w = tg.Tensor(rng.normal(size=3), requires_grad=True)
        xs.append((xs[-1] * w + xs[-2]).tanh())
    return xs[-1].sum()


def test_a_thousand_node_graph_draws_and_renders(graphviz_pure):
    root = chain_with_skips(145)
    drawing_ = draw_graph(root, show_order=True, dot_program=graphviz_pure)
    n_nodes = sum(1 for line in drawing_.body if re.match(r"\t(t|op)\d+ \[", line))
    assert n_nodes >= 1000
    svg = drawing_.pipe(format="svg", encoding="utf-8")
    assert svg.count('class="node ') == n_nodes + 1  # and the legend


def test_twenty_layer_mlp_collapses_to_twenty_nodes(graphviz_pure):
    tg.manual_seed(0)
    layers = []
    for _ in range(10):
        layers += [nn.Linear(16, 16), nn.Tanh()]
    model = nn.Sequential(*layers)
    loss = model(tg.randn(8, 16)).sum()
    dot = graph_to_dot(loss, module=model, collapse_modules=True)
    assert len(re.findall(r"^\tm\d+ \[", dot, flags=re.M)) == 20
    assert "<svg" in draw_graph(loss, module=model, collapse_modules=True,
                                dot_program=graphviz_pure).pipe(format="svg", encoding="utf-8")


def test_a_5000_deep_chain_is_walked_without_recursion():
    x = tg.tensor([0.1], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y.tanh()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(500)  # a recursive walk would fail long before 5,000
    try:
        dot = graph_to_dot(y.sum(), show_data=False, show_grad=False, show_order=True)
        retain_grads(y)
    finally:
        sys.setrecursionlimit(limit)
    assert len(re.findall(r"^\top\d+ \[", dot, flags=re.M)) == 5001
    assert "<B>5001</B>" in dot
