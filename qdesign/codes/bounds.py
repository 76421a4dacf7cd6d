"""Distance bounds of CSS codes under a time limit: a sound lower bound and an upper bound with witness.

* Upper bound: random information sets (the method of QDistRnd, Pryadko et al., arXiv 2308.15140
  Sec. 3): permute the qubits at random, bring the check matrix to reduced row echelon form, and read
  off the kernel vectors with one free column each; the lightest one that is a nontrivial logical is
  an upper bound, and it is its own witness.
* Lower bound: meet in the middle over the columns of the checks stacked on a basis of the opposite
  logicals.  An X-type logical v of weight w splits into A and B of sizes ceil(w/2), floor(w/2) with
  equal syndrome and different logical parts; every subset of size <= s is stored by syndrome and each
  new one compared with the stored one, so when all subsets of size <= s pass without a clash no
  logical has weight <= 2s, and a query pass over size s + 1 rules out weight 2s + 1.

Both stop at a deadline; when they meet, the distance is exact.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np

from qdesign.codes.css import CSSCode

_TABLE_MAX = 2_000_000  # stored subsets in the meet-in-the-middle table (memory ~ a few hundred MB)


@dataclass
class DistanceBounds:
    """``lower <= d <= upper`` for one sector; ``witness`` is a logical of weight ``upper``."""

    lower: float
    upper: float
    witness: np.ndarray | None
    seconds: float
    trials: int = 0  # random information sets tried
    subsets_checked: int = 0  # subsets of columns visited by the lower-bound search

    @property
    def exact(self) -> bool:
        """True when the bounds meet, i.e. the distance is known exactly."""
        return self.lower == self.upper


def _rref_packed(m: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Reduced row echelon form of a binary matrix (rows packed 8 columns per byte) and its pivots."""
    rows, n = m.shape
    packed = np.packbits(m.astype(np.uint8), axis=1)
    pivots: list[int] = []
    r = 0
    for c in range(n):
        if r == rows:
            break
        byte, bit = c >> 3, 7 - (c & 7)
        col = (packed[r:, byte] >> bit) & 1
        hit = np.flatnonzero(col)
        if hit.size == 0:
            continue
        p = r + int(hit[0])
        if p != r:
            packed[[r, p]] = packed[[p, r]]
        others = np.flatnonzero((packed[:, byte] >> bit) & 1)
        others = others[others != r]
        if others.size:
            packed[others] ^= packed[r]
        pivots.append(c)
        r += 1
    return np.unpackbits(packed[:r], axis=1, count=n).astype(np.uint8), pivots


def _ris_upper(checks: np.ndarray, logicals: np.ndarray, deadline: float, rng: np.random.Generator,
               best: float, witness: np.ndarray | None, min_trials: int
               ) -> tuple[float, np.ndarray | None, int]:
    """Random information sets: lightest nontrivial logical among the free-column kernel vectors."""
    n = checks.shape[1]
    lg = logicals.astype(np.int64)
    trials = 0
    while trials < min_trials or time.perf_counter() < deadline:
        perm = rng.permutation(n)
        red, piv = _rref_packed(checks[:, perm])
        free = np.setdiff1d(np.arange(n), piv)
        if free.size == 0:
            trials += 1
            continue
        sub = red[:, free].astype(np.int64)  # kernel vector of free column f: e_f + sum_i red[i, f] e_piv_i
        weights = 1 + sub.sum(axis=0)
        lp = lg[:, perm]
        flips = (lp[:, free] + lp[:, piv] @ sub) % 2  # logical parts of those kernel vectors
        nontrivial = flips.any(axis=0)
        if nontrivial.any():
            cand = np.flatnonzero(nontrivial)
            i = int(cand[np.argmin(weights[cand])])
            if weights[i] < best:
                v = np.zeros(n, dtype=np.uint8)
                v[perm[free[i]]] = 1
                v[perm[np.asarray(piv)[sub[:, i] == 1]]] = 1
                best, witness = int(weights[i]), v
        trials += 1
    return best, witness, trials


def _column_ints(m: np.ndarray) -> list[int]:
    """Each column of a binary matrix as a Python int (bits of the rows)."""
    if m.shape[0] == 0:
        return [0] * m.shape[1]
    packed = np.packbits(np.ascontiguousarray(m.T, dtype=np.uint8), axis=1)
    return [int.from_bytes(row.tobytes(), "big") for row in packed]


