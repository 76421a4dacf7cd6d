"""Exact one-qubit compiler: meet-in-the-middle over breadth-first word tables (the optimality reference).

Tables hold every distinct element of PSU(2) reachable by the gate set, level by level (level L =
elements whose shortest word has exactly L gates), each with one shortest word (parent pointer +
last gate). Elements are keyed by their sign-canonical quaternion rounded to 1e-8, and compared with
the chordal quaternion distance modulo sign, which equals the phase-invariant operator-norm distance
``sqrt(2 - |Tr(U^dag V)|)``.

For a target U and each total length L = a + b (with b as large as the tables allow) the solver asks a
KD-tree of level b for a point within epsilon of ``A^dag U`` for every A in level a. The first L with a
hit is the optimal length: the two halves of an optimal word are themselves shortest words of their
elements, so every optimal word appears as (level-b word, level-a word). Exact for every L up to
``2 * depth``. Beyond that, ``extend`` more gates are covered exactly by a third, outer factor: for
L = 2 * depth + p every element P of level p is tried as the first gates, with the depth x depth split
on the rest (any sub-word of an optimal word is itself optimal, so this misses nothing).

Precision costs depth: about 2 more gates per halving of epsilon on Clifford+T, so sets with a
``DEEP_DEPTH`` entry switch to deeper tables below ``DEEP_EPSILON`` (Clifford+T: 64 gates exact, which
covers epsilon 1e-3 and most of 1e-4; the extension handles the rest).

Tables are built in seconds with numpy and cached under ``~/.cache/qdesign/mitm`` (override with
``QDESIGN_CACHE``), their KD-trees beside them (``mitm_trees``: 8 s to build for the deep tables, a few
milliseconds to load); ``prebuild`` (``qdesign prebuild-tables``) builds both ahead of time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from qdesign.quantum.gatesets import GateSet, build_gate_set
from qdesign.quantum.unitary import quaternion_to_su2, su2_to_quaternion
from qdesign.synthesis.bfs_levels import build_levels, left_products, trace_word
from qdesign.synthesis.table_cache import (
    load_levels,
    load_tree,
    save_levels,
    save_tree,
    table_path,
    tree_path,
)

#: default table depth per built-in set (cumulative table sizes ~1e5-1e6 elements, a few seconds)
DEFAULT_DEPTH = {"clifford_t": 28, "ht": 36, "hrc6": 8, "hrc3": 12}
#: deeper tables for high precision (Clifford+T depth 32: 2.4M elements, ~20 s to build, ~90 MB cached)
DEEP_DEPTH = {"clifford_t": 32}
DEEP_EPSILON = 2e-3
DEEP_MIN_EPSILON = 1e-5  # below this even the deep tables are hopeless: keep the small ones, fail fast
DEEP_MAX_ELEMENTS = 4_000_000
#: measured order of magnitude of cKDTree construction (seconds per point) and query chunk size, used
#: to keep a call with a deadline from starting work it cannot finish in time
TREE_SECONDS_PER_POINT = 1.5e-6
QUERY_CHUNK = 32768
#: objectives: "gates" (fewest gates, then fewest T), "t_count" (fewest T, then fewest gates)
OBJECTIVES = ("gates", "t_count")
#: with objective "t_count", lengths searched beyond the shortest hit for a word with fewer T gates
T_SLACK = 4
_HASH_COEF = np.random.default_rng(12345).integers(1, 2**62, size=4, dtype=np.int64) | 1


def check_objective(objective: object) -> str:
    """``objective`` if it is one of ``OBJECTIVES``, else a ValueError naming the choices."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {list(OBJECTIVES)}, got {objective!r}")
    return str(objective)


def word_cost(word: list[int], t_gates: np.ndarray, objective: str = "gates") -> tuple[int, int]:
    """Sort key of a word under ``objective``: (gates, T) or (T, gates); ``t_gates[a]`` is 1 for T-type
    actions."""
    t = int(t_gates[np.asarray(word, dtype=np.int64)].sum()) if len(word) else 0
    return (t, len(word)) if objective == "t_count" else (len(word), t)


def _keys(q: np.ndarray, strict: bool = False) -> np.ndarray:
    """int64 hash of the rounded quaternion, sign-canonical (first non-zero component positive)
    unless ``strict`` (then U and -U are different elements)."""
    r = np.round(q * 1e8).astype(np.int64)
    if not strict:
        first = np.argmax(r != 0, axis=1)
        sign = np.sign(r[np.arange(len(r)), first])
        sign[sign == 0] = 1
        r = r * sign[:, None]
    return (r * _HASH_COEF).sum(axis=1)  # wraps modulo 2^64: collisions ~1e-19 per pair


