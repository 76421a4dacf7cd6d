"""An independent GF(2) rank for tests: plain Gaussian elimination, no library code, so code
parameters are checked against something other than the implementation under test."""

from __future__ import annotations

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
