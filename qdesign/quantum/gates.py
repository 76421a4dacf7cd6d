"""Gate matrices and names shared by every family (qiskit's names and qubit order).

Matrices use qiskit's little-endian convention: for a two-qubit gate on ``(q0, q1)`` the matrix
acts on the basis ``|q1 q0>``, exactly as ``qiskit.quantum_info.Operator`` reports it.
"""

from __future__ import annotations

import numpy as np

SQ2 = 1 / np.sqrt(2)

I2 = np.eye(2, dtype=complex)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.array([[1, 0], [0, -1]], dtype=complex)
H = SQ2 * np.array([[1, 1], [1, -1]], dtype=complex)
S = np.diag([1, 1j]).astype(complex)
SDG = S.conj().T
T = np.diag([1, np.exp(1j * np.pi / 4)]).astype(complex)
TDG = T.conj().T
# CX with control q0, target q1 in qiskit's little-endian order |q1 q0>
CX = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]], dtype=complex)

FIXED_GATES: dict[str, np.ndarray] = {
    "id": I2, "x": X, "y": Y, "z": Z, "h": H, "s": S, "sdg": SDG, "t": T, "tdg": TDG, "cx": CX,
}
ROTATIONS = ("rx", "ry", "rz")
PAULI_OF_ROTATION = {"rx": X, "ry": Y, "rz": Z}


def rotation(name: str, theta: float) -> np.ndarray:
    """exp(-i theta P / 2) for P = X, Y, Z (qiskit's RX/RY/RZ)."""
    if name not in PAULI_OF_ROTATION:
        raise ValueError(f"rotation name must be one of {ROTATIONS}, got {name!r}")
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    return c * I2 - 1j * s * PAULI_OF_ROTATION[name]


def num_qubits_of(name: str) -> int:
    """Number of qubits a gate name acts on (only ``cx`` is two-qubit in this gate alphabet)."""
    return 2 if name == "cx" else 1
