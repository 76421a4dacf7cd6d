"""Two-qubit fallback word for approximate targets: KAK (three CX) plus exact one-qubit words.

Haar SU(4) targets are far from any short word (a depth-8 table leaves them ~0.6 away), so the search
needs an upper bound to start from. qiskit's ``TwoQubitBasisDecomposer`` writes the target as at most
three CX gates between layers of one-qubit unitaries; each one-qubit unitary is then compiled by the
exact meet-in-the-middle solver of the matching one-qubit set. The phase-invariant distance is a
unitarily invariant metric and a one-qubit error embeds with the same value, so the total error is at
most the sum of the per-gate errors: an even split ``epsilon / n`` is always safe, and looser splits
(errors rarely add up in the worst case) are tried first and kept only if the whole word verifies.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qdesign.quantum.gatesets import GateSet, build_gate_set
from qdesign.synthesis.metrics import metric_distance


def _one_qubit_set(gs: GateSet) -> GateSet:
    if gs.name == "clifford_t_2q":
        return build_gate_set("clifford_t")  # shares the cached MITM tables of the one-qubit set
    return build_gate_set(dict(gs.base))


def kak_blocks(target: np.ndarray, basis_fidelity: float = 1.0,
               swap: bool = False) -> list[tuple[str, tuple[int, ...], np.ndarray | None]]:
    """The target as ``("u", (q,), 2x2)`` and ``("cx", (c, t), None)`` blocks, first applied first,
    with consecutive one-qubit gates on a qubit merged. ``basis_fidelity < 1`` lets qiskit drop CX
    gates for an approximation; ``swap`` decomposes the qubit-swapped target (another KAK form)."""
    from qiskit.circuit.library import CXGate
    from qiskit.quantum_info import Operator
    from qiskit.synthesis import TwoQubitBasisDecomposer

    u = np.asarray(target, dtype=complex)
    perm = np.eye(4)[[0, 2, 1, 3]]
    if swap:
        u = perm @ u @ perm
    qc = TwoQubitBasisDecomposer(CXGate())(u, basis_fidelity=basis_fidelity, approximate=basis_fidelity < 1)
    blocks: list[tuple[str, tuple[int, ...], np.ndarray | None]] = []
    pending: dict[int, np.ndarray] = {}

    def flush(q: int) -> None:
        if q in pending:
            blocks.append(("u", (q,), pending.pop(q)))

    for inst in qc.data:
        qs = tuple(qc.find_bit(b).index for b in inst.qubits)
        if len(qs) == 1:
            m = Operator(inst.operation).data
            pending[qs[0]] = m @ pending.get(qs[0], np.eye(2, dtype=complex))
        elif inst.operation.name == "cx":
            flush(0)
            flush(1)
            blocks.append(("cx", qs, None))
        else:  # pragma: no cover - the decomposer only emits 1q gates and CX
            raise RuntimeError(f"unexpected gate {inst.operation.name} from the KAK decomposer")
    flush(0)
    flush(1)
    if swap:
        blocks = [(k, tuple(1 - q for q in qs), m) for k, qs, m in blocks]
    return blocks


def kak_word(target: np.ndarray, gs: GateSet, epsilon: float,
             splits: tuple[float, ...] | None = None,
             basis_fidelities: tuple[float, ...] = (1.0, 0.98, 0.95, 0.9),
             shorten: Callable[[list[int]], list[int]] | None = None,
             metric: str = "phase", deadline: float | None = None) -> list[int] | None:
    """The shortest word of ``gs`` within ``epsilon`` of ``target`` (KAK + exact one-qubit words) over
    both qubit orders, qiskit's approximate decompositions with fewer CX (error ``d0``) and the per-gate
    budgets ``(epsilon - d0) / n**s`` for s in ``splits`` (s = 1 is the guaranteed even split); None if
    no candidate verifies (a one-qubit part out of the solver's reach, or a set without cx).
    ``shorten`` (an exact, distance-preserving rewrite such as the table's peephole pass) is applied
    to the best word of every decomposition before they are compared. ``metric``: ``"phase"`` or
    ``"operator"`` (both are unitarily invariant, so the per-gate errors add up the same way).
    ``deadline`` (a ``time.time()`` value): once passed, no new decomposition or split is started
    after the first complete word, and one-qubit blocks skip the exact solver for the fast routes."""
    import time

    from qdesign.synthesis.mitm import get_solver

    if splits is None:  # under a deadline fewer, surer rounds: each costs a full set of one-qubit words
        splits = (0.25, 0.5, 0.75, 1.0) if deadline is None else (0.5, 1.0)
    one = _one_qubit_set(gs)
    names = list(gs.base)
    if list(one.gate_names) != names or "cx" not in gs.gate_names:
        return None
    cx_action = {gs.qubits[a]: a for a in range(gs.n_actions) if gs.gate_names[a] == "cx"}
    best: list[int] | None = None
    candidates: list[list[int]] = []
    seen: set[tuple] = set()
    for swap in (False, True):
        for bf in basis_fidelities:
            if candidates and deadline is not None and time.time() > deadline:
                break
            blocks = kak_blocks(target, bf, swap)
            key = (swap, sum(b[0] == "cx" for b in blocks))
            if key in seen:
                continue
            seen.add(key)
            d0 = _blocks_distance(blocks, target, gs, cx_action, metric)
            if d0 < epsilon:
                w = _words_for_blocks(blocks, gs, one, names, cx_action, target, epsilon, d0, splits, None,
                                      get_solver, metric, deadline)
                if w is not None:
                    candidates.append(shorten(w) if shorten is not None else w)
    for w in candidates:
        if best is None or len(w) < len(best):
            best = w
    return best


def _blocks_distance(blocks: list, target: np.ndarray, gs: GateSet, cx_action: dict,
                     metric: str = "phase") -> float:
    """Distance of the exact block product (before one-qubit rounding) to the target: the error d0
    of an approximate decomposition (little-endian: qubit 0 is the right Kronecker factor)."""
    u = np.eye(4, dtype=complex)
    for kind, qs, m in blocks:
        if kind == "cx":
            g = gs.matrices[cx_action[qs]]
        else:
            g = np.kron(np.eye(2), m) if qs == (0,) else np.kron(m, np.eye(2))
        u = g @ u
    return metric_distance(u, target, metric)


def _words_for_blocks(blocks, gs, one, names, cx_action, target, epsilon, d0, splits, best, get_solver,
                      metric="phase", deadline=None):
    """Compile every one-qubit block at each per-gate budget; keep the shortest verified word."""
    n_u = sum(1 for b in blocks if b[0] == "u")
    import time

    for si, s in enumerate(splits):
        if best is not None and deadline is not None and time.time() > deadline:
            break
        eps1 = (epsilon - d0) / max(1, n_u) ** s
        solver = get_solver(one, None, eps1)
        word: list[int] = []
        done = 0
        for kind, qs, m in blocks:
            if kind == "cx":
                word.append(cx_action[qs])
                continue
            block_deadline = None
            if deadline is not None:  # an even share of what is left, so no block starves the others
                left = n_u - done + n_u * (len(splits) - si - 1)
                block_deadline = time.time() + max(0.0, deadline - time.time()) / max(1, left)
            done += 1
            w1 = _block_word(one, solver, m, eps1, block_deadline)
            if w1 is None:
                word = []
                break
            word += [qs[0] * len(names) + a for a in w1]
        if word and (best is None or len(word) < len(best)) \
                and metric_distance(gs.word_unitary(word), target, metric) <= epsilon:
            best = word
    return best


def _block_word(one: GateSet, solver, m: np.ndarray, eps: float,
                deadline: float | None = None) -> list[int] | None:
    """One-qubit word for a KAK block, as the one-qubit root does it: on Clifford+T-type sets first the
    routes that exist at every precision (``sandwich.quick_words``: gridsynth's Rz for a Z rotation,
    the direct lattice word, and below its precision three Euler rotations and the Rz-sandwich), then
    the exact MITM optimum shorter than those while ``deadline`` allows."""
    import time

    def left() -> bool:
        return deadline is None or time.time() < deadline

    words: list[list[int]] = []
    if {"h", "t"} <= set(one.gate_names):
        from qdesign.synthesis.sandwich import quick_words

        # gridsynth and the lattice take milliseconds, the sandwich about 0.3 s
        words += quick_words(solver, one, m, eps, lambda: solver.expected_hits(eps) < 1.0 and left(),
                             deadline=deadline)[0]
    if solver.expected_hits(eps) >= 1e-3 and left():
        reach = min(len(w) for w in words) - 1 if words else None
        sol = solver.solve(m, eps, max_length=reach, deadline=deadline)
        if sol is not None:
            return sol.word
    return min(words, key=len) if words else None
