"""An independent GF(2) rank for tests: plain Gaussian elimination, no library code, so code
parameters are checked against something other than the implementation under test."""

from __future__ import annotations

import itertools

import numpy as np


def gf2_rank(m: np.ndarray) -> int:
    a, r = (np.asarray(m, dtype=np.int64) % 2).copy(), 0
    for c in range(a.shape[1]):
        p = next((i for i in range(r, a.shape[0]) if a[i, c]), None)
        if p is None:
            continue
        a[[r, p]] = a[[p, r]]
        a[(a[:, c] == 1) & (np.arange(a.shape[0]) != r)] ^= a[r]
        r += 1
    return r


def gf2_kernel(m: np.ndarray) -> np.ndarray:
    """A basis (rows) of {x : m x = 0} over GF(2), from the reduced row echelon form."""
    a = (np.asarray(m, dtype=np.int64) % 2).copy()
    rows, cols = a.shape
    pivots, r = [], 0
    for c in range(cols):
        p = next((i for i in range(r, rows) if a[i, c]), None)
        if p is None:
            continue
        a[[r, p]] = a[[p, r]]
        a[(a[:, c] == 1) & (np.arange(rows) != r)] ^= a[r]
        pivots.append(c)
        r += 1
    basis = []
    for f in (c for c in range(cols) if c not in pivots):
        v = np.zeros(cols, dtype=np.uint8)
        v[f] = 1
        for i, p in enumerate(pivots):
            v[p] = a[i, f]
        basis.append(v)
    return np.array(basis, dtype=np.uint8).reshape(len(basis), cols)


def min_weight_by_enumeration(basis: np.ndarray) -> int:
    """Minimum weight over all nonzero combinations of the basis rows (chunks of 2^12 at a time)."""
    k, n = basis.shape
    low = min(k, 12)
    combos = ((np.arange(1 << low)[:, None] >> np.arange(low)[None, :]) & 1).astype(np.int64)
    table = (combos @ basis[:low].astype(np.int64)) % 2
    best = n + 1
    for hi in range(1 << (k - low)):
        bits = (hi >> np.arange(k - low)) & 1
        shift = (bits @ basis[low:].astype(np.int64)) % 2 if k > low else np.zeros(n, dtype=np.int64)
        weights = ((table + shift) % 2).sum(axis=1)
        if hi == 0:
            weights = weights[1:]
        best = min(best, int(weights.min()))
    return best


def has_logical_of_weight_below_3(checks: np.ndarray, stabs: np.ndarray) -> bool:
    """Brute force over every weight-1 and weight-2 vector: in ker(checks) but not in rowspace(stabs)."""
    n = checks.shape[1]
    rs = gf2_rank(stabs)
    for wt in (1, 2):
        for supp in itertools.combinations(range(n), wt):
            v = np.zeros(n, dtype=np.uint8)
            v[list(supp)] = 1
            if (checks.astype(np.int64) @ v % 2).any():
                continue
            if gf2_rank(np.vstack([stabs, v])) > rs:
                return True
    return False
