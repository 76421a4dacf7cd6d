"""A low-weight parity-check basis of the same code (re-chosen generators = row operations only).

Random information sets: the reduced row-echelon form of H under a random column order has rows of
low weight; pooled over many orders they give a set of short dual codewords, from which a basis is
picked greedily by weight, preferring rows that keep column degrees low.  The code (and so k and
d) is unchanged; only w and q of the hypergraph product change.
"""

from __future__ import annotations

import numpy as np

from qdesign.codes import gf2


def _rref_rows(H: np.ndarray) -> np.ndarray:
    """Nonzero rows of the reduced row-echelon form (numpy; ldpc's ``reduced_row_echelon`` returned
    rows outside the row space for some column orders in ldpc 2.4.1, so it is not used here)."""
    a = H.astype(np.uint8).copy()
    r = 0
    for c in range(a.shape[1]):
        piv = np.flatnonzero(a[r:, c])
        if piv.size == 0:
            continue
        p = r + int(piv[0])
        if p != r:
            a[[r, p]] = a[[p, r]]
        hit = np.flatnonzero(a[:, c])
        hit = hit[hit != r]
        a[hit] ^= a[r]
        r += 1
        if r == a.shape[0]:
            break
    return a[:r]


def sparse_basis(H: np.ndarray, trials: int = 300, seed: int = 0, col_cap: int = 3) -> np.ndarray:
    """Rows spanning rowspace(H) (full rank), chosen short and with balanced column degrees."""
    H = gf2.as_binary(H, "H")
    r = gf2.rank(H)
    n = H.shape[1]
    if r == 0:
        return np.zeros((0, n), dtype=np.uint8)
    rng = np.random.default_rng(seed)
    pool: dict[bytes, np.ndarray] = {}
    for row in gf2.row_basis(H):
        pool[row.tobytes()] = row
    for _ in range(trials):
        perm = rng.permutation(n)
        for row in _rref_rows(H[:, perm]):
            v = np.zeros(n, dtype=np.uint8)
            v[perm] = row
            pool[v.tobytes()] = v
    cands = sorted(pool.values(), key=lambda v: int(v.sum()))
    chosen: list[np.ndarray] = []
    deg = np.zeros(n, dtype=np.int64)
    current = np.zeros((0, n), dtype=np.uint8)
    # two passes: first respect the column cap, then fill the rank with whatever is left
    for respect_cap in (True, False):
        for v in cands:
            if len(chosen) == r:
                break
            if respect_cap and np.any(deg[v.astype(bool)] >= col_cap):
                continue
            trial = np.vstack([current, v[None, :]])
            if gf2.rank(trial) > current.shape[0]:
                chosen.append(v)
                current = trial
                deg += v
    return np.array(chosen, dtype=np.uint8)
