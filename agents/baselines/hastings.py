"""Hastings' quantum weight reduction (arXiv 2102.10030) as finite-size steps, after Sabo et al.

copying → gauging → thickening with chosen heights → (coning).  Each step keeps H_X H_Zᵀ = 0 and k:

* ``copying`` (reduces q_X): qubit j is replaced by copies joined by weight-2 X checks; each of
  its X checks uses one copy (or several, for the reduced/targeted variants), each Z check on j
  acts on every copy.  Variants: "hastings" (every qubit gets q_X,max copies), "reduced"
  (q_X(j) copies), "target" (t ≥ 3: 1 copy if q_X(j) ≤ t, else 2 + ⌈(q_X(j) − 2(t−1))/(t−2)⌉).
* ``gauging`` (reduces w_X): an X check of weight w > 3 becomes w − 2 checks of weight 3 over
  w − 3 new qubits (running parities); a Z check gets a new qubit when its prefix overlap is odd.
* ``thickening`` (reduces q_Z): ℓ layers of the code, (ℓ−1)·n_X vertical qubits, vertical Z checks
  between layers, each original Z check placed at one chosen height (1-based as in CodingTheory.jl).
* coning (reduces w_Z) is **not** implemented: its cycle-basis/cellulation choices are randomised in
  the reference implementation.  ``hastings_pipeline`` instead reports the Z-check weight left
  after thickening, and can optionally gauge the Z side (``z_gauging=True``), labelled as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from qdesign.codes import gf2
from qdesign.codes.css import CSSCode


def _copies_needed(q: int, method: str, qmax: int, target: int) -> int:
    if method == "hastings":
        return max(qmax, 1)
    if method == "reduced":
        return max(q, 1)
    if method == "target":
        if q <= target:
            return 1
        return 2 + math.ceil((q - 2 * (target - 1)) / (target - 2))
    raise ValueError(f"copying method must be 'hastings', 'reduced' or 'target', got {method!r}")


def _split_checks(checks: list[int], copies: int, method: str, target: int) -> list[list[int]]:
    """Distribute a qubit's X checks over its copies (end copies carry t−1, middle ones t−2)."""
    if method != "target" or copies == 1:
        groups = [[c] for c in checks] + [[] for _ in range(copies - len(checks))]
        return groups[:copies] if len(checks) <= copies else [checks]
    groups: list[list[int]] = []
    rest = list(checks)
    for t in range(copies):
        cap = target - 1 if t in (0, copies - 1) else target - 2
        groups.append(rest[:cap])
        rest = rest[cap:]
    if rest:  # pragma: no cover - the copy count formula leaves nothing behind
        groups[-1].extend(rest)
    return groups


