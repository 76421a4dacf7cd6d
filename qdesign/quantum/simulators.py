"""The ``Simulator`` protocol and ``make_simulator``: the right simulator for a Hamiltonian and noise.

* no noise, or only readout error / shots -> :class:`StatevectorSimulator` (2^n amplitudes);
* any gate noise -> :class:`DensitySimulator` (4^n Pauli-vector entries, PTMs applied locally).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from qdesign.plugins import import_extra
from qdesign.quantum.circuit import Circuit
from qdesign.quantum.density import DensitySimulator
from qdesign.quantum.noise import NoiseModel
from qdesign.quantum.pauli import as_pauli_sum
from qdesign.quantum.statevector import StatevectorSimulator

METHODS = ("auto", "statevector", "density")


@runtime_checkable
class Simulator(Protocol):
    """Computes <H> for a circuit applied to |0...0>, batched over parameter vectors.

    ``energies(circuit, thetas)`` takes ``thetas`` of shape ``(B, circuit.num_parameters)`` and
    returns ``B`` real energies (total energies: the Hamiltonian's identity term included).
    ``rng`` is only used by simulators with sampling noise (shot noise); noiseless ones ignore it.
    """

    num_qubits: int

    def energies(self, circuit: Circuit, thetas: np.ndarray, rng: np.random.Generator | None = None
                 ) -> np.ndarray:
        """Energies of ``circuit`` at each row of ``thetas`` (shape ``(B, P)`` in, ``(B,)`` out)."""
        ...


def make_simulator(hamiltonian, noise: NoiseModel | dict | str | None = None, *, method: str = "auto",
                   **kwargs) -> Simulator:
    """A simulator of ``hamiltonian`` (``SparsePauliOp`` or ``PauliSum``) under ``noise``.

    ``noise``: ``None``, a :class:`NoiseModel`, its ``to_dict()`` form (or ``{"preset": ...}``),
    or a preset name such as ``"depolarizing_1e-3_5e-3"``. ``method`` forces a backend;
    ``"statevector"`` refuses gate noise. Extra ``kwargs`` go to the simulator's constructor.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    ham = as_pauli_sum(hamiltonian)
    model = NoiseModel.coerce(noise)
    gate_noise = model is not None and model.has_gate_noise
    if method == "density" or (method == "auto" and gate_noise):
        return DensitySimulator(ham, model, **kwargs)
    if gate_noise:
        raise ValueError("method='statevector' cannot simulate gate noise; use 'density' or 'auto'")
    shots = None if model is None else model.shots
    readout = None if model is None else model.readout
    return StatevectorSimulator(ham, shots=shots, readout=readout, **kwargs)


def aer_energy(circuit, hamiltonian, noise: NoiseModel | dict | str | None = None) -> float:
    """Re-check one energy in qiskit-aer: the bound ``QuantumCircuit`` run by aer's density-matrix
    simulator with ``noise.to_aer()``, then ``<H>`` with readout error applied term by term
    (rotate to the Z basis, push the bitstring distribution through aer's readout confusion
    matrix, average the parity). Shots are ignored: this is the exact expectation."""
    import numpy as np
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import DensityMatrix
    AerSimulator = import_extra("qiskit_aer", "the qiskit-aer cross-check").AerSimulator

    ham = as_pauli_sum(hamiltonian, circuit.num_qubits).to_sparse_pauli_op()
    model = NoiseModel.coerce(noise)
    qc = circuit.copy()
    qc.save_density_matrix()
    aer_model = None if model is None else model.to_aer()
    rho = DensityMatrix(AerSimulator(method="density_matrix", noise_model=aer_model).run(qc).result()
                        .data()["density_matrix"])
    if model is None or model.readout is None:
        return float(rho.expectation_value(ham).real)
    roerr = [e for e in aer_model.to_dict()["errors"] if e["type"] == "roerror"]
    conf = np.asarray(roerr[0]["probabilities"])  # conf[true, read]
    n = circuit.num_qubits
    full = np.array([[1.0]])
    for _ in range(n):
        full = np.kron(conf, full)
    xs = np.arange(2 ** n)
    total = 0.0
    for label, coef in zip(ham.paulis.to_labels(), ham.coeffs):
        rot = QuantumCircuit(n)
        mask = 0
        for q, ch in enumerate(reversed(label)):
            if ch == "X":
                rot.h(q)
            elif ch == "Y":
                rot.sdg(q)
                rot.h(q)
            if ch != "I":
                mask |= 1 << q
        probs = rho.evolve(rot).probabilities() @ full
        parity = 1 - 2 * (np.array([bin(x & mask).count("1") for x in xs]) % 2)
        total += float(coef.real) * float(probs @ parity)
    return total
