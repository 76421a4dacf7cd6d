"""Random circuits and Hamiltonians shared by the simulator tests."""

from __future__ import annotations

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from qdesign.quantum.circuit import Circuit

ALL_GATES = ("cx", "rx", "ry", "rz", "h", "s", "sdg", "t", "tdg", "x", "y", "z", "id")


def random_circuit(n: int, num_gates: int, rng: np.random.Generator, names=ALL_GATES) -> Circuit:
    c = Circuit(n)
    for _ in range(num_gates):
        name = names[rng.integers(len(names))]
        if name == "cx":
            if n < 2:
                continue
            qubits = rng.choice(n, 2, replace=False)
        else:
            qubits = [rng.integers(n)]
        c.append(name, qubits)
    return c


def random_hamiltonian(n: int, terms: int, rng: np.random.Generator) -> SparsePauliOp:
    labels = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(terms)] + ["I" * n]
    return SparsePauliOp(labels, rng.normal(size=len(labels))).simplify()
