"""Qiskit's Solovay-Kitaev decomposition as a baseline compiler (recursion degree raised until epsilon)."""

from __future__ import annotations

import numpy as np

from qdesign.quantum.gatesets import FIXED_GATES, GateSet
from qdesign.quantum.unitary import phase_invariant_distance
from qdesign.synthesis.translate import circuit_to_word

_DECOMP: dict[tuple[str, ...], object] = {}


def sk_word(target: np.ndarray, gs: GateSet, epsilon: float, max_degree: int = 6,
            depth: int = 10) -> tuple[list[int], float, int]:
    """(word, distance, recursion degree) of the first SK degree reaching ``epsilon`` (or the last tried)."""
    from qiskit.synthesis import SolovayKitaevDecomposition

    if gs.num_qubits != 1:
        raise ValueError("method 'sk' compiles one-qubit targets only")
    basis = tuple(n for n in gs.gate_names if n in FIXED_GATES)
    if len(basis) != len(gs.gate_names):
        raise ValueError(f"method 'sk' needs a gate set of standard qiskit gates, got {gs.gate_names}")
    if basis not in _DECOMP:
        _DECOMP[basis] = SolovayKitaevDecomposition(basis_gates=list(basis), depth=depth)
    dec = _DECOMP[basis]
    best: tuple[list[int], float, int] | None = None
    for degree in range(max_degree + 1):
        word = circuit_to_word(dec.run(target, degree), gs)
        dist = phase_invariant_distance(gs.word_unitary(word), target)
        best = (word, dist, degree)
        if dist <= epsilon:
            break
    assert best is not None
    return best
