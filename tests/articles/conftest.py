"""Shared by the article tests."""
import pytest


def _assert_rows_flagged(message, names):
    """Every named row of an assert_grads_match table says MISMATCH."""
    rows = {line.split()[0]: line for line in message.splitlines() if line.strip()}
    for name in names:
        assert name in rows and "MISMATCH" in rows[name], f"{name} not flagged in:\n{message}"


@pytest.fixture
def assert_rows_flagged():
    """``assert_rows_flagged(message, names)``: every named row of an ``assert_grads_match``
    failure table says MISMATCH (the cross-check caught the mistake in every parameter)."""
    return _assert_rows_flagged