@dataclass
class Solution:
    """A word (first gate first) and its distance to the target."""
    word: list[int]
    distance: float


class MITMSolver:
    """Shortest-word compiler for a one-qubit gate set (exact up to ``2 * depth`` gates)."""

    def __init__(self, gate_set: str | list | dict | GateSet = "clifford_t", depth: int | None = None,
                 max_elements: int = 3_000_000, cache: bool = True, sign_strict: bool = False) -> None:
        self.gs = build_gate_set(gate_set)
        if self.gs.num_qubits != 1:
            raise ValueError(f"gate_set: the exact solver is one-qubit only, got {self.gs.num_qubits} qubits")
        self.sign_strict = bool(sign_strict)
        if self.sign_strict and not np.allclose(np.linalg.det(self.gs.matrices), 1.0):
            raise ValueError("sign_strict needs a gate set inside SU(2) (det 1), e.g. hrc6 / hrc3")
        self.depth = int(depth if depth is not None else DEFAULT_DEPTH.get(self.gs.name, 20))
        if self.depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self.max_elements = max_elements
        self.gate_quats = su2_to_quaternion(self.gs.matrices)
        self.quats: list[np.ndarray] = []
        self.parent: list[np.ndarray] = []
        self.gate: list[np.ndarray] = []
        self._trees: dict[int | str, cKDTree] = {}
        path = table_path("mitm", self.gs, self.depth, self.max_elements,
                          "_strict" if self.sign_strict else "") if cache else None
        self._path = path
        levels = load_levels(path, ("q", "p", "g"))
        if levels is not None:
            self.quats, self.parent, self.gate = levels["q"], levels["p"], levels["g"]
            self.depth = len(self.quats) - 1
        else:
            self._build()
            save_levels(path, {"q": self.quats, "p": self.parent, "g": self.gate})

    # -- tables -------------------------------------------------------------------------------------
    def _build(self) -> None:
        def expand(quats: np.ndarray) -> np.ndarray:
            return su2_to_quaternion(left_products(self.gs.matrices, quaternion_to_su2(quats)))

        self.quats, self.parent, self.gate = build_levels(
            np.array([[1.0, 0.0, 0.0, 0.0]]), expand, lambda q: _keys(q, self.sign_strict),
            len(self.gs.matrices), self.depth, self.max_elements)
        self.depth = len(self.quats) - 1

    @property
    def t_gates(self) -> np.ndarray:
        """1 for the T-type actions (``t``, ``tdg``) of the gate set, else 0."""
        return np.array([n in ("t", "tdg") for n in self.gs.gate_names], dtype=np.int64)

    def t_counts(self, level: int) -> np.ndarray:
        """T-count of the stored word of every element of ``level`` (computed once, from the parents)."""
        if not hasattr(self, "_tcounts"):
            tg = self.t_gates
            tc = [np.zeros(1, dtype=np.int64)]
            for lvl in range(1, len(self.quats)):
                tc.append(tc[lvl - 1][self.parent[lvl]] + tg[self.gate[lvl].astype(np.int64)])
            self._tcounts = tc
        return self._tcounts[level]

    def level_sizes(self) -> list[int]:
        """Number of distinct elements stored at each word length."""
        return [len(q) for q in self.quats]

    def _tree_file(self, level: int | str):
        return None if self._path is None else tree_path(self._path, f"L{level}")

    def tree_ready(self, level: int | str) -> bool:
        """Whether the KD-tree of ``level`` (or ``"all"``) is in memory or cached on disk (no build)."""
        if level in self._trees:
            return True
        f = self._tree_file(level)
        return f is not None and f.is_file()

    def _tree(self, level: int | str) -> cKDTree:
        """The KD-tree over ``level`` (``"all"``: every element), from memory, the disk cache or built
        (and then cached); both signs of each quaternion unless sign-strict."""
        if level not in self._trees:
            qs = self.quats if level == "all" else [self.quats[int(level)]]
            n = sum(len(q) for q in qs) * (1 if self.sign_strict else 2)
            path = self._tree_file(level)
            tree = load_tree(path, n, qs[0][:4])
            if tree is None:
                q = np.concatenate(qs) if len(qs) > 1 else qs[0]
                tree = cKDTree(q if self.sign_strict else np.concatenate([q, -q]))
                save_tree(path, tree)
            self._trees[level] = tree
        return self._trees[level]

    def word(self, level: int, index: int) -> list[int]:
        """The stored shortest word (first gate first) of element ``index`` of ``level``."""
        return trace_word(self.parent, self.gate, level, index)

    @property
    def _scale(self) -> float:
        return float(np.sqrt(2)) if self.sign_strict else 1.0

    # -- solving ------------------------------------------------------------------------------------
    @property
    def max_length(self) -> int:
        """Longest word the meet-in-the-middle search is exact for (two halves of ``depth``)."""
        return 2 * self.depth

    def solve(self, target: np.ndarray, epsilon: float, max_length: int | None = None,
              min_length: int = 0, extend: int = 0, deadline: float | None = None,
              objective: str = "gates") -> Solution | None:
        """Shortest word W with ``d(W, target) <= epsilon`` and ``len(W) <= max_length``, else ``None``.

        ``extend`` > 0 also searches lengths up to ``2 * depth + extend`` (still exact; the cost grows
        with the size of table level ``extend``). With ``sign_strict`` tables the test is Chen et al.'s
        ``||W - target||_F <= epsilon`` on SU(2) matrices (no phase or sign freedom): the quaternion
        chord is ``||.||_F / sqrt(2)``. ``deadline`` (a ``time.time()`` value): give up (``None``) once it
        has passed; checked between lengths, so a call overruns it by at most one length's queries.
        ``objective="gates"``: the shortest length, and among its hits the fewest T gates;
        ``"t_count"``: also the ``T_SLACK`` lengths after the shortest, keeping the fewest T gates (then
        gates) among every hit (the stored word of each element is one of its shortest words).
        """
        target = np.asarray(target, dtype=complex)
        check_objective(objective)
        sol = self._solve_tables(target, epsilon, max_length, min_length, deadline, objective)
        if sol is not None or extend <= 0:
            return sol
        extend = min(int(extend), self.depth)
        if self.expected_hits(epsilon, extend) < 1e-3:
            return None  # hopeless within the extension: fail fast instead of minutes of queries
        top = self.max_length + extend
        if max_length is not None:
            top = min(top, int(max_length))
        for length in range(max(self.max_length + 1, min_length), top + 1):
            p = length - self.max_length  # <= extend <= depth: a table level
            first = quaternion_to_su2(self.quats[p])
            for i in range(len(first)):  # P = the first p gates; the rest is a depth x depth split
                if deadline is not None and time.time() > deadline:
                    return None
                rest = target @ first[i].conj().T  # target ~ rest . P
                sub = self._solve_tables(rest, epsilon, self.max_length, self.max_length)
                if sub is not None:
                    word = self.word(p, i) + sub.word
                    return Solution(word, float(sub.distance))
        return None

    def expected_hits(self, epsilon: float, prefix_level: int = 0, middle: str = "level") -> float:
        """Expected number of words within epsilon of a Haar target among (prefix of ``prefix_level``)
        x (depth-level middle) x (last factor of level ``depth``): the count times the volume fraction of
        an epsilon-ball of PSU(2), about ``(4/(3 pi)) epsilon^3``. ``middle="all"`` counts every table
        element as a middle factor (the deep search's tree)."""
        if self.sign_strict:
            epsilon = epsilon / np.sqrt(2)
        sizes = self.level_sizes()
        mid = sum(sizes) if middle == "all" else sizes[-1]
        pre = sum(sizes[: prefix_level + 1])
        return 4.0 / (3.0 * np.pi) * epsilon**3 * sizes[-1] * mid * pre

    def solve_deep(self, target: np.ndarray, epsilon: float, time_limit: float = 30.0,
                   max_prefix: int | None = None) -> Solution | None:
        """A short (not necessarily shortest) word beyond the exact reach, for high precision.

        Words are searched as P . B . A (P applied first): P runs over the table elements level by
        level (shortest prefixes first), A over the deepest level, and B is looked up in one KD-tree
        holding every table element, so each query of ``|level depth|`` points tests
        ``|level depth| x |table|`` pairs, a few times more than the exact depth x depth split. Stops at
        the first prefix level with a hit, returning the shortest hit of that level, or at
        ``time_limit`` seconds. ``None`` if nothing was found (or the expected number of hits within
        ``max_prefix`` levels is below 1e-3)."""
        t0 = time.time()
        target = np.asarray(target, dtype=complex)
        eps = epsilon / self._scale
        top = self.depth if max_prefix is None else min(int(max_prefix), self.depth)
        if self.expected_hits(epsilon, top, middle="all") < 1e-3:
            return None
        if not self.tree_ready("all") and TREE_SECONDS_PER_POINT * 2 * sum(self.level_sizes()) > time_limit:
            return None  # the all-element tree alone would take longer than allowed
        tree, owner = self._all_tree()
        a_mats = quaternion_to_su2(self.quats[self.depth]).conj()
        best: Solution | None = None
        for p in range(0, top + 1):
            firsts = quaternion_to_su2(self.quats[p])
            for i in range(len(firsts)):
                rest = target @ firsts[i].conj().T  # target ~ A . B . P  ->  B ~ A^dag . rest
                for lo in range(0, len(a_mats), QUERY_CHUNK):
                    pts = su2_to_quaternion(np.einsum("nji,jk->nik", a_mats[lo: lo + QUERY_CHUNK], rest))
                    dist, idx = tree.query(pts, k=1, distance_upper_bound=eps)
                    for j in np.flatnonzero(np.isfinite(dist)):
                        lvl, pos = owner(int(idx[j]))
                        if best is None or p + lvl + self.depth < len(best.word):
                            word = self.word(p, i) + self.word(lvl, pos) + self.word(self.depth, lo + int(j))
                            best = Solution(word, float(dist[j]) * self._scale)
                    if time.time() - t0 > time_limit:
                        return best
            if best is not None:
                return best
        return best

    def _all_tree(self) -> tuple[cKDTree, Any]:
        """One KD-tree over every table element (both signs unless sign-strict), with an index map."""
        tree = self._tree("all")
        starts = np.cumsum([0] + self.level_sizes())
        total = int(starts[-1])

        def owner(index: int) -> tuple[int, int]:
            index %= total
            lvl = int(np.searchsorted(starts, index, side="right") - 1)
            return lvl, index - int(starts[lvl])

        return tree, owner

    def _solve_tables(self, target: np.ndarray, epsilon: float, max_length: int | None,
                      min_length: int, deadline: float | None = None,
                      objective: str = "gates") -> Solution | None:
        limit = self.max_length if max_length is None else min(max_length, self.max_length)
        if self.sign_strict:
            if not np.isclose(np.linalg.det(target), 1.0, atol=1e-9):
                raise ValueError("target must lie in SU(2) (det 1) for the sign-strict metric")
            epsilon = epsilon / np.sqrt(2)
        tq = su2_to_quaternion(target)
        big = self.depth
        best: tuple[tuple[int, int], Solution] | None = None
        stop = limit  # last length searched: the first hit's length (+ T_SLACK for "t_count")

        def keep(b: int, ib: np.ndarray, a: int, ia: np.ndarray, dist: np.ndarray) -> None:
            """Keep the best hit (objective order, then distance) among element pairs (b, ib) . (a, ia)."""
            nonlocal best
            t = self.t_counts(b)[ib] + (self.t_counts(a)[ia] if a else 0)
            n = b + a
            order = np.lexsort((dist, t))
            k = int(order[0])
            cost = (int(t[k]), n) if objective == "t_count" else (n, int(t[k]))
            if best is None or cost < best[0]:
                word = self.word(b, int(ib[k])) + (self.word(a, int(ia[k])) if a else [])
                best = (cost, Solution(word, float(dist[k]) * self._scale))

        length = max(0, min_length)
        while length <= stop:
            if deadline is not None and time.time() > deadline:
                break
            a = max(0, length - big)
            b = length - a
            if deadline is not None and not self.tree_ready(b) and \
                    time.time() + TREE_SECONDS_PER_POINT * 2 * len(self.quats[b]) > deadline:
                break  # building this level's tree would overrun the deadline
            found = best is not None
            if a == 0:
                dist, idx = self._tree(b).query(tq[None], k=1, distance_upper_bound=epsilon)
                if np.isfinite(dist[0]):
                    keep(b, np.array([int(idx[0]) % len(self.quats[b])]), 0, np.zeros(1, np.int64), dist)
            else:
                # query points A^dag U for every A of level a
                tree = self._tree(b)
                for lo in range(0, len(self.quats[a]), QUERY_CHUNK):  # chunks: the deadline is checked often
                    if lo and deadline is not None and time.time() > deadline:
                        break
                    amat = quaternion_to_su2(self.quats[a][lo: lo + QUERY_CHUNK])
                    pts = su2_to_quaternion(np.einsum("nji,jk->nik", amat.conj(), target))
                    dist, idx = tree.query(pts, k=1, distance_upper_bound=epsilon)
                    ok = np.flatnonzero(np.isfinite(dist))
                    if len(ok):  # (the tree holds +q then -q unless strict)
                        keep(b, idx[ok] % len(self.quats[b]), a, lo + ok, dist[ok])
            if best is not None and not found:  # first hit: the shortest length
                stop = min(limit, length + (T_SLACK if objective == "t_count" else 0))
            length += 1
        return None if best is None else best[1]


