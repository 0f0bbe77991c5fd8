"""nn: modules, losses and optimizers built only on tinygrad_edu's public API."""
