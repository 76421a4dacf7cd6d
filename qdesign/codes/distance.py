"""Code distances with witnesses: exact classical, exact HGP from seeds, Stim bounds and MaxSAT.

Every function returns a :class:`Distance` whose ``witness`` is a logical operator (or codeword)
of exactly that weight; :func:`verify_witness` re-checks it independently of how it was found.
Results are cached by a hash of the matrices.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from qdesign.codes import gf2
from qdesign.codes.css import CSSCode
from qdesign.plugins import import_extra

INF = math.inf
_CACHE: dict[tuple, Distance] = {}


@dataclass
class Distance:
    """A distance value with the method that produced it and a witness of that weight."""

    value: float  # math.inf when the code has no nonzero codeword / logical
    exact: bool
    method: str
    witness: np.ndarray | None = None
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def d(self) -> float:
        """The distance value (alias of ``value``, infinite when k = 0)."""
        return self.value

    def to_dict(self) -> dict:
        """JSON-ready form; infinity becomes None and the witness its support."""
        return {
            "value": None if self.value == INF else int(self.value),
            "exact": self.exact,
            "method": self.method,
            "witness_support": None if self.witness is None else np.flatnonzero(self.witness).tolist(),
            "seconds": round(self.seconds, 6),
        }


# ----------------------------------------------------------------------------- classical

def _min_weight_codeword(G: np.ndarray) -> tuple[float, np.ndarray | None]:
    """Minimum weight nonzero combination of the rows of a full-rank generator ``G`` (exhaustive)."""
    k, n = G.shape
    if k == 0:
        return INF, None
    k_low = min(k, 12)
    low = G[:k_low]
    combos = ((np.arange(1 << k_low)[:, None] >> np.arange(k_low)[None, :]) & 1).astype(np.uint8)
    table = (combos.astype(np.int64) @ low.astype(np.int64) % 2).astype(np.uint8)  # 2^k_low x n
    high = G[k_low:]
    best, best_word = INF, None
    current = np.zeros(n, dtype=np.uint8)
    for step in range(1 << (k - k_low)):
        if step:  # Gray-code walk over the high part
            bit = (step & -step).bit_length() - 1
            current ^= high[bit]
        words = table ^ current
        weights = words.sum(axis=1, dtype=np.int64)
        if step == 0:
            weights[0] = n + 1  # the zero word
        i = int(np.argmin(weights))
        if weights[i] < best:
            best, best_word = int(weights[i]), words[i].copy()
    return best, best_word


def _min_dependent_columns(H: np.ndarray, limit: int) -> tuple[float, np.ndarray | None]:
    """Smallest set of columns of H summing to zero, trying sizes 1..limit (exhaustive per size)."""
    n = H.shape[1]
    cols = [int("".join(map(str, H[:, j][::-1])) or "0", 2) if H.shape[0] else 0 for j in range(n)]
    for t in range(1, limit + 1):
        for combo in itertools.combinations(range(n), t):
            acc = 0
            for j in combo:
                acc ^= cols[j]
            if acc == 0:
                w = np.zeros(n, dtype=np.uint8)
                w[list(combo)] = 1
                return t, w
    return INF, None


def classical_distance(H: np.ndarray, max_enumeration: float = 2.0**27) -> Distance:
    """Exact minimum distance of ``ker H`` with a minimum-weight codeword as witness."""
    H = gf2.as_binary(H, "H")
    key = ("classical", gf2.matrix_hash(H))
    if key in _CACHE:
        return _CACHE[key]
    t0 = time.perf_counter()
    G = gf2.kernel(H)
    G = gf2.row_basis(G) if G.shape[0] else G
    k, n = G.shape
    if k == 0:
        res = Distance(INF, True, "classical-trivial", None)
    elif (1 << k) * n <= max_enumeration:
        d, w = _min_weight_codeword(G)
        res = Distance(d, True, "classical-enumeration", w)
    else:
        # enumerate small dependent column sets while the count stays affordable
        limit, total = 0, 0
        while limit < n and total + math.comb(n, limit + 1) <= max_enumeration / 8:
            limit += 1
            total += math.comb(n, limit)
        d, w = _min_dependent_columns(H, limit)
        if d == INF:
            raise ValueError(
                f"exact classical distance of an [{n},{k}] code is out of reach here (2^{k} codewords, "
                f"no dependency of <= {limit} columns)")
        res = Distance(d, True, "classical-column-search", w)
    res.seconds = time.perf_counter() - t0
    _CACHE[key] = res
    return res


# ----------------------------------------------------------------------------- HGP

def hgp_distance(h1: np.ndarray, h2: np.ndarray | None = None) -> tuple[Distance, Distance]:
    """Exact ``(d_X, d_Z)`` of HGP(h1, h2) from the four classical distances, with witnesses.

    X logicals: e_i ⊗ b (b ∈ ker H2) on the left block, c ⊗ e_j (c ∈ ker H1ᵀ) on the right;
    Z logicals: a ⊗ e_j (a ∈ ker H1) and e_i ⊗ c (c ∈ ker H2ᵀ).  So d_X = min(d(H2), d(H1ᵀ)) and
    d_Z = min(d(H1), d(H2ᵀ)) (a code with k = 0 counts as infinite).
    """
    h1 = gf2.as_binary(h1, "h1")
    h2 = h1 if h2 is None else gf2.as_binary(h2, "h2")
    t0 = time.perf_counter()
    r1, n1 = h1.shape
    r2_, n2_ = h2.shape

    class _Shape:  # only n is needed here; the full code is built by callers that verify
        n = n1 * n2_ + r1 * r2_

    code = _Shape
    r2, n2 = h2.shape
    d_h1, d_h2 = classical_distance(h1), classical_distance(h2)
    d_h1t, d_h2t = classical_distance(h1.T), classical_distance(h2.T)

    def left(i: int, j: int) -> int:
        return i * n2 + j

    def right(a: int, b: int) -> int:
        return n1 * n2 + a * r2 + b

    def support_of_kernel(M: np.ndarray) -> int | None:
        ker = gf2.kernel(M) if M.shape[0] else np.eye(M.shape[1], dtype=np.uint8)
        nz = np.flatnonzero(ker.any(axis=0))
        return int(nz[0]) if ker.shape[0] and nz.size else None

    # a sector's logicals are nontrivial exactly when a partner logical exists; the partner's support
    # tells which row/column of the product block makes the canonical witness anticommute with it
    p_h1, p_h1t = support_of_kernel(h1), support_of_kernel(h1.T)
    p_h2, p_h2t = support_of_kernel(h2), support_of_kernel(h2.T)

    def witness_x() -> tuple[float, np.ndarray | None]:
        options = []
        if d_h2.value < INF and p_h1 is not None:  # e_i ⊗ b, partner a ⊗ e_j with a_i = 1
            options.append((d_h2.value, 0))
        if d_h1t.value < INF and p_h2t is not None:  # c ⊗ e_j, partner e_a ⊗ c' with c'_j = 1
            options.append((d_h1t.value, 1))
        if not options:
            return INF, None
        value, sector = min(options)
        v = np.zeros(code.n, dtype=np.uint8)
        if sector == 0:
            v[[left(p_h1, int(j)) for j in np.flatnonzero(d_h2.witness)]] = 1
        else:
            v[[right(int(a), p_h2t) for a in np.flatnonzero(d_h1t.witness)]] = 1
        return value, v

    def witness_z() -> tuple[float, np.ndarray | None]:
        options = []
        if d_h1.value < INF and p_h2 is not None:  # a ⊗ e_j, partner e_i ⊗ b with b_j = 1
            options.append((d_h1.value, 0))
        if d_h2t.value < INF and p_h1t is not None:  # e_a ⊗ c, partner c' ⊗ e_j with c'_a = 1
            options.append((d_h2t.value, 1))
        if not options:
            return INF, None
        value, sector = min(options)
        v = np.zeros(code.n, dtype=np.uint8)
        if sector == 0:
            v[[left(int(i), p_h2) for i in np.flatnonzero(d_h1.witness)]] = 1
        else:
            v[[right(p_h1t, int(b)) for b in np.flatnonzero(d_h2t.witness)]] = 1
        return value, v

    dx, wx = witness_x()
    dz, wz = witness_z()
    dt = time.perf_counter() - t0
    return (Distance(dx, True, "hgp-classical", wx, dt), Distance(dz, True, "hgp-classical", wz, dt))


# ----------------------------------------------------------------------------- general CSS via stim

def code_capacity_circuit(code: CSSCode, sector: str = "X"):
    """A noiseless-syndrome code-capacity ``stim.Circuit`` whose fault distance is d_X (or d_Z).

    sector "X": reset |0…0⟩, X_ERROR on every qubit, measure Z; detectors = Z checks,
    observables = Z logicals.  Sector "Z" is the mirror image (RX, Z_ERROR, MX, X checks, X logicals).
    """
    stim = import_extra("stim", "code distances through Stim")

    if sector not in ("X", "Z"):
        raise ValueError(f"sector must be 'X' or 'Z', got {sector!r}")
    n = code.n
    checks = code.h_z if sector == "X" else code.h_x
    logicals = code.logical_z() if sector == "X" else code.logical_x()
    reset, err, meas = ("R", "X_ERROR", "M") if sector == "X" else ("RX", "Z_ERROR", "MX")
    c = stim.Circuit()
    c.append(reset, range(n))
    c.append(err, range(n), 0.01)
    c.append(meas, range(n))
    for row in checks:
        c.append("DETECTOR", [stim.target_rec(int(j) - n) for j in np.flatnonzero(row)])
    for i, row in enumerate(logicals):
        c.append("OBSERVABLE_INCLUDE", [stim.target_rec(int(j) - n) for j in np.flatnonzero(row)], i)
    return c


def _dem_error_qubits(code: CSSCode, sector: str, dem) -> list[int]:
    """For each error instruction of the DEM, one qubit with exactly that symptom."""
    checks = code.h_z if sector == "X" else code.h_x
    logicals = code.logical_z() if sector == "X" else code.logical_x()
    by_symptom: dict[tuple, int] = {}
    for j in range(code.n):
        dets = tuple(int(i) for i in np.flatnonzero(checks[:, j]))
        obs = tuple(int(i) for i in np.flatnonzero(logicals[:, j])) if logicals.size else ()
        by_symptom.setdefault((dets, obs), j)
    out = []
    for inst in dem.flattened():
        if inst.type != "error":
            continue
        dets = tuple(sorted(t.val for t in inst.targets_copy() if t.is_relative_detector_id()))
        obs = tuple(sorted(t.val for t in inst.targets_copy() if t.is_logical_observable_id()))
        out.append(by_symptom[(dets, obs)])
    return out


def stim_upper_bound(code: CSSCode, sector: str = "X", max_detection_events: int = 8,
                     max_edge_degree: int | None = None) -> Distance:
    """Stim's heuristic ``search_for_undetectable_logical_errors``: an upper bound with witness."""
    key = ("stim-ub", sector, max_detection_events, max_edge_degree, gf2.matrix_hash(code.h_x, code.h_z))
    if key in _CACHE:
        return _CACHE[key]
    t0 = time.perf_counter()
    if (code.logical_z() if sector == "X" else code.logical_x()).shape[0] == 0:
        return Distance(INF, True, "no-logicals", None, time.perf_counter() - t0)
    circuit = code_capacity_circuit(code, sector)
    qdeg = int((code.h_z if sector == "X" else code.h_x).sum(axis=0).max(initial=0))
    errors = circuit.search_for_undetectable_logical_errors(
        dont_explore_detection_event_sets_with_size_above=max_detection_events,
        dont_explore_edges_with_degree_above=max_edge_degree or max(qdeg, 1),
        dont_explore_edges_increasing_symptom_degree=False,
    )
    v = np.zeros(code.n, dtype=np.uint8)
    for e in errors:
        q = e.circuit_error_locations[0].flipped_pauli_product[0].gate_target.value
        v[q] ^= 1
    res = Distance(int(v.sum()), False, "stim-search", v, time.perf_counter() - t0)
    _CACHE[key] = res
    return res


