"""One error type for a mistyped keyword in every public one-call function (TypeError and ValueError)."""

import numpy as np
import pytest

import qdesign
from qdesign.plugins import UnknownKeywordError


def test_compile_unitary_unknown_keyword_is_both_kinds():
    with pytest.raises(UnknownKeywordError, match="timelimit") as info:
        qdesign.compile_unitary(np.eye(2), gate_set="clifford_t", epsilon=1e-2, timelimit=5)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("exc", [TypeError, ValueError])
def test_reduce_weight_unknown_keyword_caught_as(exc):
    h = np.array([[1, 1, 1, 1, 0, 0, 0], [0, 1, 1, 0, 1, 1, 0], [0, 0, 1, 1, 0, 1, 1]], dtype=np.uint8)
    with pytest.raises(exc, match="timelimit"):
        qdesign.reduce_weight(h, h, method="rl", timelimit=5)
