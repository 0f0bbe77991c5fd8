"""The four backpropagation tutorials, each re-coded in plain NumPy in its own conventions.

One module per article: its network's forward pass, the article's hand-derived deltas,
its training update and the mistake it documents (as a separate function), written from
the article's formulas. They are the *oracles* the tests compare autograd against, the
hand-written NumPy the benchmarks time, and what the examples and
``examples/manual_vs_autograd.py`` show side by side with autograd.

==================  =======================================================================
``bias_trick``      000, Rosebrock, "Backpropagation from scratch with Python" (PyImageSearch):
                    ones column last, sigmoid everywhere, ½Σ(p − y)², per-sample SGD
``column_vectors``  001, Girão Serrão, "Neural networks fundamentals with Python –
                    backpropagation" (mathspp): W (out, in), b (out, 1), per-layer f, MSE
``logistic_mlp``    002, Jana, "Understand and Implement the Backpropagation Algorithm From
                    Scratch In Python" (A Developer Diary): samples as columns, sigmoid, mean
                    binary cross-entropy, full-batch descent
``xor_activations`` 003, Salloum, "Back Propagation, the Easy Way (Part 2)" (Towards Data
                    Science): ones column first, tanh / sigmoid / relu, one sample per step
``activations``     sigmoid & co. and their derivatives, shared by all four
``layouts``         the column articles' W_i, b_i as ``nn.Sequential`` state-dict names
==================  =======================================================================

Each module's docstring gives the article's public address. Only NumPy is needed.
"""