def maxsat_exact(code: CSSCode, sector: str = "X") -> Distance:
    """Exact d_X (or d_Z) from Stim's ``shortest_error_sat_problem`` solved by python-sat RC2."""
    RC2 = import_extra("pysat.examples.rc2", "exact code distances by MaxSAT").RC2
    WCNF = import_extra("pysat.formula", "exact code distances by MaxSAT").WCNF

    key = ("maxsat", sector, gf2.matrix_hash(code.h_x, code.h_z))
    if key in _CACHE:
        return _CACHE[key]
    t0 = time.perf_counter()
    if (code.logical_z() if sector == "X" else code.logical_x()).shape[0] == 0:
        return Distance(INF, True, "no-logicals", None, time.perf_counter() - t0)
    circuit = code_capacity_circuit(code, sector)
    dem = circuit.detector_error_model()
    qubits = _dem_error_qubits(code, sector, dem)
    wcnf = WCNF(from_string=circuit.shortest_error_sat_problem(format="WDIMACS"))
    with RC2(wcnf) as rc2:
        model = rc2.compute()
        cost = rc2.cost
    v = np.zeros(code.n, dtype=np.uint8)
    for lit in model:
        if 0 < lit <= len(qubits):
            v[qubits[lit - 1]] ^= 1
    res = Distance(int(cost), True, "stim-maxsat", v, time.perf_counter() - t0)
    if int(v.sum()) != res.value:  # mapping mismatch: keep the exact value, mark the witness missing
        res.witness, res.extra["witness_error"] = None, "variable mapping mismatch"
    _CACHE[key] = res
    return res


def verify_witness(code: CSSCode, dist: Distance, sector: str) -> bool:
    """Independent check: the witness is a nontrivial logical of the claimed weight."""
    if dist.value == INF:
        return (code.logical_x() if sector == "X" else code.logical_z()).shape[0] == 0
    if dist.witness is None or int(dist.witness.sum()) != dist.value:
        return False
    return code.is_x_logical(dist.witness) if sector == "X" else code.is_z_logical(dist.witness)


def css_distance(code: CSSCode, sector: str = "X", exact: bool | None = None,
                 exact_max_n: int = 400) -> Distance:
    """d_X or d_Z of a general CSS code: MaxSAT-exact when ``exact`` (default: n <= exact_max_n),
    else Stim's heuristic upper bound."""
    if exact is None:
        exact = code.n <= exact_max_n
    return maxsat_exact(code, sector) if exact else stim_upper_bound(code, sector)


def clear_cache() -> None:
    """Forget memoised distances (tests and benchmarks that time a cold call)."""
    _CACHE.clear()
