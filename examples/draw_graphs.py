"""Drawing computation graphs: the XOR network before and after backward, backward step
by step on one HTML page, and an MLP boxed (and collapsed) by module.

Everything renders with `dot` when a system Graphviz is installed, else with the
pip-installed `graphviz-pure` (tinygrad_edu.drawing.find_renderer says which).

Writes into --out (default ./out):

* xor_before_backward.svg   the 2-2-1 sigmoid XOR network and its loss, values only;
* xor_backward_steps.html   one page, a slider over backward's steps (no network needed);
* xor_after_backward.svg/.png  after retain_grads + backward: every tensor's gradient,
                            ops numbered in the order backward visits them;
* mlp_modules.svg           a 2-8-8-1 tanh MLP, ops boxed by the module that made them;
* mlp_collapsed.svg         the same with each layer drawn as one node.

    python examples/draw_graphs.py                # writes ./out/...
    python examples/draw_graphs.py --docs docs    # also docs/xor_graph.svg for the README
"""
import argparse
import os
import shutil

import nn
import tinygrad_edu as tg
from tinygrad_edu.drawing import (draw_backward_steps, draw_graph, find_renderer, retain_grads,
                                  write_backward_steps_html)

XOR_INPUTS = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_TARGETS = [[0.0], [1.0], [1.0], [0.0]]


def xor_network_and_loss(seed: int):
    """Article 000's XOR set-up: 2-2-1 sigmoid layers, loss ½·Σ(prediction − target)²."""
    tg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 2, dtype=tg.float64), nn.Sigmoid(),
                          nn.Linear(2, 1, dtype=tg.float64), nn.Sigmoid())
    x = tg.tensor(XOR_INPUTS, dtype=tg.float64)
    y = tg.tensor(XOR_TARGETS, dtype=tg.float64)
    x.name, y.name = "x", "target"
    prediction = model(x)
    prediction.name = "prediction"
    loss = 0.5 * ((prediction - y) ** 2).sum()
    loss.name = "loss"
    return model, loss


def mlp_and_loss(seed: int):
    tg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1))
    x = tg.randn(16, 2)
    x.name = "x"
    y = tg.randn(16, 1)
    y.name = "target"
    loss = nn.MSELoss()(model(x), y)
    loss.name = "loss"
    return model, loss


def save_svg(drawing, path: str) -> str:
    with open(path, "w", encoding="utf-8") as f:
        f.write(drawing.pipe(format="svg", encoding="utf-8"))
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", "--out-dir", dest="out", default="out",
                        help="where the pictures and the HTML page go")
    parser.add_argument("--docs", default=None,
                        help="also write xor_graph.svg into this folder (the README's picture); "
                             "none: only --out")
    parser.add_argument("--rankdir", default="TB", choices=["TB", "LR", "BT", "RL"],
                        help="direction of the XOR drawings (TB: top to bottom)")
    parser.add_argument("--seed", type=int, default=0, help="seeds the weights of both networks (tg.manual_seed)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)

    renderer = find_renderer()  # fails here, with both fixes named, if nothing can render
    print(f"rendering with {renderer.kind}: {renderer.path}")
    written = []

    model, loss = xor_network_and_loss(args.seed)
    names = dict(model.named_parameters())
    written.append(save_svg(draw_graph(loss, names=names, show_order=True, rankdir=args.rankdir),
                            os.path.join(args.out, "xor_before_backward.svg")))

    # before backward: the replay needs the values backward saves
    frames = draw_backward_steps(loss, names=names, rankdir=args.rankdir)
    written.append(str(write_backward_steps_html(
        frames, os.path.join(args.out, "xor_backward_steps.html"),
        title="XOR 2-2-1: backward, step by step")))

    retain_grads(loss)  # so that intermediate tensors keep their .grad too
    loss.backward()
    after = draw_graph(loss, names=names, show_order=True, rankdir=args.rankdir)
    written.append(save_svg(after, os.path.join(args.out, "xor_after_backward.svg")))
    written.append(after.render(os.path.join(args.out, "xor_after_backward"), format="png",
                                cleanup=True))
    if args.docs:
        os.makedirs(args.docs, exist_ok=True)
        written.append(shutil.copyfile(os.path.join(args.out, "xor_after_backward.svg"),
                                       os.path.join(args.docs, "xor_graph.svg")))

    mlp, mlp_loss = mlp_and_loss(args.seed)
    mlp_loss.backward()
    written.append(save_svg(draw_graph(mlp_loss, module=mlp, cluster_modules=True, show_order=True),
                            os.path.join(args.out, "mlp_modules.svg")))
    written.append(save_svg(draw_graph(mlp_loss, module=mlp, collapse_modules=True),
                            os.path.join(args.out, "mlp_collapsed.svg")))

    print(f"XOR loss {loss.item():.6f}; backward visits {len(frames)} ops")
    for path in written:
        print("wrote", path)


if __name__ == "__main__":
    main()
