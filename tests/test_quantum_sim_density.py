"""Noisy PTM simulator against qiskit-aer's density-matrix simulator with ``NoiseModel.to_aer()``."""

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix, SparsePauliOp, Statevector
from qiskit_aer import AerSimulator
from quantum_sim_helpers import random_circuit, random_hamiltonian

from qdesign.quantum import _kernels
from qdesign.quantum.circuit import Circuit
from qdesign.quantum.density import DensitySimulator, pauli_vector_to_density_matrix
from qdesign.quantum.noise import NoiseModel
from qdesign.quantum.pauli import as_pauli_sum
from qdesign.quantum.simulators import Simulator, make_simulator
from qdesign.quantum.statevector import StatevectorSimulator

GATE_NOISE = NoiseModel(depolarizing_1q=0.02, depolarizing_2q=0.05, amplitude_damping_1q=0.03,
                        amplitude_damping_2q=0.04, phase_damping_1q=0.05, phase_damping_2q=0.06)
WITH_READOUT = NoiseModel(**{**GATE_NOISE.to_dict(), "readout_p01": 0.03, "readout_p10": 0.08})


def aer_density_matrices(circ: Circuit, thetas: np.ndarray, noise: NoiseModel) -> list[np.ndarray]:
    sim = AerSimulator(method="density_matrix", noise_model=noise.to_aer())
    out = []
    for t in thetas:
        qc = circ.to_qiskit(t)
        qc.save_density_matrix()
        out.append(np.asarray(sim.run(qc).result().data()["density_matrix"]))
    return out


def readout_expectation(rho: np.ndarray, ham: SparsePauliOp, noise: NoiseModel) -> float:
    """Independent reference: per term, rotate to the Z basis, take the bitstring distribution,
    push it through the aer model's readout confusion matrix, average the parity."""
    n = ham.num_qubits
    ro = [e for e in noise.to_aer().to_dict()["errors"] if e["type"] == "roerror"]
    conf = np.asarray(ro[0]["probabilities"]) if ro else np.eye(2)  # conf[true, read]
    full = np.array([[1.0]])
    for _ in range(n):
        full = np.kron(conf, full)
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
        probs = DensityMatrix(rho).evolve(rot).probabilities() @ full
        parity = np.array([(-1) ** bin(x & mask).count("1") for x in range(2 ** n)])
        total += coef.real * float(probs @ parity)
    return total


BACKENDS = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(not _kernels.AVAILABLE,
                                                                       reason="numba not installed"))]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_gate_noise_matches_aer_density_matrix(n, backend):
    rng = np.random.default_rng(200 + n)
    circ = random_circuit(n, 30, rng)
    ham = random_hamiltonian(n, 15, rng)
    thetas = rng.uniform(-np.pi, np.pi, (3, circ.num_parameters))
    sim = DensitySimulator(ham, GATE_NOISE, backend=backend)
    assert isinstance(sim, Simulator)
    got = sim.energies(circ, thetas)
    vecs = sim.pauli_vectors(circ, thetas)
    for e, r, rho in zip(got, vecs, aer_density_matrices(circ, thetas, GATE_NOISE)):
        assert abs(e - DensityMatrix(rho).expectation_value(ham).real) < 1e-9
        assert np.max(np.abs(pauli_vector_to_density_matrix(r) - rho)) < 1e-9


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_readout_error_matches_independent_reference(n, backend):
    rng = np.random.default_rng(300 + n)
    circ = random_circuit(n, 25, rng)
    ham = random_hamiltonian(n, 12, rng)
    thetas = rng.uniform(-np.pi, np.pi, (2, circ.num_parameters))
    got = DensitySimulator(ham, WITH_READOUT, backend=backend).energies(circ, thetas)
    rhos = aer_density_matrices(circ, thetas, WITH_READOUT)
    ref = [readout_expectation(rho, ham, WITH_READOUT) for rho in rhos]
    assert np.max(np.abs(got - ref)) < 1e-9
    # the readout-only statevector path agrees with the same reference
    ro_only = NoiseModel(readout_p01=0.03, readout_p10=0.08)
    sv = make_simulator(ham, ro_only, backend=backend)
    assert isinstance(sv, StatevectorSimulator)
    ref_sv = [readout_expectation(np.outer(s, s.conj()), ham, ro_only)
              for s in (Statevector(circ.to_qiskit(t)).data for t in thetas)]
    assert np.max(np.abs(sv.energies(circ, thetas) - ref_sv)) < 1e-9
    dens = DensitySimulator(ham, ro_only, backend=backend)
    assert np.max(np.abs(dens.energies(circ, thetas) - ref_sv)) < 1e-9