def copying(h_x: np.ndarray, h_z: np.ndarray, method: str = "hastings",
            target: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Reduce the X-degree of every qubit by copying (see module docstring)."""
    if method == "target" and target < 3:
        raise ValueError(f"copying target must be >= 3, got {target}")
    code = CSSCode(h_x, h_z)
    hx, hz = code.h_x, code.h_z
    n = code.n
    qmax = int(hx.sum(axis=0).max(initial=0))
    x_rows: list[list[int]] = [[] for _ in range(hx.shape[0])]
    chain: list[tuple[int, int]] = []
    owners: list[int] = []  # original qubit of each new qubit
    for j in range(n):
        checks = [int(i) for i in np.flatnonzero(hx[:, j])]
        c = _copies_needed(len(checks), method, qmax, target)
        first = len(owners)
        owners.extend([j] * c)
        for t, group in enumerate(_split_checks(checks, c, method, target)):
            for i in group:
                x_rows[i].append(first + t)
        chain.extend((first + t, first + t + 1) for t in range(c - 1))
    N = len(owners)
    new_x = np.zeros((hx.shape[0] + len(chain), N), dtype=np.uint8)
    for i, supp in enumerate(x_rows):
        new_x[i, supp] = 1
    for t, (a, b) in enumerate(chain):
        new_x[hx.shape[0] + t, [a, b]] = 1
    new_z = hz[:, owners].copy()  # each Z check acts on every copy
    return new_x, new_z


def gauging(h_x: np.ndarray, h_z: np.ndarray, max_weight: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Split every X check of weight > max(3, max_weight) into weight-3 checks over new qubits."""
    code = CSSCode(h_x, h_z)
    hx, hz = code.h_x, code.h_z
    n = code.n
    rows: list[list[int]] = []
    z_extra: list[np.ndarray] = []
    n_new = 0
    for i in range(hx.shape[0]):
        b = [int(j) for j in np.flatnonzero(hx[i])]
        w = len(b)
        if w <= max(3, max_weight):
            rows.append(b)
            continue
        a = list(range(n + n_new, n + n_new + w - 3))
        n_new += w - 3
        rows.append([b[0], b[1], a[0]])
        for t in range(1, w - 3):
            rows.append([b[t + 1], a[t - 1], a[t]])
        rows.append([b[w - 2], b[w - 1], a[w - 4]])
        prefix = np.cumsum(hz[:, b], axis=1) % 2  # parity of z ∩ {b_1..b_m}
        z_extra.append(prefix[:, 1:w - 2].astype(np.uint8))  # a_t = parity up to b_{t+2}
    new_x = np.zeros((len(rows), n + n_new), dtype=np.uint8)
    for i, supp in enumerate(rows):
        new_x[i, supp] = 1
    new_z = np.hstack([hz] + z_extra) if z_extra else hz.copy()
    return new_x, new_z


def thickening(h_x: np.ndarray, h_z: np.ndarray, layers: int,
               heights: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """ℓ-layer thickening; ``heights[c]`` ∈ 1..ℓ places Z check c (default: spread round-robin)."""
    code = CSSCode(h_x, h_z)
    hx, hz = code.h_x, code.h_z
    n, nx, nz = code.n, hx.shape[0], hz.shape[0]
    L = int(layers)
    if L < 1:
        raise ValueError(f"layers must be >= 1, got {layers}")
    if heights is None:
        heights = [1 + (c % L) for c in range(nz)]
    if len(heights) != nz or any(not 1 <= h <= L for h in heights):
        raise ValueError(f"heights must list {nz} integers in 1..{L}, got {heights}")

    def q(j: int, t: int) -> int:  # layer qubit, t = 0..L-1
        return t * n + j

    def v(c: int, s: int) -> int:  # vertical qubit of X check c between layers s and s+1
        return L * n + s * nx + c

    N = L * n + (L - 1) * nx
    new_x = np.zeros((L * nx, N), dtype=np.uint8)
    for t in range(L):
        for c in range(nx):
            row = t * nx + c
            new_x[row, [q(j, t) for j in np.flatnonzero(hx[c])]] = 1
            for s in (t - 1, t):
                if 0 <= s < L - 1:
                    new_x[row, v(c, s)] = 1
    new_z = np.zeros(((L - 1) * n + nz, N), dtype=np.uint8)
    for s in range(L - 1):
        for j in range(n):
            row = s * n + j
            new_z[row, [q(j, s), q(j, s + 1)]] = 1
            for c in np.flatnonzero(hx[:, j]):
                new_z[row, v(int(c), s)] = 1
    for c in range(nz):
        new_z[(L - 1) * n + c, [q(int(j), heights[c] - 1) for j in np.flatnonzero(hz[c])]] = 1
    return new_x, new_z


@dataclass
class HastingsResult:
    h_x: np.ndarray
    h_z: np.ndarray
    stages: list[dict] = field(default_factory=list)
    coning: str = "not implemented"


def _stage(name: str, hx: np.ndarray, hz: np.ndarray) -> dict:
    c = CSSCode(hx, hz)
    return {"stage": name, "n": c.n, "k": c.k, "n_x": int(hx.shape[0]), "n_z": int(hz.shape[0]),
            "w_x": c.w_x, "w_z": c.w_z, "q_x": c.q_x, "q_z": c.q_z}


def hastings_pipeline(h_x: np.ndarray, h_z: np.ndarray, layers: int = 3, heights: list[int] | None = None,
                      copying_method: str = "hastings", copying_target: int = 3,
                      z_gauging: bool = False) -> HastingsResult:
    """copying → gauging → thickening (→ optional Z-side gauging in place of coning)."""
    hx, hz = gf2.as_binary(h_x, "h_x"), gf2.as_binary(h_z, "h_z")
    stages = [_stage("input", hx, hz)]
    hx, hz = copying(hx, hz, copying_method, copying_target)
    stages.append(_stage(f"copying[{copying_method}]", hx, hz))
    hx, hz = gauging(hx, hz)
    stages.append(_stage("gauging", hx, hz))
    hx, hz = thickening(hx, hz, layers, heights)
    stages.append(_stage(f"thickening[l={layers}]", hx, hz))
    note = "not implemented"
    if z_gauging:
        gz, gx = gauging(hz, hx)
        hx, hz = gx, gz
        stages.append(_stage("z-gauging (substitute for coning)", hx, hz))
        note = "replaced by Z-side gauging"
    return HastingsResult(hx, hz, stages, note)
