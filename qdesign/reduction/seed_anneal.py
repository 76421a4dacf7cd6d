"""Simulated annealing over sparse classical seeds of a fixed size: the ``"seed anneal"`` engine.

The (6,3) class of hypergraph products is the class of HGP(H, H) with every row and column of H of
weight at most 3 (Tillich & Zemor, arXiv:0903.0566, Thm. 7).  Instead of shrinking a given dense
seed edit by edit, this engine searches that class directly at a fixed seed size: H has ``r = m -
k_c`` rows of weight ``row_cap`` and column degrees spread evenly up to ``col_cap``, and the moves
are degree-preserving edge swaps (two SeedReduce edge toggles in each of two rows), so every state
keeps the caps.  The objective is lexicographic: full rank first (so HGP keeps k = k_c²), then the
classical distance, then fewer minimum-weight codewords.  ``smallest_sparse_seed`` finds the
smallest size at which the anneal reaches the goal distance: cheap probes bracket it (geometric
growth, then bisection), then the full and a deep effort walk down from the smallest probed success,
so a search costs O(log) failing sizes and spends long anneals only at the frontier.

The distance is exact: all ``2^k_c`` codewords are enumerated, in Gray-code order on Python
integers (bit j = column j) for k_c <= 10 (the Table II rows: well under a millisecond), as one
uint64 table for k_c <= 20 and m <= 64 (0.15 ms at k_c = 15), and by a Gray-code walk over a numpy
table of uint64 words otherwise (a few ms at k_c = 20).  ``best_kd2n_seed`` instead maximises
the product's k d² / n over a range of sizes.  Callers re-check final seeds independently
(``hgp_code_parameters`` / ``classical_distance``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

MAX_KC = 22  # 2^22 codewords per evaluation (a few ms with the numpy enumerator) is the limit
_NUMPY_FROM_KC = 11  # below this the pure-Python Gray-code walk is faster than numpy's overhead
_TABLE_MAX_KC = 20  # one table of 2^k uint64 words (8 MB at k = 20) for seeds of at most 64 columns


def _kernel_basis(rows: list[int], m: int) -> tuple[int, list[int]]:
    """GF(2) rank of the rows (bit-packed ints over ``m`` columns) and a basis of their kernel."""
    rows = list(rows)
    pivots: list[int] = []
    r = 0
    for col in range(m):
        bit = 1 << col
        sel = next((i for i in range(r, len(rows)) if rows[i] & bit), None)
        if sel is None:
            continue
        rows[r], rows[sel] = rows[sel], rows[r]
        pr = rows[r]
        for i in range(len(rows)):
            if i != r and rows[i] & bit:
                rows[i] ^= pr
        pivots.append(col)
        r += 1
        if r == len(rows):
            break
    free = sorted(set(range(m)) - set(pivots))
    basis = []
    for f in free:
        v = 1 << f
        for i, p in enumerate(pivots):
            if rows[i] >> f & 1:
                v |= 1 << p
        basis.append(v)
    return r, basis


def _popcount(words: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words)
    return np.unpackbits(words.view(np.uint8).reshape(len(words), -1), axis=1).sum(axis=1)  # numpy < 2


def _min_weight_numpy(basis: list[int]) -> tuple[int, int]:
    """Same as ``_min_weight`` for larger kernels: a table of all XORs of the first basis vectors
    (all but at most 8) as uint64 words (one per 64 columns), walked in Gray-code order over the rest."""
    m_words = max(1, -(-max(b.bit_length() for b in basis) // 64))
    mask = (1 << 64) - 1

    def words(v: int) -> np.ndarray:
        return np.array([(v >> (64 * i)) & mask for i in range(m_words)], dtype=np.uint64)

    split = max(len(basis) - 8, min(len(basis), 10))
    low, high = basis[:split], [words(b) for b in basis[split:]]
    table = np.zeros((1, m_words), dtype=np.uint64)
    for b in low:
        table = np.concatenate([table, table ^ words(b)])
    cur = np.zeros(m_words, dtype=np.uint64)
    best, count = 1 << 30, 0
    for i in range(1 << len(high)):
        if i:
            cur = cur ^ high[(i & -i).bit_length() - 1]
        w = _popcount(table ^ cur).sum(axis=1)
        if i == 0:
            w = w[1:]  # the zero word
        low_w = int(w.min())
        if low_w < best:
            best, count = low_w, int((w == low_w).sum())
        elif low_w == best:
            count += int((w == low_w).sum())
    return best, count


def _min_weight_table(basis: list[int]) -> tuple[int, int]:
    """Same as ``_min_weight`` for kernels of short codes (m <= 64): all ``2^k`` codewords as one
    uint64 table built by in-place doubling, popcounted at once (5-10x fewer numpy calls than the
    Gray-code walk over a partial table at k_c = 13-16)."""
    table = np.zeros(1 << len(basis), dtype=np.uint64)
    for i, b in enumerate(basis):
        half = 1 << i
        np.bitwise_xor(table[:half], np.uint64(b), out=table[half:2 * half])
    w = _popcount(table[1:])
    best = int(w.min())
    return best, int(np.count_nonzero(w == best))


def _min_weight(basis: list[int]) -> tuple[int, int]:
    """(minimum weight, number of codewords of that weight) by Gray-code enumeration."""
    if len(basis) >= _NUMPY_FROM_KC:
        if len(basis) <= _TABLE_MAX_KC and max(b.bit_length() for b in basis) <= 64:
            return _min_weight_table(basis)
        return _min_weight_numpy(basis)
    cur, best, count = 0, 1 << 30, 0
    for i in range(1, 1 << len(basis)):
        cur ^= basis[(i & -i).bit_length() - 1]
        w = cur.bit_count()
        if w < best:
            best, count = w, 1
        elif w == best:
            count += 1
    return best, count


def seed_quality(H: np.ndarray) -> tuple[int, int, int]:
    """(rank, distance, number of minimum-weight codewords) of ``ker H``; distance 0 if trivial."""
    r, m = H.shape
    rows = [sum(1 << int(c) for c in np.flatnonzero(H[i])) for i in range(r)]
    rk, basis = _kernel_basis(rows, m)
    if not basis:
        return rk, 0, 0
    d, count = _min_weight(basis)
    return rk, d, count


@dataclass
class SeedAnnealResult:
    """Best seed of one anneal: H, its distance, its number of minimum-weight words, full rank or not, effort
    spent."""
    H: np.ndarray
    d: int
    count: int
    full_rank: bool
    iterations: int
    seed: int
    seconds: float


def _random_sparse(m: int, r: int, row_cap: int, col_cap: int, rng: np.random.Generator) -> list[int]:
    """Rows (bit-packed) of an r x m matrix with rows of weight ``row_cap`` (fewer only if the
    columns cannot hold them) and column degrees as even as possible, at most ``col_cap``."""
    edges = min(row_cap * r, col_cap * m)
    deg = np.full(m, edges // m)
    deg[: edges % m] += 1
    if edges % m == 0 and deg[0] % 2 == 0 and deg[0] < col_cap and m >= 2 and r >= 2:
        # every column of even degree puts the all-ones vector in ker Hᵀ: the rows sum to zero, and
        # degree-preserving swaps keep it so (m = 3 k_c at weight 3 could never be full rank)
        deg[0] += 1
        deg[-1] -= 1
    row_w = np.full(r, edges // r)
    row_w[: edges % r] += 1
    for _ in range(2000):  # configuration model; retry on a double edge
        stubs = np.repeat(np.arange(m), deg)
        rng.shuffle(stubs)
        rows, pos, ok = [], 0, True
        for i in range(r):
            cols = stubs[pos:pos + row_w[i]]
            pos += row_w[i]
            if len(set(cols.tolist())) < len(cols):
                ok = False
                break
            rows.append(sum(1 << int(c) for c in cols))
        if ok:
            return rows
    raise ValueError(f"could not draw a simple {r}x{m} bipartite graph with row weight {row_cap} and "
                     f"column degree <= {col_cap}")


def anneal_sparse_seed(m: int, k_c: int, row_cap: int = 3, col_cap: int = 3, iterations: int = 20_000,
                       d_goal: int | None = None, seed: int = 0, t_start: float = 1.0,
                       t_end: float = 0.05, patience: int | None = 8_000,
                       deadline: float | None = None) -> SeedAnnealResult:
    """Best (full-rank first, then largest distance, then fewest minimum-weight words) sparse
    ``(m - k_c) x m`` check matrix found by annealing; stops early once ``d_goal`` is reached,
    after ``patience`` iterations without a new best, or at ``deadline`` (a ``time.perf_counter()``
    value, checked every 64 iterations, so a caller's time budget holds inside one anneal too)."""
    if not 1 <= k_c <= MAX_KC:
        raise ValueError(f"k_c must be in [1, {MAX_KC}] for exhaustive codeword enumeration, got {k_c}")
    if m <= k_c:
        raise ValueError(f"m must exceed k_c, got m={m}, k_c={k_c}")
    if row_cap < 2 or col_cap < 1:
        raise ValueError(f"row_cap must be >= 2 and col_cap >= 1, got {row_cap}, {col_cap}")
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    r = m - k_c
    rows = _random_sparse(m, r, row_cap, col_cap, rng)

    def score(rows: list[int]) -> float:
        rk, basis = _kernel_basis(rows, m)
        if rk < r:
            return -1000.0 + rk  # rank-deficient: a larger k and a second kernel in H^T
        d, count = _min_weight(basis)
        return d - count / (count + 1.0)  # distance first, then fewer minimum-weight words

    cur = score(rows)
    best, best_rows, it, best_it = cur, list(rows), 0, 0
    for it in range(1, iterations + 1):
        if d_goal is not None and math.ceil(best) >= d_goal and best > 0:
            break
        if patience is not None and it - best_it > patience:
            break
        if deadline is not None and it % 64 == 0 and time.perf_counter() > deadline:
            break
        temp = t_start * (t_end / t_start) ** (it / iterations)
        a, b = (int(x) for x in rng.choice(r, 2, replace=False))
        only_a, only_b = rows[a] & ~rows[b], rows[b] & ~rows[a]
        if not only_a or not only_b:
            continue
        xa = [j for j in range(m) if only_a >> j & 1]
        xb = [j for j in range(m) if only_b >> j & 1]
        flip = (1 << xa[int(rng.integers(len(xa)))]) | (1 << xb[int(rng.integers(len(xb)))])
        rows[a] ^= flip
        rows[b] ^= flip
        new = score(rows)
        if new >= cur or rng.random() < math.exp((new - cur) / temp):
            cur = new
            if new > best:
                best, best_rows, best_it = new, list(rows), it
        else:
            rows[a] ^= flip
            rows[b] ^= flip
    H = np.array([[(v >> j) & 1 for j in range(m)] for v in best_rows], dtype=np.uint8)
    rk, d, count = seed_quality(H)
    return SeedAnnealResult(H, d, count, rk == r, it, seed, time.perf_counter() - t0)


def griesmer_length(k: int, d: int) -> int:
    """The Griesmer bound: every binary linear [n, k, d] code has n >= sum_{i<k} ceil(d / 2^i)."""
    return sum(-(-d // (1 << i)) for i in range(k))


@dataclass
class SeedSearchLog:
    """One record per seed size tried by ``smallest_sparse_seed``, so benchmarks can report the search."""
    tried: list[dict] = field(default_factory=list)


# The logs of the most recent ``smallest_sparse_seed`` calls in this process (at most 16), so a
# benchmark can report the sizes tried even when the search ran deep inside ``reduce_weight``.
SEARCH_LOGS: list[SeedSearchLog] = []


def smallest_sparse_seed(k_c: int, d_goal: int, m_start: int, row_cap: int = 3, col_cap: int = 3,
                         iterations: int = 20_000, restarts: int = 4, seed: int = 0,
                         m_max: int | None = None, time_limit: float | None = None,
                         log: SeedSearchLog | None = None, *, search: str = "bisect",
                         probe_iterations: int | None = None, probe_restarts: int = 1,
                         deep_iterations: int | None = None,
                         deep_restarts: int = 2) -> SeedAnnealResult | None:
    """Smallest m (and its seed) at which the anneal reaches ``d_goal``, for m in
    ``[max(m_start, Griesmer), m_max]`` when growing, or below ``m_start`` when that already works.
    ``None`` if no size up to ``m_max`` (default ``4 m_start``) works or ``time_limit`` runs out first.

    ``search="bisect"`` (default) costs O(log) failing sizes.  Three efforts: cheap probes
    (``probe_restarts`` anneals of ``probe_iterations``, default ``iterations // 4``) grow m
    geometrically from ``m_start`` until one succeeds (or shrink it geometrically if ``m_start``
    already works) and bisect between the last failure and the first success; the full effort
    (``restarts`` anneals of ``iterations``) then walks down from the smallest probed success while it
    still succeeds; where it first fails, the deep effort (``deep_restarts`` anneals of
    ``deep_iterations``, default ``4 * iterations``; 0 turns it off) continues the walk while time is
    left.  Failing sizes are the expensive ones (an anneal that succeeds stops early), so only the
    frontier gets the larger efforts.  A size is tried at most once per effort, never at a lower effort
    after a higher one, and never again after failing at the highest effort.
    ``search="linear"`` is the old walk: full effort at every size from ``m_start`` up, then down.
    Every attempt is recorded in ``log.tried`` (and ``SEARCH_LOGS``) as
    ``{"m", "d", "ok", "effort": "probe"|"full"|"deep", "seconds"}``."""
    if d_goal < 1:
        raise ValueError(f"d_goal must be >= 1, got {d_goal}")
    if search not in ("bisect", "linear"):
        raise ValueError(f"search must be 'bisect' or 'linear', got {search!r}")
    if probe_iterations is not None and probe_iterations < 1:
        raise ValueError(f"probe_iterations must be >= 1, got {probe_iterations}")
    if deep_iterations is not None and deep_iterations < 0:
        raise ValueError(f"deep_iterations must be >= 0 (0: no deep stage), got {deep_iterations}")
    if probe_restarts < 1 or deep_restarts < 1:
        raise ValueError(f"probe_restarts and deep_restarts must be >= 1, got {probe_restarts}, "
                         f"{deep_restarts}")
    m_max = m_max if m_max is not None else 4 * m_start
    log = log if log is not None else SeedSearchLog()
    SEARCH_LOGS.append(log)
    del SEARCH_LOGS[:-16]
    m_min = max(k_c + 1, griesmer_length(k_c, d_goal))  # below it no binary [m, k_c, d_goal] code exists
    probe_its = probe_iterations if probe_iterations is not None else max(1, iterations // 4)
    deep_its = deep_iterations if deep_iterations is not None else 4 * iterations
    # effort -> (rank, anneals, iterations, patience, seed offset); "full" is the old attempt exactly
    efforts = {"probe": (0, probe_restarts, probe_its, max(1, probe_its // 2), 500),
               "full": (1, restarts, iterations, 8_000, 0),
               "deep": (2, deep_restarts, deep_its, max(1, deep_its // 2), 700)}
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + time_limit
    highest_tried: dict[int, int] = {}  # size -> highest effort rank tried there

    def out_of_time() -> bool:
        return deadline is not None and time.perf_counter() > deadline

    def attempt(m: int, effort: str = "full") -> SeedAnnealResult | None:
        if m < m_min:
            return None
        rank, n_runs, its, patience, offset = efforts[effort]
        assert highest_tried.get(m, -1) < rank, f"size {m} retried at effort {effort}"
        highest_tried[m] = rank
        t_start, best = time.perf_counter(), None
        for s in range(n_runs):
            if s and out_of_time():
                break
            res = anneal_sparse_seed(m, k_c, row_cap, col_cap, its, d_goal, seed + 1000 * m + offset + s,
                                     patience=patience, deadline=deadline)
            if res.full_rank and (best is None or (res.d, -res.count) > (best.d, -best.count)):
                best = res
            if best is not None and best.d >= d_goal:
                break
        ok = bool(best is not None and best.d >= d_goal)
        log.tried.append({"m": m, "d": None if best is None else best.d, "ok": ok, "effort": effort,
                          "seconds": round(time.perf_counter() - t_start, 3)})
        return best if ok else None

    if search == "linear":
        return _linear_search(attempt, k_c, max(m_start, m_min), m_max, out_of_time)

    # 1. bracket [lo, hi] with probes: lo a size believed to fail (m_min - 1 is known to), hi one that works
    lo, hi, found = m_min - 1, None, None
    m = max(m_start, m_min)
    if m > m_max:
        return None
    found = attempt(m, "probe")
    if found is not None:  # shrink geometrically
        hi, step = m, 1
        while hi - step > lo and not out_of_time():
            res = attempt(hi - step, "probe")
            if res is None:
                lo = hi - step
                break
            hi, found, step = hi - step, res, 2 * step
    else:  # grow geometrically
        lo, step = m, 1
        while found is None and lo < m_max:
            if out_of_time():
                return None
            m = min(lo + step, m_max)
            found = attempt(m, "probe")
            if found is None and m == m_max and not out_of_time():
                found = attempt(m)  # the last size allowed gets the full effort before giving up
            if found is None:
                lo, step = m, 2 * step
            else:
                hi = m
        if found is None:
            return None
    # 2. bisect with probes
    while hi - lo > 1 and not out_of_time():
        mid = (lo + hi) // 2
        res = attempt(mid, "probe")
        if res is None:
            lo = mid
        else:
            hi, found = mid, res
    # 3. the full, then the deep effort walk down while they still work (never below m_min)
    m = hi
    for effort in ("full", "deep") if deep_its > 0 else ("full",):
        rank = efforts[effort][0]
        while m - 1 >= m_min and highest_tried.get(m - 1, -1) < rank and not out_of_time():
            res = attempt(m - 1, effort)
            if res is None:
                break
            found, m = res, m - 1
    return found


def _linear_search(attempt, k_c: int, m_start: int, m_max: int, out_of_time) -> SeedAnnealResult | None:
    """The original size walk (kept for comparison): full effort at m_start, m_start + 1, ... until
    one works, then down while it still works; a failing size costs ``restarts`` full anneals."""
    m, found, failed = m_start, None, set()
    while found is None and m <= m_max:
        found = attempt(m)
        if found is None:
            failed.add(m)
            m += 1
            if out_of_time():
                return None
    if found is None:
        return None
    while m - 1 > k_c and m - 1 not in failed and not out_of_time():
        smaller = attempt(m - 1)
        if smaller is None:
            break
        found, m = smaller, m - 1
    return found


def best_kd2n_seed(k_c: int, d_min: int, m_values: list[int], row_cap: int = 3, col_cap: int = 3,
                   iterations: int = 4_000, seed: int = 0,
                   log: SeedSearchLog | None = None) -> SeedAnnealResult | None:
    """The seed maximising the HGP's k d² / n (k = k_c², n = m² + (m - k_c)²) over the sizes
    ``m_values``, among full-rank anneal results with distance >= ``d_min``: a larger seed whose
    distance grows faster than its size beats the smallest one on this figure of merit (the
    high-k rows of He & Liu's Table II, arXiv:2502.14372, where Sabo et al.'s codes win on kd²/n)."""
    if d_min < 1:
        raise ValueError(f"d_min must be >= 1, got {d_min}")
    best, best_merit = None, -1.0
    for m in m_values:
        if m <= k_c:
            raise ValueError(f"m_values must exceed k_c={k_c}, got {m}")
        res = anneal_sparse_seed(m, k_c, row_cap, col_cap, iterations, None, seed + m,
                                 patience=iterations // 2)
        merit = k_c * k_c * res.d**2 / (m * m + (m - k_c) ** 2) if res.full_rank else 0.0
        if log is not None:
            log.tried.append({"m": m, "d": res.d, "full_rank": res.full_rank, "kd2n": merit,
                              "seconds": res.seconds})
        if res.full_rank and res.d >= d_min and merit > best_merit:
            best, best_merit = res, merit
    return best
