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
``2 * depth``; beyond that the solver returns ``None``.

Tables are built in seconds with numpy and cached under ``~/.cache/qdesign/mitm`` (override with
``QDESIGN_CACHE``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from qdesign.envs.gate_compile.gatesets import GateSet, build_gate_set
from qdesign.quantum.unitary import quaternion_to_su2, su2_to_quaternion

#: default table depth per built-in set (cumulative table sizes ~1e5-1e6 elements, a few seconds)
DEFAULT_DEPTH = {"clifford_t": 28, "ht": 36, "hrc6": 8, "hrc3": 12}
_HASH_COEF = np.random.default_rng(12345).integers(1, 2**62, size=4, dtype=np.int64) | 1


def _cache_dir() -> Path:
    root = os.environ.get("QDESIGN_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "qdesign")
    return Path(root) / "mitm"


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
        self._trees: dict[int, cKDTree] = {}
        path = self._cache_path() if cache else None
        if path is not None and path.is_file():
            self._load(path)
        else:
            self._build()
            if path is not None:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
                    self._save(tmp)
                    os.replace(tmp, path)
                except OSError:
                    pass

    # -- tables -------------------------------------------------------------------------------------
    def _cache_path(self) -> Path:
        h = hashlib.sha1(np.round(self.gs.matrices, 12).tobytes()).hexdigest()[:12]
        return _cache_dir() / f"{self.gs.name.replace(':', '_').replace(',', '-')[:40]}_{h}_d{self.depth}_" \
            f"m{self.max_elements}{'_strict' if self.sign_strict else ''}.npz"

    def _build(self) -> None:
        q0 = np.array([[1.0, 0.0, 0.0, 0.0]])
        self.quats, self.parent, self.gate = [q0], [np.array([-1], np.int32)], [np.array([-1], np.int8)]
        seen = np.sort(_keys(q0, self.sign_strict))
        total = 1
        for _ in range(self.depth):
            front = quaternion_to_su2(self.quats[-1])
            prod = np.einsum("gij,njk->ngik", self.gs.matrices, front).reshape(-1, 2, 2)
            q = su2_to_quaternion(prod)
            k = _keys(q, self.sign_strict)
            uniq, idx = np.unique(k, return_index=True)
            fresh = ~np.isin(uniq, seen, assume_unique=True)
            idx = np.sort(idx[fresh])
            if len(idx) == 0 or total + len(idx) > self.max_elements:
                break
            n_g = len(self.gs.matrices)
            self.quats.append(q[idx])
            self.parent.append((idx // n_g).astype(np.int32))
            self.gate.append((idx % n_g).astype(np.int8))
            seen = np.union1d(seen, k[idx])
            total += len(idx)
        self.depth = len(self.quats) - 1

    def _save(self, path: Path) -> None:
        arrays = {}
        for i, (q, p, g) in enumerate(zip(self.quats, self.parent, self.gate)):
            arrays[f"q{i}"], arrays[f"p{i}"], arrays[f"g{i}"] = q, p, g
        np.savez(path, n=len(self.quats), **arrays)

    def _load(self, path: Path) -> None:
        with np.load(path) as f:
            n = int(f["n"])
            self.quats = [f[f"q{i}"] for i in range(n)]
            self.parent = [f[f"p{i}"] for i in range(n)]
            self.gate = [f[f"g{i}"] for i in range(n)]
        self.depth = n - 1

    def level_sizes(self) -> list[int]:
        return [len(q) for q in self.quats]

    def _tree(self, level: int) -> cKDTree:
        if level not in self._trees:
            q = self.quats[level]
            self._trees[level] = cKDTree(q if self.sign_strict else np.concatenate([q, -q]))
        return self._trees[level]

    def word(self, level: int, index: int) -> list[int]:
        """The stored shortest word (first gate first) of element ``index`` of ``level``."""
        out = []
        while level > 0:
            out.append(int(self.gate[level][index]))
            index = int(self.parent[level][index])
            level -= 1
        return out[::-1]

    @property
    def _scale(self) -> float:
        return float(np.sqrt(2)) if self.sign_strict else 1.0

    # -- solving ------------------------------------------------------------------------------------
    @property
    def max_length(self) -> int:
        return 2 * self.depth

    def solve(self, target: np.ndarray, epsilon: float, max_length: int | None = None,
              min_length: int = 0) -> Solution | None:
        """Shortest word W with ``d(W, target) <= epsilon`` and ``len(W) <= max_length``, else ``None``.

        With ``sign_strict`` tables the test is Chen et al.'s ``||W - target||_F <= epsilon`` on SU(2)
        matrices (no phase or sign freedom): the quaternion chord is ``||.||_F / sqrt(2)``.
        """
        target = np.asarray(target, dtype=complex)
        limit = self.max_length if max_length is None else min(max_length, self.max_length)
        if self.sign_strict:
            if not np.isclose(np.linalg.det(target), 1.0, atol=1e-9):
                raise ValueError("target must lie in SU(2) (det 1) for the sign-strict metric")
            epsilon = epsilon / np.sqrt(2)
        tq = su2_to_quaternion(target)
        big = self.depth
        for length in range(max(0, min_length), limit + 1):
            a = max(0, length - big)
            b = length - a
            if a == 0:
                dist, idx = self._tree(b).query(tq[None], k=1, distance_upper_bound=epsilon)
                if np.isfinite(dist[0]):
                    i = int(idx[0]) % len(self.quats[b])
                    return Solution(self.word(b, i), float(dist[0]) * self._scale)
                continue
            # query points A^dag U for every A of level a
            amat = quaternion_to_su2(self.quats[a])
            pts = su2_to_quaternion(np.einsum("nji,jk->nik", amat.conj(), target))
            dist, idx = self._tree(b).query(pts, k=1, distance_upper_bound=epsilon)
            ok = np.isfinite(dist)
            if ok.any():
                j = int(np.argmin(np.where(ok, dist, np.inf)))
                i = int(idx[j]) % len(self.quats[b])  # (the tree holds +q then -q unless strict)
                return Solution(self.word(b, i) + self.word(a, j), float(dist[j]) * self._scale)
        return None


_SOLVERS: dict[tuple, MITMSolver] = {}


def get_solver(gate_set: str | list | dict | GateSet = "clifford_t", depth: int | None = None) -> MITMSolver:
    """A process-wide cached solver (tables are built once per gate set and depth)."""
    gs = build_gate_set(gate_set)
    key = (gs.name, np.round(gs.matrices, 12).tobytes(), depth)
    if key not in _SOLVERS:
        _SOLVERS[key] = MITMSolver(gs, depth=depth)
    return _SOLVERS[key]
