"""Bivariate-bicycle CSS codes (Bravyi et al., arXiv 2308.07915), used as LER reference points.

With x = S_l ⊗ I_m and y = I_l ⊗ S_m (S_k the k x k cyclic shift), A and B sums of monomials x^i y^j,
the code is H_X = [A | B], H_Z = [B^T | A^T] on n = 2 l m qubits.  H_X H_Z^T = AB + BA = 0 because x
and y commute, so every such pair is a valid CSS code.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

#: the two named codes of the paper's Table 3 used in this project: (l, m, A terms, B terms),
#: a term (i, j) meaning x^i y^j
BB_72_12_6 = (6, 6, ((3, 0), (0, 1), (0, 2)), ((0, 3), (1, 0), (2, 0)))
GROSS_144_12_12 = (12, 6, ((3, 0), (0, 1), (0, 2)), ((0, 3), (1, 0), (2, 0)))


def _monomial(ell: int, m: int, i: int, j: int) -> np.ndarray:
    sx = np.roll(np.eye(ell, dtype=np.uint8), i, axis=1)
    sy = np.roll(np.eye(m, dtype=np.uint8), j, axis=1)
    return np.kron(sx, sy)


def bivariate_bicycle(ell: int, m: int, a_terms: Iterable[tuple[int, int]],
                      b_terms: Iterable[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(H_X, H_Z) = ([A | B], [B^T | A^T]) with A = sum of x^i y^j over ``a_terms``, B likewise."""
    if ell < 1 or m < 1:
        raise ValueError(f"ell={ell}, m={m}: both must be >= 1")
    a = np.zeros((ell * m, ell * m), dtype=np.uint8)
    b = np.zeros_like(a)
    for i, j in a_terms:
        a ^= _monomial(ell, m, i, j)
    for i, j in b_terms:
        b ^= _monomial(ell, m, i, j)
    return np.hstack([a, b]), np.hstack([b.T, a.T])


def bb_72_12_6() -> tuple[np.ndarray, np.ndarray]:
    """The [[72,12,6]] bivariate-bicycle code: l = m = 6, A = x^3 + y + y^2, B = y^3 + x + x^2."""
    return bivariate_bicycle(*BB_72_12_6)


def gross_code() -> tuple[np.ndarray, np.ndarray]:
    """The [[144,12,12]] gross code: l = 12, m = 6, A = x^3 + y + y^2, B = y^3 + x + x^2."""
    return bivariate_bicycle(*GROSS_144_12_12)