def _mitm_lower(checks: np.ndarray, logicals: np.ndarray, deadline: float, upper: float
                ) -> tuple[int, np.ndarray | None, int]:
    """Largest certified ``d_lower`` before the deadline, and the lightest logical met on the way.

    Level ``size`` visits every subset of that size; each is compared with the first stored subset
    of equal syndrome.  If levels < size passed without a clash, d >= 2 size - 1, and a logical of
    weight <= 2 size - 1 (split size / size - 1, the smaller part stored earlier) shows up as a clash
    of weight <= 2 size - 1 during this level.  When the level is stored too, a logical of weight
    2 size shows up the same way; so a completed level either certifies d >= 2 size + 1 (stored) /
    2 size (query only), or its lightest clash is exactly d whenever that weight is <= 2 size
    (stored) / 2 size - 1 (query only).
    """
    n = checks.shape[1]
    syn = _column_ints(checks)
    log = _column_ints(logicals)
    table: dict[int, tuple[int, tuple[int, ...]]] = {0: (0, ())}
    lower, visited = 1, 0
    best: np.ndarray | None = None
    for size in itertools.count(1):
        if lower >= upper or size > n:
            break
        store = len(table) + math.comb(n, size) <= _TABLE_MAX
        for combo in itertools.combinations(range(n), size):
            visited += 1
            if visited % 4096 == 0 and time.perf_counter() > deadline:
                return lower, best, visited
            s = lg = 0
            for j in combo:
                s ^= syn[j]
                lg ^= log[j]
            old = table.get(s)
            if old is None:
                if store:
                    table[s] = (lg, combo)
            elif old[0] != lg:
                v = np.zeros(n, dtype=np.uint8)
                v[list(combo)] ^= 1
                v[list(old[1])] ^= 1
                if best is None or v.sum() < best.sum():
                    best = v
        reach = 2 * size if store else 2 * size - 1  # clashes this light are found when they exist
        if best is not None and int(best.sum()) <= reach:
            return int(best.sum()), best, visited  # exact: nothing lighter escaped the search
        lower = max(lower, reach + 1)
        if not store:
            break
    return lower, best, visited


def distance_bounds(code: CSSCode, sector: str = "X", time_limit: float = 10.0, seed: int = 0,
                    refine: bool = True, logicals: np.ndarray | None = None) -> DistanceBounds:
    """Sound ``lower <= d_sector <= upper`` within about ``time_limit`` seconds (see module docstring).

    ``sector`` "X": X-type logicals (in ker H_Z, not in rowspace H_X); "Z" the mirror image.
    Time: random information sets for min(20 %, 1 s), then the lower-bound search until 80 % (or
    100 % without ``refine``; it stops early when it reaches the upper bound), then, with ``refine``,
    information sets again while the bounds differ.  ``logicals``: a precomputed basis of the
    opposite-type logicals (Z logicals for sector "X"), to skip recomputing it.
    """
    if sector not in ("X", "Z"):
        raise ValueError(f"sector must be 'X' or 'Z', got {sector!r}")
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or time_limit <= 0:
        raise ValueError(f"time_limit={time_limit!r} must be a positive number of seconds")
    t0 = time.perf_counter()
    checks = code.h_z if sector == "X" else code.h_x
    if logicals is None:  # the partners that detect this sector's logicals
        logicals = code.logical_z() if sector == "X" else code.logical_x()
    if logicals.shape[0] == 0:
        return DistanceBounds(math.inf, math.inf, None, time.perf_counter() - t0)
    rng = np.random.default_rng(seed)
    upper, witness, trials = _ris_upper(checks, logicals, t0 + min(0.2 * time_limit, 1.0), rng, math.inf,
                                        None, min_trials=1)
    lower, found, visited = _mitm_lower(checks, logicals, t0 + (0.8 if refine else 1.0) * time_limit, upper)
    if found is not None and int(found.sum()) < upper:
        upper, witness = int(found.sum()), found
    lower = min(lower, upper)
    if refine and lower < upper:
        upper, witness, more = _ris_upper(checks, logicals, t0 + time_limit, rng, upper, witness,
                                          min_trials=0)
        trials += more
    return DistanceBounds(float(lower), float(upper), witness, time.perf_counter() - t0, trials, visited)


def css_distance_bounds(code: CSSCode, time_limit: float, seed: int = 0
                        ) -> tuple[DistanceBounds, DistanceBounds]:
    """Bounds for both sectors within ``time_limit`` seconds: a first half shared by X and Z, then the
    rest spent on improving the upper bound of the sectors whose lower bound is still below
    min(upper_X, upper_Z) (the others cannot change d)."""
    t0 = time.perf_counter()
    parts = {"X": (code.h_z, code.logical_z()), "Z": (code.h_x, code.logical_x())}
    bx = distance_bounds(code, "X", time_limit / 4, seed, refine=False, logicals=parts["X"][1])
    bz = distance_bounds(code, "Z", time_limit / 4, seed + 1, refine=False, logicals=parts["Z"][1])
    rng = np.random.default_rng(seed + 2)
    while time.perf_counter() < t0 + time_limit:
        d_up = min(bx.upper, bz.upper)
        todo = [b for b in (bx, bz) if b.lower < d_up]
        if not todo:
            break
        b = todo[0] if len(todo) == 1 or todo[0].trials <= todo[1].trials else todo[1]
        sector_checks, logicals = parts["X" if b is bx else "Z"]
        t1 = time.perf_counter()
        slot = min(t0 + time_limit, t1 + max(0.5, 0.1 * time_limit))
        b.upper, b.witness, more = _ris_upper(sector_checks, logicals, slot, rng, b.upper, b.witness,
                                              min_trials=1)
        b.trials += more
        b.seconds += time.perf_counter() - t1
    return bx, bz
