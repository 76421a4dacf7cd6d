"""compile_circuit and the qiskit plugin: whole circuits to Clifford+T, checked with qiskit's Operator."""

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.quantum_info import Operator

import qdesign

CT = {"h", "s", "sdg", "t", "tdg", "cx"}


def _op_distance(a: np.ndarray, b: np.ndarray) -> float:
    ang = np.sort(np.angle(np.linalg.eigvals(a.conj().T @ b)))
    gaps = np.diff(np.concatenate([ang, [ang[0] + 2 * np.pi]]))
    return float(2 * np.sin((2 * np.pi - gaps.max()) / 4))


def _small_circuit() -> QuantumCircuit:
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cx(0, 1)
    qc.rz(0.3, 1)
    qc.t(2)
    qc.cp(0.7, 1, 2)
    qc.ry(1.1, 0)
    qc.swap(0, 2)
    return qc


def test_compile_circuit_is_clifford_t_and_within_epsilon():
    qc = _small_circuit()
    out = qdesign.compile_circuit(qc, gate_set="clifford_t", epsilon=1e-2, time_limit=20)
    assert set(out.count_ops()) <= CT
    d = _op_distance(Operator(out).data, Operator(qc).data)
    assert d <= 1e-2
    assert out.metadata["distance"] == pytest.approx(d, abs=1e-9)
    assert out.metadata["t_count"] == out.count_ops().get("t", 0) + out.count_ops().get("tdg", 0)


def test_compile_circuit_exact_gates_stay_exact_and_bad_input():
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.t(0)
    qc.cx(0, 1)
    qc.s(1)
    out = qdesign.compile_circuit(qc, epsilon=1e-6)
    assert out.metadata["approximated"] == 0
    assert _op_distance(Operator(out).data, Operator(qc).data) < 1e-12
    with pytest.raises(ValueError, match="circuit"):
        qdesign.compile_circuit(np.eye(2))
    with pytest.raises(ValueError, match="epsilon"):
        qdesign.compile_circuit(qc, epsilon=2.0)


def test_qiskit_plugin_named_qdesign():
    qc = QuantumCircuit(1)
    qc.rx(0.4, 0)
    qc.ry(0.9, 0)
    out = transpile(qc, basis_gates=sorted(CT), unitary_synthesis_method="qdesign",
                    unitary_synthesis_plugin_config={"epsilon": 1e-3, "time_limit": 5})
    assert set(out.count_ops()) <= CT
    assert _op_distance(Operator(out).data, Operator(qc).data) <= 1e-3 + 1e-12
