"""Hypergraph products (Tillich–Zémor) of classical parity-check matrices.

``H_X = [H1 ⊗ I_n2 | I_r1 ⊗ H2^T]`` and ``H_Z = [I_n1 ⊗ H2 | H1^T ⊗ I_r2]`` (He & Liu eqs. 6–7).
Qubit order: the n1·n2 "left" qubits (i, j) -> i·n2 + j, then the r1·r2 "right" qubits
(a, b) -> n1·n2 + a·r2 + b.
"""

from __future__ import annotations

import numpy as np

from qdesign.codes import gf2
from qdesign.codes.css import CSSCode


def hgp_matrices(h1: np.ndarray, h2: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(H_X, H_Z)`` of the hypergraph product of ``h1`` and ``h2`` (default ``h2 = h1``)."""
    h1 = gf2.as_binary(h1, "h1", allow_empty_rows=False)
    h2 = h1 if h2 is None else gf2.as_binary(h2, "h2", allow_empty_rows=False)
    r1, n1 = h1.shape
    r2, n2 = h2.shape
    hx = np.hstack([np.kron(h1, np.eye(n2, dtype=np.uint8)), np.kron(np.eye(r1, dtype=np.uint8), h2.T)])
    hz = np.hstack([np.kron(np.eye(n1, dtype=np.uint8), h2), np.kron(h1.T, np.eye(r2, dtype=np.uint8))])
    return (hx % 2).astype(np.uint8), (hz % 2).astype(np.uint8)


def hgp(h1: np.ndarray, h2: np.ndarray | None = None, name: str = "") -> CSSCode:
    """The hypergraph-product CSS code."""
    hx, hz = hgp_matrices(h1, h2)
    return CSSCode(hx, hz, name=name)


def hgp_parameters(h1: np.ndarray, h2: np.ndarray | None = None) -> tuple[int, int]:
    """``(n, k)`` of HGP(h1, h2) from the seeds alone: k = k1 k2 + k1ᵀ k2ᵀ."""
    h1 = gf2.as_binary(h1, "h1")
    h2 = h1 if h2 is None else gf2.as_binary(h2, "h2")
    r1, n1 = h1.shape
    r2, n2 = h2.shape
    rk1, rk2 = gf2.rank(h1), gf2.rank(h2)
    k1, k2, k1t, k2t = n1 - rk1, n2 - rk2, r1 - rk1, r2 - rk2
    return n1 * n2 + r1 * r2, k1 * k2 + k1t * k2t


def hgp_seeds_of(h_x: np.ndarray, h_z: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Recover (H1, H2) if (h_x, h_z) is exactly their hypergraph product in qdesign's layout.

    Only the layout of :func:`hgp_matrices` is recognised (no qubit or check permutation); each
    candidate shape (n1, n2, r1, r2) with n1 n2 + r1 r2 = n is rebuilt and compared entry by entry."""
    hx, hz = gf2.as_binary(h_x, "h_x"), gf2.as_binary(h_z, "h_z")
    n, rx, rz = hx.shape[1], hx.shape[0], hz.shape[0]
    for n1 in range(1, n + 1):
        for n2 in range(1, n // n1 + 1):
            rest = n - n1 * n2
            if rx % n2 or rz % n1:
                continue
            r1, r2 = rx // n2, rz // n1
            if r1 * r2 != rest or r1 == 0 or r2 == 0:
                continue
            H1 = hx[::n2, : n1 * n2 : n2][:r1]
            H2 = hz[:r2, :n2]
            if not (H1.any(axis=1).all() and H2.any(axis=1).all()):
                continue
            cx, cz = hgp_matrices(H1, H2)
            if np.array_equal(cx, hx) and np.array_equal(cz, hz):
                return H1, H2
    return None
