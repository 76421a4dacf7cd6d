"""Phase-invariant distances, fidelity and phase forms against qiskit's Operator and brute force."""

import numpy as np
import pytest
from qiskit.circuit.library import UnitaryGate
from qiskit.quantum_info import Operator, random_unitary
from qiskit.quantum_info import average_gate_fidelity as qk_agf

from qdesign.quantum.unitary import (
    as_unitary,
    average_gate_fidelity,
    canonical_phase,
    haar_unitary,
    operator_norm_distance,
    phase_invariant_distance,
    quaternion_to_su2,
    su2_to_quaternion,
    unitary_key,
)


def _brute_phase_min(u, v, order):
    from scipy.optimize import minimize_scalar

    f = lambda t: np.linalg.norm(u - np.exp(1j * t) * v, order)  # noqa: E731
    thetas = np.linspace(0, 2 * np.pi, 2001)
    t0 = thetas[np.argmin([f(t) for t in thetas])]
    return minimize_scalar(f, bounds=(t0 - 0.01, t0 + 0.01), method="bounded", options={"xatol": 1e-10}).fun


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_qubit_distance_is_phase_invariant_operator_norm(seed):
    u = random_unitary(2, seed=seed).data
    v = random_unitary(2, seed=seed + 10).data
    d = phase_invariant_distance(u, v)
    assert d == pytest.approx(np.sqrt(2 - abs(np.trace(u.conj().T @ v))), abs=1e-12)
    assert d == pytest.approx(_brute_phase_min(u, v, 2), abs=1e-6)
    assert operator_norm_distance(u, v) == pytest.approx(d, abs=1e-9)
    assert phase_invariant_distance(u, np.exp(0.7j) * u) == pytest.approx(0.0, abs=1e-7)


def test_two_qubit_distances_against_brute_force():
    u = random_unitary(4, seed=3).data
    v = random_unitary(4, seed=4).data
    assert phase_invariant_distance(u, v) == pytest.approx(_brute_phase_min(u, v, "fro") / 2, abs=1e-6)
    assert operator_norm_distance(u, v) == pytest.approx(_brute_phase_min(u, v, 2), abs=1e-6)
    assert operator_norm_distance(u, v) >= phase_invariant_distance(u, v) - 1e-12


@pytest.mark.parametrize("dim", [2, 4])
def test_average_gate_fidelity_matches_qiskit(dim):
    u = random_unitary(dim, seed=5).data
    v = random_unitary(dim, seed=6).data
    ours = average_gate_fidelity(u, v)
    ref = qk_agf(Operator(UnitaryGate(u.conj().T @ v)))
    assert ours == pytest.approx(ref, abs=1e-10)


def test_haar_unitary_is_unitary_and_roughly_uniform():
    rng = np.random.default_rng(0)
    us = np.array([haar_unitary(2, rng, special=True) for _ in range(4000)])
    assert np.allclose(np.linalg.det(us), 1)
    # Haar on SU(2): E|Tr U|^2 = 1
    assert np.mean(np.abs(np.trace(us, axis1=1, axis2=2)) ** 2) == pytest.approx(1.0, abs=0.08)


def test_canonical_phase_and_key_ignore_global_phase():
    u = random_unitary(4, seed=7).data
    c1, c2 = canonical_phase(u), canonical_phase(np.exp(2.1j) * u)
    assert np.allclose(c1, c2)
    assert np.linalg.det(c1) == pytest.approx(1.0)
    assert unitary_key(u) == unitary_key(-1j * u)
    assert unitary_key(u) != unitary_key(random_unitary(4, seed=8).data)


def test_quaternion_roundtrip_and_chordal_distance():
    u = random_unitary(2, seed=9).data
    v = random_unitary(2, seed=10).data
    qu, qv = su2_to_quaternion(u), su2_to_quaternion(v)
    assert phase_invariant_distance(quaternion_to_su2(qu), u) == pytest.approx(0, abs=1e-7)
    chord = min(np.linalg.norm(qu - qv), np.linalg.norm(qu + qv))
    assert chord == pytest.approx(phase_invariant_distance(u, v), abs=1e-9)


@pytest.mark.parametrize("bad", [np.ones((2, 2)), np.eye(3)[:2], [[1, 0], [0, 2]], "x"])
def test_as_unitary_rejects_bad_input(bad):
    with pytest.raises(ValueError, match="target"):
        as_unitary(bad, name="target")
