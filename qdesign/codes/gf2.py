"""GF(2) linear algebra for code matrices, on top of ``ldpc.mod2`` (C++), with input validation.

Every public code function goes through :func:`as_binary` so that non-binary entries, wrong
dimensions and empty matrices raise a ``ValueError`` naming the matrix instead of being truncated.
"""

from __future__ import annotations

import hashlib

import numpy as np
import scipy.sparse as sp

from qdesign.plugins import import_extra

mod2 = import_extra("ldpc.mod2", "GF(2) linear algebra of codes (qdesign.codes)")


def as_binary(matrix: object, name: str = "matrix", allow_empty_rows: bool = True) -> np.ndarray:
    """A validated dense ``uint8`` 0/1 matrix; raises ``ValueError`` for anything else."""
    if sp.issparse(matrix):
        matrix = matrix.toarray()
    try:
        arr = np.asarray(matrix)
    except Exception as err:  # pragma: no cover - numpy accepts almost anything
        raise ValueError(f"{name}: cannot be read as a matrix ({err})") from err
    if arr.dtype == object:
        raise ValueError(f"{name}: ragged or non-numeric entries are not a binary matrix")
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D matrix, got shape {arr.shape}")
    if arr.shape[1] == 0:
        raise ValueError(f"{name}: has no columns (n = 0)")
    if not allow_empty_rows and arr.shape[0] == 0:
        raise ValueError(f"{name}: has no rows")
    if arr.dtype == bool:
        return arr.astype(np.uint8)
    if not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"{name}: entries must be 0/1 numbers, got dtype {arr.dtype}")
    bad = (arr != 0) & (arr != 1)
    if np.any(bad):
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"{name}: non-binary entry {arr[i, j]!r} at ({i}, {j}); only 0 and 1 are allowed")
    return arr.astype(np.uint8)


def rank(matrix: np.ndarray) -> int:
    """GF(2) rank (0 for a matrix without rows)."""
    m = np.asarray(matrix, dtype=np.uint8)
    if m.shape[0] == 0 or m.shape[1] == 0 or not m.any():
        return 0
    return int(mod2.rank(m))


def kernel(matrix: np.ndarray) -> np.ndarray:
    """A basis of ``{x : M x = 0}`` as rows of a dense uint8 matrix."""
    m = np.asarray(matrix, dtype=np.uint8)
    n = m.shape[1]
    if m.shape[0] == 0 or not m.any():
        return np.eye(n, dtype=np.uint8)
    ker = mod2.kernel(m)
    ker = ker.toarray() if sp.issparse(ker) else np.asarray(ker)
    return (ker.astype(np.uint8) & 1).reshape(-1, n)


def row_basis(matrix: np.ndarray) -> np.ndarray:
    """Linearly independent rows spanning the row space."""
    m = np.asarray(matrix, dtype=np.uint8)
    if m.shape[0] == 0 or not m.any():
        return np.zeros((0, m.shape[1]), dtype=np.uint8)
    rb = mod2.row_basis(m)
    rb = rb.toarray() if sp.issparse(rb) else np.asarray(rb)
    return rb.astype(np.uint8).reshape(-1, m.shape[1])


def in_rowspace(vector: np.ndarray, matrix: np.ndarray) -> bool:
    """True when ``vector`` is a GF(2) combination of the rows of ``matrix``."""
    v = np.asarray(vector, dtype=np.uint8).reshape(1, -1)
    if not v.any():
        return True
    m = np.asarray(matrix, dtype=np.uint8)
    if m.shape[0] == 0:
        return False
    return rank(np.vstack([m, v])) == rank(m)


def complement_rows(span: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Rows of ``candidates`` that extend ``rowspace(span)`` one by one (a basis of the quotient)."""
    span = np.asarray(span, dtype=np.uint8)
    cand = np.asarray(candidates, dtype=np.uint8)
    base = row_basis(span)
    stacked = np.vstack([base, cand])
    if not stacked.any():
        return np.zeros((0, cand.shape[1]), dtype=np.uint8)
    # ldpc's pivot_rows returns the indices of a maximal independent set scanned top to bottom
    piv = np.asarray(mod2.pivot_rows(stacked), dtype=int)
    chosen = sorted(int(i) - base.shape[0] for i in piv if i >= base.shape[0])
    out = cand[chosen]
    if rank(np.vstack([base, out])) != base.shape[0] + out.shape[0]:  # defensive: fall back to greedy
        rows: list[np.ndarray] = []
        current = base
        r = base.shape[0]
        for c in cand:
            trial = np.vstack([current, c[None, :]])
            rt = rank(trial)
            if rt > r:
                rows.append(c)
                current, r = trial, rt
        out = np.array(rows, dtype=np.uint8).reshape(-1, cand.shape[1])
    return out


def matrix_hash(*matrices: np.ndarray) -> str:
    """A stable hash of binary matrices (shapes included), for caching distances."""
    h = hashlib.sha1()
    for m in matrices:
        a = np.ascontiguousarray(np.asarray(m, dtype=np.uint8))
        h.update(repr(a.shape).encode())
        h.update(np.packbits(a, axis=None).tobytes())
    return h.hexdigest()
