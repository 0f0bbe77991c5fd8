# A micrograd-style loop: parameters updated by hand through .data, gradients zeroed in place.
import torch

torch.manual_seed(1)
xs = torch.tensor([[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]])
ys = torch.tensor([1.0, -1.0, -1.0, 1.0])
w1 = torch.randn(3, 4, requires_grad=True)
b1 = torch.zeros(4, requires_grad=True)
w2 = torch.randn(4, 1, requires_grad=True)
params = [w1, b1, w2]
losses = []
for step in range(50):
    out = torch.tanh(torch.tanh(xs @ w1 + b1) @ w2).squeeze(1)
    loss = ((out - ys) ** 2).sum()
    for p in params:
        if p.grad is not None:
            p.grad.data.zero_()
    loss.backward()
    for p in params:
        p.data -= 0.05 * p.grad
    losses.append(loss.item())
