"""Direct Clifford+T approximation of any one-qubit unitary by lattice matching (no Euler angles).

Every Clifford+T unitary is, up to global phase, ``U = [[u, -t* w^m], [t, u* w^m]] / sqrt2^k`` with
``u, t`` in Z[w] (``w = e^{i pi/4}``) and ``|u|^2 + |t|^2 = 2^k`` *exactly* in Z[sqrt2] (Kliuchnikov,
Maslov and Mosca, arXiv 1206.5236). For a target ``V = e^{i phi} [[a, -b*], [b, a*]]``,

* ``U - e^{i phi} V`` is ``sqrt(|du|^2 + |dt|^2)`` times a unitary when ``e^{2 i phi} = w^m``, so the
  error is the Euclidean distance of ``(u, t) / sqrt2^k`` from ``e^{i phi} (a, b)``; only ``phi = 0`` and
  ``pi/8`` are distinct (multiplying by ``w`` is a global phase);
* the candidates ``u`` near ``sqrt2^k e^{i phi} a`` whose Galois conjugate ``u.`` lies in the disc of
  radius ``sqrt2^k`` are lattice points of two decoupled one-dimensional grid problems (real and imaginary
  parts: ``x = a + p/sqrt2``, ``x. = a - p/sqrt2``), enumerated with numpy; the same for ``t``;
* the unitarity condition ``|u|^2 + |t|^2 = 2^k`` is an exact equality of two integers ``(alpha, beta)``
  (``|u|^2 = alpha + beta sqrt2``), so all pairs are found at once by a hash join of the two candidate
  sets: no norm equation to solve and no factoring.

Candidate sets grow like ``epsilon^2 4^k`` and hits like ``epsilon^3 4^k``, so the first denominator
exponent with a hit gives ``3 log2(1/epsilon) + O(1)`` T gates, the order of the counting bound of
a general unitary (measured on Haar targets from 1e-3 to 1e-6: about ``3 log2(1/epsilon) - 5``), where
Euler angles pay for three Z rotations. The sets hold about ``1/epsilon`` points there,
so the route is for ``epsilon >= ~1e-6`` (a cap on the set size stops it; other routes take over).
The exact unitary is written as a word by greedy denominator reduction with ``H T^j`` (KMM) and a short
table for the last few factors; the word is re-verified in floating point before it is returned.
"""

from __future__ import annotations

import math
import time

import numpy as np

from qdesign.quantum.gatesets import GateSet
from qdesign.quantum.unitary import phase_invariant_distance

SQRT2 = math.sqrt(2.0)
OMEGA = complex(math.cos(math.pi / 4), math.sin(math.pi / 4))

#: below this epsilon the candidate sets (about 1/epsilon points) make the route slower than a second
MIN_EPSILON = 5e-7

#: candidate-set size (per part, per phase) above which a denominator exponent is not tried
MAX_CANDIDATES = 1_000_000

# ---------------------------------------------------------------- exact arithmetic in Z[w]
# An element is a tuple (a, b, c, d) = a + b w + c w^2 + d w^3 of Python ints (w^4 = -1).

ZOmega = tuple[int, int, int, int]


def _mul_omega(x: ZOmega, j: int) -> ZOmega:
    """``x * w^j``."""
    a, b, c, d = x
    for _ in range(j % 8):
        a, b, c, d = -d, a, b, c
    return (a, b, c, d)


def _add(x: ZOmega, y: ZOmega, sign: int = 1) -> ZOmega:
    return (x[0] + sign * y[0], x[1] + sign * y[1], x[2] + sign * y[2], x[3] + sign * y[3])


