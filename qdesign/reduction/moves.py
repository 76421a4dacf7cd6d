"""Code-editing moves, as pure functions on binary matrices (no env state).

Classical seed H (for SeedReduce, scored through its hypergraph product):
  * ``toggle(H, i, j)``: flip one Tanner-graph edge (changes the code; k and d are re-scored);
  * ``row_add(H, i, j)``: H[i] ^= H[j] (same code, new generators: weights change, k and d kept);
  * ``split_row(H, i)``: Sabo's row step as a local move: check i (weight w) becomes two checks
    sharing one new bit (weights ⌈w/2⌉+1 and ⌊w/2⌋+1); k kept, d never drops;
  * ``split_column(H, j)``: Sabo's column step: bit j becomes two bits joined by a weight-2 check,
    each carrying about half of j's checks; k kept, d never drops.

Quantum Tanner graph (H_X, H_Z) for WeightReduce, all preserving H_X H_Z^T = 0:
  * ``toggle_allowed``: an X edge (i, j) may flip only if qubit j is in no Z check (and mirror);
  * ``row_add`` on either side (same stabilizer group);
  * ``cnot(H_X, H_Z, a, b)``: H_X[:, b] ^= H_X[:, a], H_Z[:, a] ^= H_Z[:, b] (k kept, d re-scored);
  * ``copy_qubit`` (Hastings/Sabo copying as a local move, k kept, X-distance kept);
  * ``gauge_check`` (gauging one heavy check into two plus a new qubit, k kept).
"""

from __future__ import annotations

import numpy as np


def toggle(H: np.ndarray, i: int, j: int) -> np.ndarray:
    """A copy of ``H`` with edge (i, j) flipped."""
    out = H.copy()
    out[i, j] ^= 1
    return out


def row_add(H: np.ndarray, i: int, j: int) -> np.ndarray:
    """A copy of ``H`` with row j added to row i over GF(2); ValueError if i == j."""
    if i == j:
        raise ValueError("row_add needs two different rows")
    out = H.copy()
    out[i] ^= out[j]
    return out


def _padded(H: np.ndarray, extra_rows: int, extra_cols: int) -> np.ndarray:
    """``H`` in the top-left corner of a zero uint8 matrix grown by the given rows and columns."""
    r, n = H.shape
    out = np.zeros((r + extra_rows, n + extra_cols), dtype=np.uint8)
    out[:r, :n] = H
    return out


def split_row(H: np.ndarray, i: int) -> np.ndarray:
    """(r+1)×(n+1): row i keeps the first half of its support plus the new bit; a new row holds the
    second half plus the new bit."""
    supp = np.flatnonzero(H[i])
    if supp.size < 3:
        raise ValueError(f"split_row needs a row of weight >= 3, row {i} has {supp.size}")
    r, n = H.shape
    out = _padded(H, 1, 1)
    half = (supp.size + 1) // 2
    out[i, supp[half:]] = 0
    out[i, n] = 1
    out[r, supp[half:]] = 1
    out[r, n] = 1
    return out


def split_column(H: np.ndarray, j: int) -> np.ndarray:
    """(r+1)×(n+1): bit j keeps the first half of its checks, the new bit takes the rest; a new
    weight-2 check ties the two copies."""
    supp = np.flatnonzero(H[:, j])
    if supp.size < 2:
        raise ValueError(f"split_column needs a column of degree >= 2, column {j} has {supp.size}")
    r, n = H.shape
    out = _padded(H, 1, 1)
    half = (supp.size + 1) // 2
    moved = supp[half:]
    out[moved, j] = 0
    out[moved, n] = 1
    out[r, j] = out[r, n] = 1
    return out


# --------------------------------------------------------------------------- quantum (CSS) moves

def toggle_allowed_x(h_z: np.ndarray) -> np.ndarray:
    """Per qubit: may an X edge on it flip without breaking commutation? (qubit in no Z check)."""
    return ~h_z.any(axis=0)


def cnot(h_x: np.ndarray, h_z: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Conjugate a CSS code by CNOT(a -> b): returns the new (H_X, H_Z), still commuting; ValueError if a ==
    b."""
    if a == b:
        raise ValueError("cnot needs two different qubits")
    hx, hz = h_x.copy(), h_z.copy()
    hx[:, b] ^= hx[:, a]
    hz[:, a] ^= hz[:, b]
    return hx, hz


def copy_qubit(h_x: np.ndarray, h_z: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Split X-degree of qubit j: a copy j' takes half of j's X checks, a new X check X_j X_j' ties
    them, and every Z check on j also acts on j' (so commutation holds and X-logicals keep weight)."""
    supp = np.flatnonzero(h_x[:, j])
    if supp.size < 2:
        raise ValueError(f"copy_qubit needs X-degree >= 2, qubit {j} has {supp.size}")
    rx, n = h_x.shape
    hx, hz = _padded(h_x, 1, 1), _padded(h_z, 0, 1)
    moved = supp[(supp.size + 1) // 2:]
    hx[moved, j] = 0
    hx[moved, n] = 1
    hx[rx, j] = hx[rx, n] = 1
    hz[:, n] = h_z[:, j]
    return hx, hz


def gauge_check(h_x: np.ndarray, h_z: np.ndarray, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Split X check i (weight >= 4) into two checks sharing a new qubit b; Z checks that overlap
    the first half oddly also act on b, so every Z check still commutes with both halves."""
    supp = np.flatnonzero(h_x[i])
    if supp.size < 4:
        raise ValueError(f"gauge_check needs an X check of weight >= 4, check {i} has {supp.size}")
    rx, n = h_x.shape
    hx, hz = _padded(h_x, 1, 1), _padded(h_z, 0, 1)
    first, second = supp[: (supp.size + 1) // 2], supp[(supp.size + 1) // 2:]
    hx[i, second] = 0
    hx[i, n] = 1
    hx[rx, second] = 1
    hx[rx, n] = 1
    odd = (h_z[:, first].sum(axis=1) % 2).astype(bool)
    hz[odd, n] = 1
    return hx, hz