def counting_floor(solver: MITMSolver, epsilon: float) -> float:
    """Counting lower bound on the typical optimal length at ``epsilon`` (Harrow, Recht & Chuang,
    arXiv:quant-ph/0111031, Sec. 4): the
    smallest L whose number of distinct elements N(L) reaches ``3 pi / (4 epsilon^3)``, the number of
    epsilon-balls needed to cover PSU(2). N(L) is read off the tables and, beyond them, extrapolated
    with the mean per-gate growth of the last four levels. Fractional (log-interpolated)."""
    need = 3 * np.pi / (4 * epsilon**3)
    sizes = np.array(solver.level_sizes(), dtype=float)
    cum = np.cumsum(sizes)
    if cum[-1] >= need:
        top = int(np.searchsorted(cum, need))
        if top == 0:
            return 0.0
        return float(top - 1 + np.log(need / cum[top - 1]) / np.log(cum[top] / cum[top - 1]))
    tail = sizes[-5:]
    growth = float((tail[-1] / tail[0]) ** (1 / (len(tail) - 1)))
    # beyond the tables N(L) ~ cum[-1] * growth^(L - depth) (the cumulative count grows like the last level)
    return float(len(sizes) - 1 + np.log(need / cum[-1]) / np.log(growth))


_SOLVERS: dict[tuple, MITMSolver] = {}


