"""Noiseless batched statevector simulator against qiskit.quantum_info.Statevector."""

import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp, Statevector
from quantum_sim_helpers import random_circuit, random_hamiltonian

from qdesign.quantum import _kernels
from qdesign.quantum.circuit import Circuit
from qdesign.quantum.simulators import Simulator
from qdesign.quantum.statevector import StatevectorSimulator

BACKENDS = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(not _kernels.AVAILABLE,
                                                                       reason="numba not installed"))]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_energies_match_qiskit_statevector(n, backend):
    rng = np.random.default_rng(100 + n)
    for _ in range(3):
        circ = random_circuit(n, 25, rng)
        ham = random_hamiltonian(n, 15, rng)
        sim = StatevectorSimulator(ham, backend=backend)
        assert isinstance(sim, Simulator)
        thetas = rng.uniform(-np.pi, np.pi, (4, circ.num_parameters))
        got = sim.energies(circ, thetas)
        ref = [Statevector(circ.to_qiskit(t)).expectation_value(ham).real for t in thetas]
        assert got.shape == (4,)
        assert np.max(np.abs(got - ref)) < 1e-9
        states = sim.statevectors(circ, thetas)
        for s, t in zip(states, thetas):
            assert np.allclose(s, Statevector(circ.to_qiskit(t)).data, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_seven_qubits_sparse_path(backend):
    rng = np.random.default_rng(7)
    circ = random_circuit(7, 40, rng, names=("cx", "rx", "ry", "rz", "h"))
    ham = random_hamiltonian(7, 30, rng)
    thetas = rng.normal(size=(3, circ.num_parameters))
    got = StatevectorSimulator(ham, backend=backend).energies(circ, thetas)
    ref = [Statevector(circ.to_qiskit(t)).expectation_value(ham).real for t in thetas]
    assert np.max(np.abs(got - ref)) < 1e-9


def test_identity_term_gives_total_energy():
    circ = Circuit(2)
    ham = SparsePauliOp(["II", "ZZ"], [-1.5, 0.25])
    assert StatevectorSimulator(ham).energies(circ, np.zeros((2, 0))) == pytest.approx([-1.25, -1.25])


def test_readout_only_matches_confusion_formula():
    # |0> measured in Z with p01: <Z>_read = 1 - 2 p01; |1> (after X) with p10: -(1 - 2 p10)
    ham = SparsePauliOp(["Z"], [1.0])
    sim = StatevectorSimulator(ham, readout=(0.1, 0.3))
    c0 = Circuit(1)
    c1 = Circuit(1)
    c1.append("x", [0])
    assert sim.energies(c0, np.zeros((1, 0)))[0] == pytest.approx(0.8)
    assert sim.energies(c1, np.zeros((1, 0)))[0] == pytest.approx(-0.4)


def test_shot_noise_statistics_and_reproducibility():
    rng = np.random.default_rng(0)
    circ = random_circuit(3, 20, rng, names=("cx", "rx", "ry", "rz"))
    ham = random_hamiltonian(3, 10, rng)
    theta = rng.normal(size=(1, circ.num_parameters))
    exact = StatevectorSimulator(ham).energies(circ, theta)[0]
    sim = StatevectorSimulator(ham, shots=1000)
    batch = np.repeat(theta, 4000, axis=0)
    a = sim.energies(circ, batch, rng=np.random.default_rng(5))
    b = sim.energies(circ, batch, rng=np.random.default_rng(5))
    assert np.array_equal(a, b)
    sem = a.std() / np.sqrt(len(a))
    assert abs(a.mean() - exact) < 5 * sem
    assert a.std() > 0
    # more shots per call -> smaller spread (std ~ shots^-1/2)
    c = sim.energies(circ, batch, rng=np.random.default_rng(6), shots=100_000)
    assert c.std() == pytest.approx(a.std() / 10, rel=0.15)


def test_bad_input():
    ham = SparsePauliOp(["ZI"], [1.0])
    sim = StatevectorSimulator(ham)
    circ = Circuit(2)
    circ.append("rx", [0])
    with pytest.raises(ValueError, match="thetas"):
        sim.energies(circ, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="thetas"):
        sim.energies(circ, np.zeros(1))
    with pytest.raises(ValueError, match="hamiltonian"):
        sim.energies(Circuit(3), np.zeros((1, 0)))
    with pytest.raises(ValueError, match="readout_p01"):
        StatevectorSimulator(ham, readout=(1.5, 0.0))
    with pytest.raises(ValueError, match="shots"):
        StatevectorSimulator(ham, shots=0)
    with pytest.raises(ValueError, match="backend"):
        StatevectorSimulator(ham, backend="gpu")


def test_compile_cache_sees_circuit_growth():
    """Appending to the same Circuit object must change the result (no stale compiled program)."""
    ham = SparsePauliOp(["Z"], [1.0])
    sim = StatevectorSimulator(ham)
    circ = Circuit(1)
    assert sim.energies(circ, np.zeros((1, 0)))[0] == pytest.approx(1.0)
    circ.append("x", [0])
    assert sim.energies(circ, np.zeros((1, 0)))[0] == pytest.approx(-1.0)
    circ.gates[0] = type(circ.gates[0])("h", (0,))
    assert sim.energies(circ, np.zeros((1, 0)))[0] == pytest.approx(0.0, abs=1e-12)
