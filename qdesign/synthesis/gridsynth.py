"""Ross-Selinger gridsynth (qiskit's ``gridsynth_unitary``, three Rz via Euler angles) as a baseline."""

from __future__ import annotations

import numpy as np

from qdesign.quantum.gatesets import GateSet
from qdesign.quantum.unitary import phase_invariant_distance
from qdesign.synthesis.translate import circuit_to_word

#: qiskit 2.6's Rust gridsynth fixes its working precision at the first call of the process: after a
#: first call at epsilon 0.1 a call at 1e-10 returns a circuit 1.8e-5 away (measured, qiskit 2.6.2). A
#: first call at 1e-15 costs ~20 ms and changes no T-count at looser epsilon, so qdesign makes it before
#: its own first use; ``GRIDSYNTH_PRECISE`` says whether a 1e-12 probe then verified.
GRIDSYNTH_PRECISE: bool | None = None


def ensure_gridsynth_precision() -> bool:
    """Make the process's first gridsynth call a high-precision one (see ``GRIDSYNTH_PRECISE``)."""
    global GRIDSYNTH_PRECISE
    if GRIDSYNTH_PRECISE is None:
        from qiskit.quantum_info import Operator
        from qiskit.synthesis import gridsynth_rz

        gridsynth_rz(0.3, epsilon=1e-15)
        probe = Operator(gridsynth_rz(0.7, epsilon=1e-12)).data
        rz = np.diag([np.exp(-0.35j), np.exp(0.35j)])
        GRIDSYNTH_PRECISE = bool(phase_invariant_distance(probe, rz) <= 1e-12)
    return GRIDSYNTH_PRECISE


def precision_note() -> str:
    """A hint for error messages when qiskit's gridsynth was first called at low precision elsewhere."""
    if GRIDSYNTH_PRECISE is False:
        return (" (qiskit's gridsynth was first called in this process at a looser epsilon, which caps "
                "its precision for the whole process; call qdesign before other gridsynth users, or use a "
                "fresh process)")
    return ""


def gridsynth_word(target: np.ndarray, gs: GateSet, epsilon: float) -> tuple[list[int], float]:
    """(word, distance); gridsynth's epsilon is looser than d_op, so it is halved until d_op <= epsilon."""
    from qiskit.synthesis import gridsynth_unitary

    ensure_gridsynth_precision()

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


def diagonal_angle(target: np.ndarray, atol: float = 1e-12) -> float | None:
    """``theta`` if ``target`` equals ``Rz(theta)`` up to global phase (off-diagonal below ``atol``), else
    None: such targets need one gridsynth Z rotation, not three Euler rotations."""
    u = np.asarray(target, dtype=complex)
    if u.shape != (2, 2) or abs(u[0, 1]) > atol or abs(u[1, 0]) > atol:
        return None
    return float(np.angle(u[1, 1]) - np.angle(u[0, 0]))


def rz_word(theta: float, gs: GateSet, epsilon: float) -> list[int] | None:
    """Ross-Selinger word (qiskit's ``gridsynth_rz``, arXiv 1403.2975) for ``Rz(theta)`` within
    phase-invariant distance ``epsilon``; gridsynth's tolerance is a little looser than that distance, so
    it is halved until the word verifies (None after six halvings)."""
    from qiskit.synthesis import gridsynth_rz

    if not {"h", "t"} <= set(gs.gate_names) or gs.num_qubits != 1:
        raise ValueError(f"rz_word needs a one-qubit Clifford+T-type set (h and t), got {gs.gate_names}")
    ensure_gridsynth_precision()
    rz = np.diag([np.exp(-0.5j * theta), np.exp(0.5j * theta)])
    eps = epsilon
    for _ in range(6):
        word = circuit_to_word(gridsynth_rz(theta, epsilon=eps), gs)
        if phase_invariant_distance(gs.word_unitary(word), rz) <= epsilon:
            return word
        eps /= 2
    return None