def test_readout_semantics_against_aer_sampling():
    """aer applies ReadoutError to sampled bits; our exact expectation must sit inside its error bar."""
    rng = np.random.default_rng(9)
    circ = random_circuit(2, 12, rng, names=("cx", "rx", "ry", "rz"))
    theta = rng.uniform(-np.pi, np.pi, circ.num_parameters)
    noise = NoiseModel(depolarizing_1q=0.01, depolarizing_2q=0.03, readout_p01=0.05, readout_p10=0.12)
    shots = 200_000
    for label in ("ZZ", "XY"):
        ham = SparsePauliOp([label], [1.0])
        exact = DensitySimulator(ham, noise).energies(circ, theta[None])[0]
        qc = circ.to_qiskit(theta)
        for q, ch in enumerate(reversed(label)):
            if ch == "X":
                qc.h(q)
            elif ch == "Y":
                qc.sdg(q)
                qc.h(q)
        qc.measure_all()
        counts = AerSimulator(method="density_matrix", noise_model=noise.to_aer(), seed_simulator=1).run(
            qc, shots=shots).result().get_counts()
        est = sum((-1) ** key.count("1") * c for key, c in counts.items()) / shots
        assert abs(est - exact) < 5 / np.sqrt(shots)
        assert abs(exact - DensitySimulator(ham, NoiseModel(depolarizing_1q=0.01, depolarizing_2q=0.03)
                                            ).energies(circ, theta[None])[0]) > 0.01  # readout matters


def test_shot_noise_mean_variance_and_seed():
    rng = np.random.default_rng(11)
    circ = random_circuit(3, 20, rng, names=("cx", "rx", "ry", "rz"))
    ham = random_hamiltonian(3, 12, rng)
    theta = rng.normal(size=(1, circ.num_parameters))
    noise = NoiseModel(**{**WITH_READOUT.to_dict(), "shots": 500})
    sim = make_simulator(ham, noise)
    assert isinstance(sim, DensitySimulator)
    batch = np.repeat(theta, 3000, axis=0)
    a = sim.energies(circ, batch, rng=np.random.default_rng(1))
    assert np.array_equal(a, sim.energies(circ, batch, rng=np.random.default_rng(1)))
    # reference mean and variance from aer's density matrix, group by group
    rho = aer_density_matrices(circ, theta, noise)[0]
    exact = readout_expectation(rho, ham, noise)
    var = 0.0
    conf = np.array([[0.97, 0.03], [0.08, 0.92]])
    full = np.array([[1.0]])
    for _ in range(3):
        full = np.kron(conf, full)
    for g in as_pauli_sum(ham).groups():
        rot = QuantumCircuit(3)
        for q in range(3):
            if g.basis[q] == 1:
                rot.h(q)
            elif g.basis[q] == 2:
                rot.sdg(q)
                rot.h(q)
        p = DensityMatrix(rho).evolve(rot).probabilities() @ full
        w = np.array([sum(c * (-1) ** bin(x & m).count("1") for m, c in zip(g.masks, g.coeffs))
                      for x in range(8)])
        var += (p @ w ** 2 - (p @ w) ** 2) / 500
    assert abs(a.mean() - exact) < 5 * np.sqrt(var / len(a))
    assert a.var() == pytest.approx(var, rel=0.1)


def test_noiseless_density_equals_statevector_and_factory_dispatch():
    rng = np.random.default_rng(5)
    circ = random_circuit(4, 30, rng)
    ham = random_hamiltonian(4, 20, rng)
    thetas = rng.normal(size=(5, circ.num_parameters))
    sv = make_simulator(ham)
    assert isinstance(sv, StatevectorSimulator)
    dm = make_simulator(ham, None, method="density")
    assert np.max(np.abs(sv.energies(circ, thetas) - dm.energies(circ, thetas))) < 1e-12
    assert isinstance(make_simulator(ham, "depolarizing_1e-3_5e-3"), DensitySimulator)
    assert isinstance(make_simulator(ham, {"preset": "ibm_like_median"}), DensitySimulator)
    assert isinstance(make_simulator(ham, {"shots": 100}), StatevectorSimulator)
    with pytest.raises(ValueError, match="method"):
        make_simulator(ham, method="mps")
    with pytest.raises(ValueError, match="statevector"):
        make_simulator(ham, "ibm_like_max", method="statevector")


