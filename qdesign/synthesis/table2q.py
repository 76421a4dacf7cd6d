"""Two-qubit last-mile finisher: a breadth-first table of every distinct element near the identity.

The table holds all distinct phase classes of two-qubit products of the gate set (default
``clifford_t_2q``) reachable in at most ``depth`` gates, level by level (level L = elements whose
shortest word has exactly L gates), each with one shortest word stored as a parent pointer plus the
last gate. Elements are hashed by their *phase-fixed* form (the matrix times the conjugate phase of its
first entry with modulus > 1e-3, rounded to 1e-6), which is exact and stable for group elements, so an
exact residual (a reverse-scrambled target times gate inverses) is found by one sorted-key lookup.

Three queries, all returning a word ``w`` (first gate first) with ``word_unitary(w) ~ R`` up to phase:

* ``lookup(R)``: exact hash hit, the shortest word of R if R lies within ``depth`` gates;
* ``nearest(R, epsilon)``: the shortest table element within ``epsilon`` of an approximate R
  (phase-invariant distance ``sqrt(2 - |Tr(R^dag T)|/2)``, evaluated exactly on every element of a level
  by one matrix product, shortest level first);
* ``mitm(R)``: exact meet-in-the-middle for exact R, shortest words up to ``2 * depth`` gates (R A^dag
  looked up for every table element A; both halves of a shortest word are shortest words);
* ``shorten(word)``: exact peephole pass replacing windows by shortest words (for long KAK words).

``table_finisher`` wraps them as the ``finisher(residual, max_len)`` of ``bwqs`` (every new node) and
``table_root_finisher`` as its root call. Tables are cached on disk (parents, gates and keys; the
matrices are rebuilt level by level in well under a second) under ``~/.cache/qdesign/table2q``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qdesign.quantum.gatesets import GateSet, build_gate_set
from qdesign.quantum.unitary import operator_norm_distance
from qdesign.synthesis.bfs_levels import build_levels, left_products, trace_word
from qdesign.synthesis.table_cache import load_levels, save_levels, table_path

#: default depth: ~4.8e5 elements for clifford_t_2q (about 120 MB of matrices, a few seconds to build)
DEFAULT_DEPTH = 8
_COEF = np.random.default_rng(20261121).integers(1, 2**62, size=32, dtype=np.int64) | 1


def phase_fixed(u: np.ndarray) -> np.ndarray:
    """``u`` times the conjugate phase of its first entry with modulus > 1e-3 (a stack ``(n, d, d)``):
    one representative per phase class, exact for group elements."""
    f = u.reshape(len(u), -1)
    k = np.argmax(np.abs(f) > 1e-3, axis=1)
    p = f[np.arange(len(f)), k]
    return u * (np.conj(p) / np.abs(p))[:, None, None]


def element_keys(u: np.ndarray) -> np.ndarray:
    """int64 hashes of the rounded phase-fixed forms of a stack of matrices (collisions ~1e-19/pair)."""
    c = np.ascontiguousarray(phase_fixed(u).reshape(len(u), -1))
    n = c.shape[1]
    # entry i's real part takes _COEF[i], its imaginary part _COEF[n + i]; on the complex array viewed as
    # interleaved floats that is this coefficient order (the sum wraps modulo 2^64, so order is free)
    coef = np.stack([_COEF[:n], _COEF[n: 2 * n]], axis=1).reshape(-1)
    return np.rint(c.view(np.float64) * 1e6).astype(np.int64) @ coef


class TwoQubitTable:
    """All distinct elements within ``depth`` gates of the identity, with one shortest word each."""

    def __init__(self, gate_set: str | list | dict | GateSet = "clifford_t_2q", depth: int = DEFAULT_DEPTH,
                 max_elements: int = 2_000_000, cache: bool = True) -> None:
        self.gs = build_gate_set(gate_set)
        if self.gs.num_qubits != 2:
            raise ValueError(f"gate_set: the table finisher is two-qubit only, got {self.gs.num_qubits} "
                             "qubits")
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self.depth, self.max_elements = int(depth), int(max_elements)
        path = table_path("table2q", self.gs, self.depth, self.max_elements) if cache else None
        levels = load_levels(path, ("p", "g"))
        if levels is not None:
            self.parent, self.gate = levels["p"], levels["g"]
            self._rebuild_matrices()
        else:
            self._build()
            save_levels(path, {"p": self.parent, "g": self.gate})
        self._index()

    # -- construction -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.mats, self.parent, self.gate = build_levels(
            np.eye(4, dtype=complex)[None], lambda m: left_products(self.gs.matrices, m), element_keys,
            self.gs.n_actions, self.depth, self.max_elements)
        self.depth = len(self.mats) - 1

    def _rebuild_matrices(self) -> None:
        self.mats = [np.eye(4, dtype=complex)[None]]
        for p, g in zip(self.parent[1:], self.gate[1:]):
            self.mats.append(np.einsum("nij,njk->nik", self.gs.matrices[g], self.mats[-1][p]))
        self.depth = len(self.mats) - 1

    def _index(self) -> None:
        self.offsets = np.cumsum([0] + [len(m) for m in self.mats])
        keys = np.concatenate([element_keys(m) for m in self.mats])
        self._order = np.argsort(keys, kind="stable")
        self._keys = keys[self._order]
        # per level: conjugated flat matrices, so |F @ vec(R)| = |Tr(T^dag R)| for every element T
        self._flat_conj = [np.ascontiguousarray(m.reshape(len(m), -1).conj()) for m in self.mats]

    # -- queries ------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.offsets[-1])

    def level_sizes(self) -> list[int]:
        """Number of distinct elements at each word length."""
        return [len(m) for m in self.mats]

    def level_of(self, index: int) -> int:
        """The word length (level) of the element at flat ``index``."""
        return int(np.searchsorted(self.offsets, index, side="right") - 1)

    def word(self, index: int) -> list[int]:
        """Shortest word (first gate first) of the element with global ``index``."""
        level = self.level_of(index)
        return trace_word(self.parent, self.gate, level, index - int(self.offsets[level]))

    def find(self, mats: np.ndarray) -> np.ndarray:
        """Global indices of the exact table elements equal (up to phase) to each matrix, -1 if absent."""
        k = element_keys(np.asarray(mats, dtype=complex).reshape(-1, 4, 4))
        pos = np.minimum(np.searchsorted(self._keys, k), len(self._keys) - 1)
        hit = self._keys[pos] == k
        return np.where(hit, self._order[pos], -1)

    def lookup(self, r: np.ndarray, max_len: int | None = None) -> list[int] | None:
        """Shortest word of the exact element ``r`` if it lies in the table (and has <= max_len gates)."""
        idx = int(self.find(r[None])[0])
        if idx < 0 or (max_len is not None and self.level_of(idx) > max_len):
            return None
        return self.word(idx)

    def nearest(self, r: np.ndarray, epsilon: float, max_len: int | None = None,
                metric: str = "phase") -> list[int] | None:
        """Word of a shortest table element within ``epsilon`` of ``r``: phase-invariant (normalised
        Frobenius) distance, or with ``metric="operator"`` the operator norm, which is at least the
        Frobenius value, so the Frobenius test preselects and the few candidates are checked exactly."""
        v = np.asarray(r, dtype=complex).reshape(-1)
        need = 4.0 * (1.0 - epsilon**2 / 2.0)  # |Tr| needed for sqrt(2 - 2|Tr|/4) <= epsilon
        top = self.depth if max_len is None else min(self.depth, max_len)
        for level in range(top + 1):
            ov = np.abs(self._flat_conj[level] @ v)
            if metric != "operator":
                j = int(np.argmax(ov))
                if ov[j] >= need - 1e-12:
                    return self.word(int(self.offsets[level]) + j)
                continue
            cand = np.flatnonzero(ov >= need - 1e-12)
            if len(cand) == 0:
                continue
            cand = cand[np.argsort(-ov[cand])][:16]
            d = operator_norm_distance(self.mats[level][cand], np.asarray(r)[None])
            ok = np.flatnonzero(d <= epsilon)
            if len(ok):
                return self.word(int(self.offsets[level]) + int(cand[ok[0]]))
        return None

    def mitm(self, r: np.ndarray, max_len: int | None = None,
             prefix_levels: int | None = None) -> list[int] | None:
        """Shortest word of the exact element ``r`` if it has <= min(max_len, depth + prefix_levels)
        gates (``prefix_levels`` defaults to ``depth``: the full meet-in-the-middle)."""
        best: tuple[int, int, int] | None = None  # (length, index of A, index of B)
        top = self.depth if prefix_levels is None else min(self.depth, prefix_levels)
        limit = self.depth + top if max_len is None else min(max_len, self.depth + top)
        for a in range(top + 1):
            if a > limit or (best is not None and a >= best[0]):
                break
            prod = np.einsum("ij,nkj->nik", r, self.mats[a].conj())  # R A^dag for every A of level a
            hits = self.find(prod)
            ok = np.flatnonzero(hits >= 0)
            if len(ok) == 0:
                continue
            lv = np.searchsorted(self.offsets, hits[ok], side="right") - 1
            j = int(np.argmin(lv))
            length = a + int(lv[j])
            if length <= limit and (best is None or length < best[0]):
                best = (length, int(self.offsets[a]) + int(ok[j]), int(hits[ok[j]]))
        if best is None:
            return None
        return self.word(best[1]) + self.word(best[2])  # W(B) W(A) = R: A's gates come first


    def shorten(self, word: list[int], max_window: int = 10, prefix_levels: int = 2) -> list[int]:
        """Peephole pass: replace every window of <= ``max_window`` gates by a shortest word of the
        same element (exact, so the word's unitary is unchanged up to phase) until nothing shrinks."""
        word = list(word)
        changed = True
        while changed:
            changed = False
            i = 0
            while i < len(word) - 1:
                best = None
                for w in range(min(max_window, len(word) - i), 1, -1):
                    seg = self.mitm(self.gs.word_unitary(word[i:i + w]), w - 1, prefix_levels)
                    if seg is not None and (best is None or w - len(seg) > best[0] - len(best[1])):
                        best = (w, seg)
                if best is not None:
                    word[i:i + best[0]] = best[1]
                    changed = True
                else:
                    i += 1
        return word


_TABLES: dict[tuple, TwoQubitTable] = {}


def get_table(gate_set: str | list | dict | GateSet = "clifford_t_2q",
              depth: int | None = None) -> TwoQubitTable:
    """A process-wide cached table per gate set and depth."""
    gs = build_gate_set(gate_set)
    depth = DEFAULT_DEPTH if depth is None else int(depth)
    key = (gs.name, np.round(gs.matrices, 12).tobytes(), depth)
    if key not in _TABLES:
        _TABLES[key] = TwoQubitTable(gs, depth)
    return _TABLES[key]


def table_finisher(gs: GateSet, epsilon: float, depth: int | None = None,
                   approx_depth: int | None = 6,
                   metric: str = "phase") -> Callable[[np.ndarray, int], list[int] | None]:
    """``finisher(residual, max_len)`` for every ``bwqs`` node: exact hash lookup (microseconds), then
    the shortest element within epsilon among levels <= ``approx_depth`` (None: no approximate
    lookup; the default 6 keeps it to milliseconds: ~4e4 elements)."""
    table = get_table(gs, depth)

    def finish(residual: np.ndarray, max_len: int) -> list[int] | None:
        w = table.lookup(residual, max_len)
        if w is None and approx_depth is not None:
            w = table.nearest(residual, epsilon, min(max_len, approx_depth), metric)
        return w

    return finish


def table_root_finisher(gs: GateSet, epsilon: float, depth: int | None = None,
                        approximate: bool = True, kak: bool = True, metric: str = "phase",
                        deadline: float | None = None) -> Callable[[np.ndarray, int], list[int] | None]:
    """Root call: the KAK word of ``kak2q`` (three CX plus exact one-qubit words, an upper bound the
    search must beat), then, while ``deadline`` (a ``time.time()`` value) allows, the exact
    meet-in-the-middle (shortest words up to 2 * depth gates for exact targets), the approximate table
    lookup and the table's exact peephole pass on the KAK word; the shortest is kept."""
    import time

    from qdesign.synthesis.kak2q import kak_word

    table = get_table(gs, depth)

    def finish(residual: np.ndarray, max_len: int) -> list[int] | None:
        def left() -> bool:
            return deadline is None or time.time() < deadline

        base = kak_word(residual, gs, epsilon, metric=metric, deadline=deadline) if kak else None
        w = table.mitm(residual, max_len) if left() else None
        if approximate and left():
            cap = max_len if w is None else min(max_len, len(w) - 1)
            if base is not None:
                cap = min(cap, len(base) - 1)
            v = table.nearest(residual, epsilon, cap, metric)
            if v is not None:
                w = v
        if base is not None and left():
            short = table.shorten(base, 12, 3)
            if len(short) < len(base):
                base = short
        finish.source = "table" if w is not None else None
        if base is not None and (w is None or len(base) < len(w)):
            w, finish.source = base, "kak"
        return w if w is not None and len(w) <= max_len else None

    return finish
