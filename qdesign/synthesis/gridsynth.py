"""Ross-Selinger gridsynth (qiskit's ``gridsynth_unitary``, three Rz via Euler angles) as a baseline."""

from __future__ import annotations

import numpy as np

from qdesign.quantum.gatesets import GateSet
from qdesign.quantum.unitary import phase_invariant_distance
from qdesign.synthesis.translate import circuit_to_word


def gridsynth_word(target: np.ndarray, gs: GateSet, epsilon: float) -> tuple[list[int], float]:
    """(word, distance); gridsynth's epsilon is looser than d_op, so it is halved until d_op <= epsilon."""
    from qiskit.synthesis import gridsynth_unitary

    if gs.num_qubits != 1:
        raise ValueError("method 'gridsynth' compiles one-qubit targets only")
    if not {"h", "t"} <= set(gs.gate_names):
        raise ValueError(f"method 'gridsynth' needs a Clifford+T-type set (h and t), got {gs.gate_names}")
    eps = epsilon
    word, dist = [], np.inf
    for _ in range(6):
        word = circuit_to_word(gridsynth_unitary(np.asarray(target), epsilon=eps), gs)
        dist = phase_invariant_distance(gs.word_unitary(word), target)
        if dist <= epsilon:
            break
        eps /= 2
    return word, dist
