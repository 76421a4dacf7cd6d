"""High-precision fallback for one-qubit Clifford+T-type sets: ``U ~ C . Rz(theta) . D``.

Beyond the exact meet-in-the-middle reach (Clifford+T: about 64 gates, so epsilon below ~3e-4) a
shortest word is out of reach on a laptop, but a good one is not. Pick a short table word C (applied
last) and a short table word D (applied first) such that ``C^dag U D^dag`` is diagonal up to a small
off-diagonal ``s``: that happens exactly when the state ``U D^dag |0>`` equals ``C |0>`` up to phase, a
two-dimensional condition on the Bloch sphere, so one KD-tree over the table's Bloch points answers
it for all (C, D) pairs at once. The diagonal middle is then a Z rotation, which Ross-Selinger
gridsynth (qiskit's ``gridsynth_rz``) approximates with a near-optimal T-count at the remaining
tolerance ``epsilon - s``. The phase-invariant distance is a metric, so the total error is at most
``s + epsilon_rz``; the word is re-verified anyway.

This costs about one Rz of gates plus two short words: roughly half of qiskit's ``gridsynth_unitary``
(three Rz) at 1e-4, always succeeds, and takes well under a second once the tables exist.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.spatial import cKDTree

from qdesign.quantum.gatesets import GateSet
from qdesign.quantum.unitary import phase_invariant_distance, quaternion_to_su2

#: share of epsilon given to the Bloch match (the rest goes to the Z rotation)
MATCH_SHARE = 0.4


def _bloch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bloch vectors of the states ``(a, b)`` (unit norm)."""
    ab = np.conj(a) * b
    return np.stack([2 * ab.real, 2 * ab.imag, np.abs(a) ** 2 - np.abs(b) ** 2], axis=-1)


def _first_gates(solver) -> list[np.ndarray]:
    """First gate (in application order) of every table element's stored word, level by level."""
    first = [np.array([-1]), solver.gate[1].astype(np.int64)]
    for lvl in range(2, len(solver.quats)):
        first.append(first[lvl - 1][solver.parent[lvl]])
    return first


class RzSandwich:
    """``solve(target, epsilon)``: a word ``D + Rz + C`` (first gate first) within epsilon, or None."""

    def __init__(self, solver, max_level: int = 26) -> None:
        gs: GateSet = solver.gs
        if not {"h", "t"} <= set(gs.gate_names):
            raise ValueError(f"the Rz sandwich needs a Clifford+T-type set (h and t), got {gs.gate_names}")
        self.solver, self.gs = solver, gs
        diag = np.array([abs(m[0, 1]) < 1e-12 and abs(m[1, 0]) < 1e-12 for m in gs.matrices])
        top = min(max_level, solver.depth)
        first = _first_gates(solver)
        c_idx, d_idx, c_q, d_q = [], [], [], []
        for lvl in range(top + 1):
            q = solver.quats[lvl]
            if lvl == 0:
                keep_c = keep_d = np.ones(1, bool)
            else:
                keep_c = ~diag[first[lvl]]  # C|0>: a diagonal first gate only adds a phase
                keep_d = ~diag[solver.gate[lvl].astype(np.int64)]  # D^dag|0>: same for D's last gate
            for keep, idx, qs in ((keep_c, c_idx, c_q), (keep_d, d_idx, d_q)):
                sel = np.flatnonzero(keep)
                idx.append(np.stack([np.full(len(sel), lvl), sel], axis=1))
                qs.append(q[sel])
        self.c_idx, self.d_idx = np.concatenate(c_idx), np.concatenate(d_idx)
        cq = np.concatenate(c_q)
        self.c_mats = quaternion_to_su2(cq)
        self.d_mats_dag = quaternion_to_su2(np.concatenate(d_q)).conj().transpose(0, 2, 1)
        self.c_tree = cKDTree(_bloch(cq[:, 0] + 1j * cq[:, 1], cq[:, 2] + 1j * cq[:, 3]))

    def _rz_word(self, theta: float, epsilon: float) -> list[int] | None:
        from qdesign.synthesis.gridsynth import rz_word

        return rz_word(theta, self.gs, epsilon) if epsilon > 0 else None

    def solve(self, target: np.ndarray, epsilon: float, candidates: int = 4) -> list[int] | None:
        """A word D + Rz + C within ``epsilon`` of ``target``, trying the ``candidates`` cheapest matches;
        None if none fits."""
        target = np.asarray(target, dtype=complex)
        v = np.einsum("ij,njk->nik", target, self.d_mats_dag)  # U D^dag
        d_tree = cKDTree(_bloch(v[:, 0, 0], v[:, 1, 0]))
        for share in (MATCH_SHARE, 0.85):  # a wider match leaves the Z rotation less, but may find a pair
            radius = 2 * share * epsilon  # Bloch chord = 2 |off-diagonal|
            pairs = d_tree.sparse_distance_matrix(self.c_tree, radius, output_type="ndarray")
            if len(pairs):
                break
        if len(pairs) == 0:
            return None
        cost = self.d_idx[pairs["i"], 0] + self.c_idx[pairs["j"], 0]
        order = np.lexsort((pairs["v"], cost))[:candidates]
        best: list[int] | None = None
        for k in order:
            i, j = int(pairs["i"][k]), int(pairs["j"][k])
            m = self.c_mats[j].conj().T @ v[i]  # C^dag U D^dag, nearly diagonal
            s = abs(m[1, 0])
            theta = float(np.angle(m[1, 1]) - np.angle(m[0, 0]))
            rz = self._rz_word(theta, epsilon - s - 1e-12)
            if rz is None:
                continue
            word = self.solver.word(*self.d_idx[i]) + rz + self.solver.word(*self.c_idx[j])
            if phase_invariant_distance(self.gs.word_unitary(word), target) <= epsilon and \
                    (best is None or len(word) < len(best)):
                best = word
        return best


