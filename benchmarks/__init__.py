"""Benchmarks: the same training math written three ways (hand NumPy, tinygrad_edu + nn,
PyTorch) and timed against each other. Run `python benchmarks/run.py --help`."""
