"""Simulated annealing over WeightReduce-v0's n-preserving moves (row additions and CNOTs).

Row additions keep the stabilizer group (same code, new generators); a CNOT between qubits a, b maps
the CSS code to another CSS code with the same n and k but possibly a different distance.  The
search minimises the (w, q) excess over the target and refuses any CNOT that creates a logical of
weight below ``d_min`` (``d_min`` <= 3: checked exactly by enumerating weight-1 and weight-2
candidates from equal or zero columns).  Used for Table I's [7,4,3] row, where no hypergraph
product reaches (6,3) at n = 58 but a general CSS code of that size might.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qdesign.codes import gf2
from qdesign.reduction import moves


def excess(h_x: np.ndarray, h_z: np.ndarray, w: int, q: int) -> int:
    """Total weight above ``w`` over all checks plus total degree above ``q`` over qubits and types."""
    hx, hz = h_x.astype(np.int64), h_z.astype(np.int64)
    return int(np.maximum(hx.sum(1) - w, 0).sum() + np.maximum(hz.sum(1) - w, 0).sum()
               + np.maximum(hx.sum(0) - q, 0).sum() + np.maximum(hz.sum(0) - q, 0).sum())


def has_logical_below(h_x: np.ndarray, h_z: np.ndarray, d_min: int) -> bool:
    """Exact test for a logical of weight < ``d_min`` (``d_min`` <= 3).  An X logical of weight 1
    or 2 lies in ker H_Z, so its support is a zero column or two equal columns of H_Z."""
    if d_min > 3:
        raise ValueError(f"d_min must be <= 3 for the exact low-weight test, got {d_min}")
    if d_min <= 1:
        return False
    n = h_x.shape[1]
    for checks, stabs in ((h_z, h_x), (h_x, h_z)):
        groups: dict[bytes, list[int]] = {}
        for j in range(n):
            col = checks[:, j]
            if not col.any():
                v = np.zeros(n, dtype=np.uint8)
                v[j] = 1
                if not gf2.in_rowspace(v, stabs):
                    return True
            groups.setdefault(col.tobytes(), []).append(j)
        if d_min <= 2:
            continue
        for js in groups.values():
            for a in range(len(js)):
                for b in range(a + 1, len(js)):
                    v = np.zeros(n, dtype=np.uint8)
                    v[[js[a], js[b]]] = 1
                    if not gf2.in_rowspace(v, stabs):
                        return True
    return False


@dataclass
class AnnealResult:
    """The lowest-excess (H_X, H_Z) seen by ``anneal_fixed_n``, the iteration it was found at and the seed."""
    h_x: np.ndarray
    h_z: np.ndarray
    excess: int
    iterations: int
    seed: int
    moves: list[tuple[str, int, int]] | None = None  # with record_moves: accepted moves up to the best state


def anneal_fixed_n(h_x: np.ndarray, h_z: np.ndarray, max_check_weight: int = 6, max_qubit_degree: int = 3,
                   d_min: int = 3, iterations: int = 100_000, temperature: float = 0.4,
                   seed: int = 0, record_moves: bool = False) -> AnnealResult:
    """Anneal (linear cooling from ``temperature``) until the excess is 0 or ``iterations`` run out.

    Each step proposes an X row addition, a Z row addition or a CNOT (probabilities 1/4, 1/4, 1/2);
    worse states are accepted with probability exp(-Δ/T).  Returns the best state seen; with
    ``record_moves`` also the accepted moves leading to it, as ("ax" | "az", i, j) for X / Z row i +=
    row j and ("cnot", a, b) (``moves.cnot``), replayable from the start.
    """
    rng = np.random.default_rng(seed)
    hx = gf2.as_binary(h_x, "h_x").copy()
    hz = gf2.as_binary(h_z, "h_z").copy()
    n = hx.shape[1]
    if n < 2 or hx.shape[0] < 2 or hz.shape[0] < 2:
        raise ValueError("anneal_fixed_n needs at least two qubits and two checks of each type")
    cur = excess(hx, hz, max_check_weight, max_qubit_degree)
    best = AnnealResult(hx.copy(), hz.copy(), cur, 0, seed)
    path: list[tuple[str, int, int]] = []
    best_len = 0
    it = 0
    for it in range(1, iterations + 1):
        if best.excess == 0:
            break
        t = temperature * (1.0 - it / iterations) + 1e-3
        kind = int(rng.integers(4))
        if kind == 0:
            i, j = rng.choice(hx.shape[0], 2, replace=False)
            nx, nz = moves.row_add(hx, int(i), int(j)), hz
            mv = ("ax", int(i), int(j))
        elif kind == 1:
            i, j = rng.choice(hz.shape[0], 2, replace=False)
            nx, nz = hx, moves.row_add(hz, int(i), int(j))
            mv = ("az", int(i), int(j))
        else:
            a, b = rng.choice(n, 2, replace=False)
            nx, nz = moves.cnot(hx, hz, int(a), int(b))
            mv = ("cnot", int(a), int(b))
        new = excess(nx, nz, max_check_weight, max_qubit_degree)
        if new > cur and rng.random() >= np.exp((cur - new) / t):
            continue
        if kind >= 2 and has_logical_below(nx, nz, d_min):
            continue
        hx, hz, cur = nx, nz, new
        if record_moves:
            path.append(mv)
        if cur < best.excess:
            best = AnnealResult(hx.copy(), hz.copy(), cur, it, seed)
            best_len = len(path)
    best.iterations = it
    if record_moves:
        best.moves = path[:best_len]
    return best
