"""Bivariate-bicycle reference codes (qdesign.codes.bivariate_bicycle): n, commutation, k = 12 for both
[[72,12,6]] and the gross code [[144,12,12]], k from an independent GF(2) rank (tests/gf2_reference.py),
and the construction itself against a monomial-by-monomial matrix-power build."""

from __future__ import annotations

import numpy as np
import pytest
from gf2_reference import gf2_rank

from qdesign.codes.bivariate_bicycle import bb_72_12_6, bivariate_bicycle, gross_code


def _k(hx: np.ndarray, hz: np.ndarray) -> int:
    return hx.shape[1] - gf2_rank(hx) - gf2_rank(hz)


@pytest.mark.parametrize("build, n, w", [(bb_72_12_6, 72, 6), (gross_code, 144, 6)])
def test_named_bb_codes_n_commute_k12_weight6(build, n, w):
    hx, hz = build()
    assert hx.shape == hz.shape == (n // 2, n)
    assert not ((hx.astype(np.int64) @ hz.T.astype(np.int64)) % 2).any()
    assert _k(hx, hz) == 12
    for h in (hx, hz):  # every check and every qubit of weight 6 / degree 3
        assert set(h.sum(axis=1)) == {w} and set(h.sum(axis=0)) == {3}


def test_gross_code_equals_matrix_power_construction():
    shift = lambda k: np.roll(np.eye(k, dtype=np.int64), 1, axis=1)  # noqa: E731
    x = np.kron(shift(12), np.eye(6, dtype=np.int64))
    y = np.kron(np.eye(12, dtype=np.int64), shift(6))
    mp = np.linalg.matrix_power
    a = (mp(x, 3) + y + mp(y, 2)) % 2
    b = (mp(y, 3) + x + mp(x, 2)) % 2
    hx, hz = gross_code()
    assert np.array_equal(hx, np.hstack([a, b])) and np.array_equal(hz, np.hstack([b.T, a.T]))


def test_other_polynomials_commute_and_bad_size_raises():
    hx, hz = bivariate_bicycle(3, 5, [(1, 0), (0, 2)], [(2, 1), (0, 0), (1, 3)])
    assert hx.shape == (15, 30)
    assert not ((hx.astype(np.int64) @ hz.T.astype(np.int64)) % 2).any()
    # a repeated monomial cancels over GF(2)
    hx2, _ = bivariate_bicycle(3, 5, [(1, 0), (1, 0)], [(0, 0)])
    assert not hx2[:, :15].any()
    with pytest.raises(ValueError):
        bivariate_bicycle(0, 5, [(0, 0)], [(0, 0)])