def _div_sqrt2(x: ZOmega) -> ZOmega | None:
    """``x / sqrt2`` if it lies in Z[w], else None (``x`` is divisible iff a+c and b+d are even)."""
    a, b, c, d = x
    if (a + c) % 2 or (b + d) % 2:
        return None
    return ((b - d) // 2, (a + c) // 2, (b + d) // 2, (c - a) // 2)


def _to_complex(x: ZOmega) -> complex:
    a, b, c, d = x
    return a + b * OMEGA + c * 1j + d * OMEGA * 1j


def _sde_norm(u: ZOmega, k: int) -> int:
    """Smallest denominator exponent (in sqrt2) of ``|u / sqrt2^k|^2``: KMM's measure of T-depth."""
    a, b, c, d = u
    alpha, beta = a * a + b * b + c * c + d * d, a * b + b * c + c * d - d * a
    s = 2 * k
    while s > 0 and (alpha or beta) and alpha % 2 == 0:
        alpha, beta, s = beta, alpha // 2, s - 1
    return s if (alpha or beta) else 0


def exact_matrix(u: ZOmega, t: ZOmega, k: int, m: int) -> np.ndarray:
    """The (float) unitary ``[[u, -t* w^m], [t, u* w^m]] / sqrt2^k``."""
    uc, tc, ph = _to_complex(u), _to_complex(t), OMEGA ** (m % 8)
    return np.array([[uc, -np.conj(tc) * ph], [tc, np.conj(uc) * ph]]) / SQRT2**k


# ---------------------------------------------------------------- exact unitary -> word

_TABLES: dict[tuple[str, tuple[str, ...]], tuple[dict[bytes, list[int]], tuple[list[int], ...]]] = {}


def _small_table(gs: GateSet) -> tuple[dict[bytes, list[int]], tuple[list[int], ...]]:
    """Shortest words (BFS over ``gs``) of every element reached within 16 gates and T-count <= 4,
    keyed by the phase-canonical rounded matrix; and the words of ``T^-j H`` for j = 0..3."""
    cache_key = (gs.name, tuple(gs.gate_names))
    if cache_key in _TABLES:
        return _TABLES[cache_key]
    t_like = np.array([n in ("t", "tdg") for n in gs.gate_names])
    table: dict[bytes, list[int]] = {_key(np.eye(2)): []}
    frontier = [(np.eye(2, dtype=complex), [], 0)]
    for _ in range(16):
        nxt = []
        for mat, word, tc in frontier:
            for g, gm in enumerate(gs.matrices):
                tc2 = tc + int(t_like[g])
                if tc2 > 4:
                    continue
                m2 = gm @ mat
                key = _key(m2)
                if key not in table:
                    table[key] = word + [g]
                    nxt.append((m2, word + [g], tc2))
        frontier = nxt
    h = np.array([[1, 1], [1, -1]], dtype=complex) / SQRT2
    pieces = []
    for j in range(4):
        mat = np.diag([1, OMEGA ** (-j)]) @ h  # T^-j H (H applied first)
        key = _key(mat)
        if key not in table:
            raise ValueError(f"gate set {gs.name!r} cannot write T^-{j} H exactly in 16 gates")
        pieces.append(table[key])
    _TABLES[cache_key] = (table, tuple(pieces))
    return _TABLES[cache_key]


def _key(mat: np.ndarray) -> bytes:
    flat = np.asarray(mat, dtype=complex).ravel()
    i = int(np.argmax(np.abs(flat) > 0.3))
    canon = flat * (abs(flat[i]) / flat[i])
    return (np.round(np.concatenate([canon.real, canon.imag]), 7) + 0.0).tobytes()


def exact_word(u: ZOmega, t: ZOmega, k: int, m: int, gs: GateSet) -> list[int]:
    """A word of ``gs`` (first gate first) equal up to global phase to ``exact_matrix(u, t, k, m)``.

    Greedy KMM reduction: ``H T^j`` lowers the denominator exponent by one for exactly one ``j`` once
    it is large; the short remainder comes from a breadth-first table of ``gs``.
    """
    table, pieces = _small_table(gs)
    while k > 0:
        r = (_div_sqrt2(u), _div_sqrt2(t))
        if r[0] is None or r[1] is None:
            break
        u, t, k = r[0], r[1], k - 1
    steps: list[int] = []
    while _sde_norm(u, k) > 3:
        for j in range(4):
            wt = _mul_omega(t, j)
            u2, t2, k2 = _add(u, wt), _add(u, wt, -1), k + 1
            while k2 > 0:
                r = (_div_sqrt2(u2), _div_sqrt2(t2))
                if r[0] is None or r[1] is None:
                    break
                u2, t2, k2 = r[0], r[1], k2 - 1
            if _sde_norm(u2, k2) < _sde_norm(u, k):
                u, t, k, m = u2, t2, k2, (m + j + 4) % 8
                steps.append(j)
                break
        else:
            break  # no reduction (cannot happen for a unitary, by KMM): let the table try
    rest = table.get(_key(exact_matrix(u, t, k, m)))
    if rest is None:
        raise ValueError(f"exact_word: remainder with denominator exponent {k} not in the table")
    word = list(rest)
    for j in reversed(steps):  # U = T^-j1 H T^-j2 H ... R: R first, then H, T^-jn, ...
        word += pieces[j]
    return word


# ---------------------------------------------------------------- the lattice search

def _grid_1d(x0: float, x1: float, y0: float, y1: float) -> tuple[np.ndarray, np.ndarray]:
    """All integer (a, p) with ``a + p/sqrt2`` in [x0, x1] and ``a - p/sqrt2`` in [y0, y1]."""
    p = np.arange(math.ceil((x0 - y1) / SQRT2) - 1, math.floor((x1 - y0) / SQRT2) + 2, dtype=np.int64)
    s = p / SQRT2
    lo = np.ceil(np.maximum(x0 - s, y0 + s))
    hi = np.floor(np.minimum(x1 - s, y1 + s))
    cnt = np.clip(hi - lo + 1, 0, None).astype(np.int64)
    if cnt.sum() == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.repeat(lo.astype(np.int64), cnt)
    offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return starts + offs, np.repeat(p, cnt)


def _candidates(center: complex, radius: float, k: int) -> dict[str, np.ndarray] | None:
    """Elements ``a + p/sqrt2 + i(c + q/sqrt2)`` of Z[w] within ``radius`` of ``center`` whose Galois
    conjugate has modulus at most ``sqrt2^k``; None if the set would exceed ``MAX_CANDIDATES``."""
    big = SQRT2**k
    ra, rp = _grid_1d(center.real - radius, center.real + radius, -big, big)
    ia, iq = _grid_1d(center.imag - radius, center.imag + radius, -big, big)
    if len(ra) * len(ia) > 4 * MAX_CANDIDATES:
        return None
    if len(ra) == 0 or len(ia) == 0:
        return {"a": np.zeros(0, np.int64)}
    ii, jj = np.nonzero((rp[:, None] - iq[None, :]) % 2 == 0)
    a, p, c, q = ra[ii], rp[ii], ia[jj], iq[jj]
    x, y = a + p / SQRT2, c + q / SQRT2
    xc, yc = a - p / SQRT2, c - q / SQRT2
    err = (x - center.real) ** 2 + (y - center.imag) ** 2
    ok = (err <= radius**2) & (xc**2 + yc**2 <= big**2 * (1 + 1e-12))
    a, p, c, q, err = a[ok], p[ok], c[ok], q[ok], err[ok]
    return {"a": a, "p": p, "c": c, "q": q, "err": err,
            "alpha": a * a + c * c + (p * p + q * q) // 2, "beta": a * p + c * q}


def _hash(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """A 64-bit key of the integer pair (wrapping arithmetic; matches are re-checked exactly)."""
    with np.errstate(over="ignore"):
        return alpha.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + beta.astype(np.uint64)


def _zomega(a: int, p: int, c: int, q: int) -> ZOmega:
    """``a + p/sqrt2 + i (c + q/sqrt2)`` in the basis 1, w, w^2, w^3 (p, q of equal parity)."""
    return (int(a), int((p + q) // 2), int(c), int((q - p) // 2))


def _su2_column(target: np.ndarray) -> tuple[complex, complex]:
    v = np.asarray(target, dtype=complex)
    v = v / np.sqrt(np.linalg.det(v))
    return complex(v[0, 0]), complex(v[1, 0])


def lattice_solutions(target: np.ndarray, epsilon: float, deadline: float | None = None,
                      max_k: int = 80, extra_levels: int = 0):
    """Exact unitaries ``(u, t, k, m, error)`` within ``epsilon`` of ``target`` (phase-invariant
    operator norm) at the smallest denominator exponent ``k`` that has any (and ``extra_levels`` more),
    best error first; empty if the candidate cap or ``deadline`` stops the search first (a level that
    would end after the deadline, judged from the previous one, is not started)."""
    a, b = _su2_column(target)
    found: list[tuple[ZOmega, ZOmega, int, int, float]] = []
    first_k = None
    last = 0.0  # seconds the previous level took; each level costs about four times the last
    for k in range(max_k + 1):
        if deadline is not None and time.time() + 4 * last > deadline:
            break  # this level would not finish in time: stop before starting it
        if first_k is not None and k > first_k + extra_levels:
            break
        start = time.time()
        scale, radius = SQRT2**k, epsilon * SQRT2**k
        for j in (0, 1):
            ph = OMEGA ** (j / 2)  # e^{i j pi/8}
            cu = _candidates(scale * ph * a, radius, k)
            ct = _candidates(scale * ph * b, radius, k)
            if cu is None or ct is None:
                return found
            if len(cu["a"]) == 0 or len(ct["a"]) == 0:
                continue
            need = _hash(np.int64(2**k) - cu["alpha"], -cu["beta"])
            have = _hash(ct["alpha"], ct["beta"])
            order = np.argsort(have)
            have_sorted = have[order]
            by_need = np.argsort(need)  # sorted queries: searchsorted walks the array in order
            lo, hi = np.empty_like(by_need), np.empty_like(by_need)
            lo[by_need] = np.searchsorted(have_sorted, need[by_need], "left")
            hi[by_need] = np.searchsorted(have_sorted, need[by_need], "right")
            cnt = hi - lo
            iu = np.repeat(np.arange(len(need)), cnt)
            it = order[np.repeat(lo, cnt) + np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)]
            err2 = cu["err"][iu] + ct["err"][it]
            ok = ((cu["alpha"][iu] + ct["alpha"][it] == 2**k) & (cu["beta"][iu] + ct["beta"][it] == 0)
                  & (err2 <= radius**2))
            for x, y, e2 in zip(iu[ok], it[ok], err2[ok]):
                u = _zomega(cu["a"][x], cu["p"][x], cu["c"][x], cu["q"][x])
                t = _zomega(ct["a"][y], ct["p"][y], ct["c"][y], ct["q"][y])
                found.append((u, t, k, j, math.sqrt(e2) / scale))
        if found and first_k is None:
            first_k = k
        last = time.time() - start
    return sorted(found, key=lambda s: (s[2], s[4]))


_DIAGONAL_WORDS = {0: (), 1: ("t",), 2: ("s",), 3: ("s", "t"), 4: ("s", "s"), 5: ("sdg", "tdg"),
                   6: ("sdg",), 7: ("tdg",)}
_T_POWER = {"t": 1, "tdg": 7, "s": 2, "sdg": 6, "z": 4}


def simplify_word(word: list[int], gs: GateSet) -> list[int]:
    """Merge each run of diagonal gates (t, tdg, s, sdg, z) into the fewest-T, then fewest-gate word of
    its power of T, and cancel adjacent pairs of the same self-inverse gate (h h, x x); the unitary is
    unchanged up to global phase."""
    names = gs.gate_names
    index = {n: i for i, n in enumerate(names)}
    if not all(n in index for n in ("t", "tdg", "s", "sdg")):
        return list(word)
    out: list[int] = []
    power = 0

    def flush() -> None:
        nonlocal power
        out.extend(index[n] for n in _DIAGONAL_WORDS[power % 8])
        power = 0

    for g in word:
        name = names[g]
        if name in _T_POWER:
            power += _T_POWER[name]
            continue
        flush()
        if out and names[out[-1]] == name and name in ("h", "x"):
            out.pop()
            continue
        out.append(g)
    flush()
    return out


def lattice_word(target: np.ndarray, gs: GateSet, epsilon: float, deadline: float | None = None,
                 tries: int = 8) -> list[int] | None:
    """The fewest-T word (then fewest gates) among the lowest-denominator lattice solutions for
    ``target``, verified within ``epsilon``; None when the route cannot reach ``epsilon`` (below
    ``MIN_EPSILON``, at the deadline, or on a set without s, sdg and tdg)."""
    if gs.num_qubits != 1 or not {"h", "t"} <= set(gs.gate_names):
        raise ValueError(f"lattice_word needs a one-qubit Clifford+T-type set (h and t), got {gs.gate_names}")
    if epsilon < MIN_EPSILON or not {"tdg", "s", "sdg"} <= set(gs.gate_names):
        return None  # too fine for the candidate sets, or T^-1 costs seven T (e.g. the set {h, t})
    target = np.asarray(target, dtype=complex)
    t_like = np.array([n in ("t", "tdg") for n in gs.gate_names])
    best: list[int] | None = None
    for u, t, k, m, _ in lattice_solutions(target, epsilon, deadline)[:tries]:
        word = simplify_word(exact_word(u, t, k, m, gs), gs)
        if phase_invariant_distance(gs.word_unitary(word), target) > epsilon:
            continue
        if best is None or (int(t_like[word].sum()), len(word)) < (int(t_like[best].sum()), len(best)):
            best = word
    return best
