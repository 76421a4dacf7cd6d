"""Sabo et al. (PRX Quantum 5, 040302, 2024) classical weight reduction, then hypergraph product.

Rows first, then columns, to row weight <= ``row_target`` and column weight <= ``column_target``
(3 and 3 by default, so HGP(H', H') is (6, 3)):

* a heavy row {b1..bw} becomes a chain of weight-<=3 rows over new bits (the new bits carry running
  parities): uncompressed w rows / w−1 new bits, compressed w−2 rows / w−3 new bits;
* a heavy bit of degree q becomes copies tied by weight-2 checks, each copy carrying some of the
  bit's checks: uncompressed q copies (q−1 new bits and checks), compressed q−2 copies.

Each step keeps k, and the distance never drops (a codeword of the new code restricted to the old
bits is an old codeword, and copies are forced equal).  Optional random row/column permutations
(``seed``) reproduce the "best of many runs" protocol quoted by He & Liu.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qdesign.codes import gf2
from qdesign.codes.hgp import hgp_matrices


def _reduce_row(support: list[int], n_bits: int, compressed: bool) -> tuple[list[list[int]], int]:
    """Rows replacing one heavy row (indices >= n_bits are new bits) and the number of new bits."""
    w = len(support)
    if compressed:
        new = list(range(n_bits, n_bits + w - 3))
        rows = [[support[0], support[1], new[0]]]
        for i in range(1, w - 3):
            rows.append([support[i + 1], new[i - 1], new[i]])
        rows.append([support[w - 2], support[w - 1], new[w - 4]])
        return rows, w - 3
    new = list(range(n_bits, n_bits + w - 1))
    rows = [[support[0], new[0]]]
    for i in range(1, w - 1):
        rows.append([support[i], new[i - 1], new[i]])
    rows.append([support[w - 1], new[w - 2]])
    return rows, w - 1


def reduce_rows(H: np.ndarray, target: int = 3, compressed: bool = False,
                order: np.ndarray | None = None) -> np.ndarray:
    """Every row of weight > target replaced by a chain of rows of weight <= 3."""
    if target < 3:
        raise ValueError(f"row_target must be >= 3 (the chain rows have weight 3), got {target}")
    H = gf2.as_binary(H, "H")
    r, n = H.shape
    rows: list[list[int]] = []
    n_bits = n
    for i in range(r):
        supp = [int(j) for j in np.flatnonzero(H[i])]
        if order is not None:
            supp = sorted(supp, key=lambda j: order[j] if j < len(order) else j)
        if len(supp) <= target or (compressed and len(supp) <= 3):
            rows.append(supp)
            continue
        new_rows, added = _reduce_row(supp, n_bits, compressed)
        rows.extend(new_rows)
        n_bits += added
    out = np.zeros((len(rows), n_bits), dtype=np.uint8)
    for i, supp in enumerate(rows):
        out[i, supp] = 1
    return out


def reduce_columns(H: np.ndarray, target: int = 3, compressed: bool = False,
                   order: np.ndarray | None = None) -> np.ndarray:
    """Every bit of degree > target replaced by copies tied by weight-2 checks (degrees <= 3)."""
    if target < 3:
        raise ValueError(f"column_target must be >= 3, got {target}")
    H = gf2.as_binary(H, "H")
    r, n = H.shape
    cols: list[list[int]] = []  # check indices per bit
    extra_checks: list[tuple[int, int]] = []
    for j in range(n):
        checks = [int(i) for i in np.flatnonzero(H[:, j])]
        if order is not None:
            checks = sorted(checks, key=lambda i: order[i] if i < len(order) else i)
        q = len(checks)
        if q <= target:
            cols.append(checks)
            continue
        if compressed:
            groups = [checks[:2]] + [[c] for c in checks[2:q - 2]] + [checks[q - 2:]]
        else:
            groups = [[c] for c in checks]
        first = len(cols)
        for g in groups:
            cols.append(list(g))
        extra_checks.extend((first + t, first + t + 1) for t in range(len(groups) - 1))
    n_new = len(cols)
    out = np.zeros((r + len(extra_checks), n_new), dtype=np.uint8)
    for j, checks in enumerate(cols):
        out[checks, j] = 1
    for t, (a, b) in enumerate(extra_checks):
        out[r + t, a] = out[r + t, b] = 1
    return out


def classical_weight_reduction(H: np.ndarray, row_target: int = 3, column_target: int = 3,
                               compressed: bool = False, rows: bool = True, columns: bool = True,
                               seed: int | None = None) -> np.ndarray:
    """Sabo et al.'s classical reduction (rows, then columns); ``seed`` permutes the processing order."""
    H = gf2.as_binary(H, "H")
    order_c = order_r = None
    if seed is not None:
        rng = np.random.default_rng(seed)
        order_c = rng.permutation(H.shape[1] * 4)
        order_r = rng.permutation(H.shape[0] * 4 + H.shape[1] * 4)
    out = reduce_rows(H, row_target, compressed, order_c) if rows else H
    if columns:
        out = reduce_columns(out, column_target, compressed, order_r)
    return out


@dataclass
class SaboResult:
    """Output of ``sabo_hgp``: the reduced classical H and its hypergraph product (H_X, H_Z)."""
    H: np.ndarray
    h_x: np.ndarray
    h_z: np.ndarray
    compressed: bool


def sabo_hgp(H: np.ndarray, compressed: bool = False, row_target: int = 3, column_target: int = 3,
             seed: int | None = None) -> SaboResult:
    """Weight-reduce the classical seed, then take HGP(H', H'): a (row+col, max) ≤ (6, 3) CSS code."""
    Hr = classical_weight_reduction(H, row_target, column_target, compressed, seed=seed)
    hx, hz = hgp_matrices(Hr)
    return SaboResult(Hr, hx, hz, compressed)