@pytest.mark.parametrize("backend", BACKENDS)
def test_eight_qubits_noisy_runs_and_matches_statevector_limit(backend):
    rng = np.random.default_rng(8)
    circ = random_circuit(8, 60, rng, names=("cx", "rx", "ry", "rz"))
    ham = random_hamiltonian(8, 100, rng)
    thetas = rng.normal(size=(2, circ.num_parameters))
    exact = StatevectorSimulator(ham).energies(circ, thetas)
    tiny = DensitySimulator(ham, NoiseModel(), backend=backend).energies(circ, thetas)
    assert np.max(np.abs(exact - tiny)) < 1e-9
    noisy = DensitySimulator(ham, "ibm_like_median", backend=backend).energies(circ, thetas)
    ref = DensitySimulator(ham, "ibm_like_median", backend="numpy").energies(circ, thetas)
    assert np.max(np.abs(noisy - ref)) < 1e-9
    assert np.all(np.isfinite(noisy)) and np.max(np.abs(noisy - exact)) > 1e-4


def test_bad_input():
    ham = SparsePauliOp(["ZI", "II"], [1.0, 0.5])
    with pytest.raises(ValueError, match="depolarizing_2q"):
        DensitySimulator(ham, {"depolarizing_2q": 1.2})
    sim = DensitySimulator(ham, "ibm_like_max")
    circ = Circuit(2)
    circ.append("ry", [1])
    with pytest.raises(ValueError, match="thetas"):
        sim.energies(circ, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="hamiltonian"):
        sim.energies(Circuit(1), np.zeros((1, 0)))


def test_simulators_pickle_after_use():
    import pickle

    rng = np.random.default_rng(12)
    circ = random_circuit(3, 15, rng)
    ham = random_hamiltonian(3, 8, rng)
    thetas = rng.normal(size=(2, circ.num_parameters))
    for sim in (make_simulator(ham), make_simulator(ham, "ibm_like_max"),
                make_simulator(ham, {"readout_p01": 0.1, "shots": 50})):
        first = sim.energies(circ, thetas, rng=np.random.default_rng(0))
        clone = pickle.loads(pickle.dumps(sim))
        assert np.array_equal(clone.energies(circ, thetas, rng=np.random.default_rng(0)), first)


def test_group_measurement_numpy_fallback_matches(monkeypatch):
    """Readout through the group path without numba (dense transforms) equals the numba path."""
    rng = np.random.default_rng(13)
    circ = random_circuit(3, 20, rng)
    ham = random_hamiltonian(3, 12, rng)
    thetas = rng.normal(size=(3, circ.num_parameters))
    ro = NoiseModel(readout_p01=0.04, readout_p10=0.09)
    sv_ref = StatevectorSimulator(ham, readout=ro.readout).energies(circ, thetas)
    noisy = NoiseModel(**{**WITH_READOUT.to_dict(), "shots": 10**12})
    dm_ref = DensitySimulator(ham, noisy).energies(circ, thetas, rng=np.random.default_rng(0))
    monkeypatch.setattr(_kernels, "AVAILABLE", False)
    sv = StatevectorSimulator(ham, readout=ro.readout, backend="numpy").energies(circ, thetas)
    dm = DensitySimulator(ham, noisy, backend="numpy").energies(circ, thetas, rng=np.random.default_rng(0))
    assert np.max(np.abs(sv - sv_ref)) < 1e-12
    assert np.max(np.abs(dm - dm_ref)) < 1e-4  # 1e12 shots: sampling noise ~1e-6


def test_aer_energy_recheck_helper():
    from qdesign.quantum.simulators import aer_energy

    rng = np.random.default_rng(21)
    circ = random_circuit(3, 20, rng)
    ham = random_hamiltonian(3, 10, rng)
    theta = rng.normal(size=circ.num_parameters)
    for noise in (None, GATE_NOISE, WITH_READOUT):
        ours = make_simulator(ham, noise).energies(circ, theta[None])[0]
        assert abs(aer_energy(circ.to_qiskit(theta), ham, noise) - ours) < 1e-9
