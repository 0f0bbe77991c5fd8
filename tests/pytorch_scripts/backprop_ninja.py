# makemore's "backprop ninja" check: a hand-derived gradient against autograd's.
import torch
import torch.nn.functional as F

torch.manual_seed(42)
n, vocab = 8, 5
logits = torch.randn(n, vocab, requires_grad=True)
Yb = torch.randint(0, vocab, (n,))
logits_kept = logits * 1.0
logits_kept.retain_grad()
loss = F.cross_entropy(logits_kept, Yb)
loss.backward()

dlogits = F.softmax(logits_kept, 1)
dlogits[range(n), Yb] -= 1
dlogits /= n
exact = torch.all(dlogits == logits_kept.grad).item()
close = torch.allclose(dlogits, logits_kept.grad)
maxdiff = (dlogits - logits_kept.grad).abs().max().item()
