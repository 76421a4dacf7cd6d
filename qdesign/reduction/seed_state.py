"""The pure state of seed-level weight reduction: a classical seed H, its moves, masks and goal.

A hypergraph product HGP(H, H) is a valid CSS code for any H, and its parameters follow exactly from
H's (Tillich & Zemor, arXiv:0903.0566, Thm. 7): n = n_c^2 + r^2, k = k_c^2 + k_T^2,
d = min(d(H), d(H^T)), and the check weight and qubit degree from H's row and column weights.
``SeedReduceEnv`` and the beam search both act through ``SeedMoves`` and judge by ``SeedGoal``, so
whatever a trained policy can reach, the search can reach too, and neither touches the other's state.

Moves (one flat index; padded to ``r_max`` x ``n_max`` so a fixed action space fits every seed):
toggle edge (i, j) | row_add (i <- i + j) | split_row i | split_column j | no-op (only valid when
nothing else is). Masks follow He & Liu (arXiv:2502.14372, Sec. III): no edge added at a node
already at the degree cap, no edge removed from a degree-1 node, plus structural validity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from qdesign.codes import distance as _dist
from qdesign.codes import gf2
from qdesign.codes.seeds import get_seed, systematic_parity_check
from qdesign.reduction import moves


def seed_start_matrix(seed: str, start: str) -> tuple[np.ndarray, int]:
    """The starting H of seed "n,k" (``start``: "systematic" dense [A^T|I] or "shipped" low-weight)
    and the seed's distance."""
    try:
        n, k = (int(x) for x in str(seed).split(","))
    except ValueError as err:
        raise ValueError(f"seed must look like 'n,k' (e.g. '7,4'), got {seed!r}") from err
    s = get_seed(n, k)
    if start == "systematic":
        return systematic_parity_check(s.G), s.d
    if start == "shipped":
        return s.H.copy(), s.d
    raise ValueError(f"start must be 'systematic' or 'shipped', got {start!r}")


def hgp_score(H: np.ndarray) -> dict[str, Any]:
    """Quantum parameters of HGP(H, H) from H alone (exact)."""
    r, n = H.shape
    rk = gf2.rank(H)
    kc, kt = n - rk, r - rk
    rw = int(H.sum(axis=1).max(initial=0))
    cw = int(H.sum(axis=0).max(initial=0))
    d1 = _dist.classical_distance(H).value if kc else math.inf
    d2 = _dist.classical_distance(H.T).value if kt else math.inf
    k = kc * kc + kt * kt
    d = min(d1, d2) if k else 0
    return {"n": n * n + r * r, "k": k, "d": d, "w": rw + cw, "q": max(rw, cw), "n_c": n, "r": r,
            "k_c": kc, "k_t": kt, "d_c": d1, "row_w": rw, "col_w": cw}


@dataclass(frozen=True)
class SeedGoal:
    """What a reduction aims at: (w, q) caps with k kept at ``k0`` and distance at least ``d_goal``."""

    max_check_weight: int
    max_qubit_degree: int
    k0: int
    d_goal: int

    def violation(self, score: dict[str, Any]) -> float:
        """0 when ``score`` (an ``hgp_score``) meets the goal; grows with each excess."""
        return (max(0, score["w"] - self.max_check_weight) + max(0, score["q"] - self.max_qubit_degree)
                + (10 if score["k"] != self.k0 else 0)
                + (5 * (self.d_goal - score["d"]) if score["d"] < self.d_goal else 0))

    def met(self, score: dict[str, Any]) -> bool:
        """Whether ``score`` (an ``hgp_score``) keeps k, meets the (w, q) caps and reaches ``d_goal``."""
        return (score["k"] == self.k0 and score["w"] <= self.max_check_weight
                and score["q"] <= self.max_qubit_degree and score["d"] >= self.d_goal)

    def key(self, score: dict[str, Any], H: np.ndarray) -> tuple:
        """Sort key, best first: fewer violations, then fewer qubits, larger distance, fewer edges."""
        d = score["d"] if score["d"] != math.inf else 10**6
        return (self.violation(score), score["n"], -d, int(H.sum()))


@dataclass(frozen=True)
class SeedMoves:
    """The flat move set on seeds of at most ``r_max`` rows and ``n_max`` columns."""

    r_max: int
    n_max: int

    @property
    def off_row(self) -> int:
        """First flat index of the row-addition moves (after the r_max x n_max toggles)."""
        return self.r_max * self.n_max

    @property
    def off_split_r(self) -> int:
        """First flat index of the row-split moves."""
        return self.off_row + self.r_max * self.r_max

    @property
    def off_split_c(self) -> int:
        """First flat index of the column-split moves."""
        return self.off_split_r + self.r_max

    @property
    def off_noop(self) -> int:
        """Flat index of the no-op move (the last action)."""
        return self.off_split_c + self.n_max

    @property
    def n_actions(self) -> int:
        """Size of the flat action space."""
        return self.off_noop + 1

    def apply(self, H: np.ndarray, a: int) -> np.ndarray:
        """The seed after move ``a`` (a new array; ``H`` is not changed)."""
        R, N = self.r_max, self.n_max
        if a < self.off_row:
            return moves.toggle(H, a // N, a % N)
        if a < self.off_split_r:
            b = a - self.off_row
            return moves.row_add(H, b // R, b % R)
        if a < self.off_split_c:
            return moves.split_row(H, a - self.off_split_r)
        if a < self.off_noop:
            return moves.split_column(H, a - self.off_split_c)
        return H

    def masks(self, H: np.ndarray, max_qubit_degree: int) -> np.ndarray:
        """Valid moves on ``H`` under the degree cap ``max_qubit_degree`` (boolean, ``n_actions``)."""
        R, N = self.r_max, self.n_max
        r, n = H.shape
        rw, cw = H.sum(axis=1).astype(np.int64), H.sum(axis=0).astype(np.int64)
        cap = max_qubit_degree
        mask = np.zeros(self.n_actions, dtype=bool)
        tog = np.zeros((R, N), dtype=bool)
        add_ok = (rw[:, None] < cap) & (cw[None, :] < cap) & (H == 0)
        rem_ok = (rw[:, None] > 1) & (cw[None, :] > 1) & (H == 1)
        tog[:r, :n] = add_ok | rem_ok
        mask[: self.off_row] = tog.ravel()
        Hi = H.astype(np.int64)
        sum_w = rw[:, None] + rw[None, :] - 2 * (Hi @ Hi.T)  # weight of H[i] ^ H[j]
        ra = np.zeros((R, R), dtype=bool)
        ok = (sum_w > 0) & (sum_w <= np.maximum(rw[:, None], cap))
        np.fill_diagonal(ok, False)
        ra[:r, :r] = ok
        mask[self.off_row:self.off_split_r] = ra.ravel()
        if r < R and n < N:
            mask[self.off_split_r:self.off_split_r + r] = rw >= 4
            mask[self.off_split_c:self.off_split_c + n] = cw >= 4
        if not mask.any():
            mask[self.off_noop] = True
        return mask