def get_solver(gate_set: str | list | dict | GateSet = "clifford_t", depth: int | None = None,
               epsilon: float | None = None, sign_strict: bool = False) -> MITMSolver:
    """A process-wide cached solver (tables are built once per gate set, depth and sign convention);
    with ``epsilon`` below ``DEEP_EPSILON`` and no explicit depth, the deeper high-precision tables where
    defined. ``sign_strict``: Frobenius sign-strict tables (gate set in SU(2))."""
    gs = build_gate_set(gate_set)
    max_elements = 3_000_000
    if depth is None and epsilon is not None and DEEP_MIN_EPSILON <= epsilon < DEEP_EPSILON \
            and gs.name in DEEP_DEPTH:
        depth, max_elements = DEEP_DEPTH[gs.name], DEEP_MAX_ELEMENTS
    key = (gs.name, np.round(gs.matrices, 12).tobytes(), depth, bool(sign_strict))
    if key not in _SOLVERS:
        _SOLVERS[key] = MITMSolver(gs, depth=depth, max_elements=max_elements, sign_strict=sign_strict)
    return _SOLVERS[key]


def prebuild(gate_set: str | list | dict | GateSet = "clifford_t", epsilons: tuple[float, ...] = (1e-2, 1e-3),
             depth: int | None = None, sign_strict: bool = False) -> list[dict[str, Any]]:
    """Build and cache (on disk) the tables and every KD-tree the solvers for ``epsilons`` search, so a
    later call with a short ``time_limit`` reaches the exact optimum instead of falling back to longer
    words (the deep Clifford+T trees take about 10 s to build and milliseconds to load). The default
    epsilons cover both table sizes of Clifford+T (``DEEP_EPSILON`` switches between them). Returns one
    summary per distinct table: depth, element count, seconds, and where its trees are. ``depth``: one
    explicit table depth instead of the per-epsilon defaults."""
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    for eps in epsilons:
        solver = get_solver(gate_set, depth, float(eps), sign_strict=sign_strict)
        if id(solver) in seen:
            continue
        seen.add(id(solver))
        t0 = time.time()
        for level in range(solver.depth + 1):
            solver._tree(level)
        solver._tree("all")
        f = solver._tree_file("all")
        out.append({"gate_set": solver.gs.name, "depth": solver.depth, "elements": sum(solver.level_sizes()),
                    "seconds": time.time() - t0, "trees": None if f is None else str(f.parent)})
    return out
