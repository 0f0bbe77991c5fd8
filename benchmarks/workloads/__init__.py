"""SPEC §7's workloads, W1–W5: each module's `build(quick, seed, ...)` returns a Workload."""
from . import w1_xor, w2_digits, w3_bce_full_batch, w4_leaky_column, w5_scalar_chain

BUILDERS = {
    "W1": w1_xor.build,
    "W2": w2_digits.build,
    "W3": w3_bce_full_batch.build,
    "W4": w4_leaky_column.build,
    "W5": w5_scalar_chain.build,
}