_SANDWICHES: dict[object, RzSandwich] = {}  # keyed by the (process-wide cached) solver itself


def rz_sandwich_word(solver, target: np.ndarray, epsilon: float) -> list[int] | None:
    """The sandwich word for ``target`` using ``solver``'s tables (built once per solver)."""
    if solver not in _SANDWICHES:
        _SANDWICHES[solver] = RzSandwich(solver)
    return _SANDWICHES[solver].solve(target, epsilon)


def quick_words(solver, gs: GateSet, target: np.ndarray, epsilon: float,
                use_sandwich: Callable[[], bool],
                deadline: float | None = None) -> tuple[list[list[int]], bool]:
    """The fast Clifford+T routes, tried before any table search: one gridsynth Z rotation when
    ``target`` is diagonal; the direct lattice word (``lattice``: about 3 log2(1/epsilon) T for any
    target, in milliseconds for epsilon >= 1e-5); and only where that route cannot reach epsilon,
    gridsynth's three-rotation word and the C.Rz.D sandwich (under a second) when ``use_sandwich()``
    says so at that moment. Returns the words that reach ``epsilon``, in that order, and whether a
    near-optimal word (the lattice word, or gridsynth's Rz for a Z rotation) is among them: then a
    longer search is not worth its time beyond the exact tables."""
    from qdesign.synthesis.gridsynth import diagonal_angle, gridsynth_word, rz_word
    from qdesign.synthesis.lattice import lattice_word

    words: list[list[int]] = []
    theta = diagonal_angle(target)
    if theta is not None:
        w = rz_word(theta, gs, epsilon)
        if w is not None:
            words.append(w)
    # a Z rotation is as hard for the lattice as any target (its solutions come in eight rotated
    # copies), and gridsynth's Rz is within a few T of it: below 1e-5 the lattice is not worth seconds
    w = lattice_word(target, gs, epsilon, deadline=deadline) if theta is None or epsilon >= 1e-5 else None
    if w is not None:
        return words + [w], True
    if words:  # the gridsynth Rz: near-optimal for a Z rotation
        return words, True
    w, dist = gridsynth_word(target, gs, epsilon)
    if dist <= epsilon:
        words.append(w)
    if use_sandwich():
        w = rz_sandwich_word(solver, target, epsilon)
        if w is not None:
            words.append(w)
    return words, False
