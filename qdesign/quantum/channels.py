"""Pauli transfer matrices (PTMs) of quantum channels on one and two qubits.

The density simulator applies gates and noise as PTMs; the noise model computes its process
fidelities from the same matrices. Plain channel math: no simulator, no noise model.
"""

from __future__ import annotations

from itertools import product

import numpy as np

from qdesign.quantum.gates import I2, X, Y, Z

PAULIS = (I2, X, Y, Z)
_PAULIS_2Q = [np.kron(PAULIS[b], PAULIS[a]) for a, b in product(range(4), range(4))]  # i = 4a + b


def ptm_of_kraus(kraus: list[np.ndarray]) -> np.ndarray:
    """R_ij = sum_k Tr(P_i K P_j K^dag) / d for 1 or 2 qubits (2q index i = 4*code_a + code_b,
    the operator ``kron(P_b, P_a)`` in qiskit's order for a gate on qubits (a, b))."""
    d = kraus[0].shape[0]
    basis = PAULIS if d == 2 else _PAULIS_2Q
    out = np.zeros((d * d, d * d))
    for k in kraus:
        images = [k @ p @ k.conj().T for p in basis]
        for i, pi in enumerate(basis):
            for j, im in enumerate(images):
                out[i, j] += np.real(np.trace(pi @ im)) / d
    return out


def depolarizing_ptm(lam: float, num_qubits: int) -> np.ndarray:
    """Pauli transfer matrix of the n-qubit depolarizing channel: identity kept, every other Pauli shrunk by
    1 - lam."""
    d2 = 4 ** num_qubits
    return np.diag([1.0] + [1.0 - lam] * (d2 - 1))


def amplitude_damping_kraus(gamma: float) -> list[np.ndarray]:
    """Kraus operators of single-qubit amplitude damping (|1> decays to |0> with probability gamma)."""
    return [np.array([[1, 0], [0, np.sqrt(1 - gamma)]], dtype=complex),
            np.array([[0, np.sqrt(gamma)], [0, 0]], dtype=complex)]


def phase_damping_kraus(lam: float) -> list[np.ndarray]:
    """Kraus operators of single-qubit phase damping (coherences shrink by sqrt(1 - lam), populations
    kept)."""
    return [np.array([[1, 0], [0, np.sqrt(1 - lam)]], dtype=complex),
            np.array([[0, 0], [0, np.sqrt(lam)]], dtype=complex)]
