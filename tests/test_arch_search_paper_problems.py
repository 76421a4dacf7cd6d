"""The papers' problems exactly: units, CRLQAS's H2O, Hartree-Fock starts, sector ground energies,
effective gate counts. References are independent: PySCF's own RHF, dense diagonalisation of the
JW particle-number block picked by popcount, and qiskit's Statevector of the exported circuit."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from qiskit.quantum_info import SparsePauliOp, Statevector

import qdesign  # noqa: F401
from qdesign.envs.arch_search import build_problem
from qdesign.envs.arch_search.presets import PROBLEMS
from qdesign.envs.arch_search.problem import Problem
from qdesign.quantum.circuit import Circuit, active_gates

BOHR_IN_ANGSTROM = 0.529177210903  # CODATA 2018


def jw_sector_energy(ham: SparsePauliOp, n_alpha: int, n_beta: int) -> float:
    """Dense lowest eigenvalue on the JW block with n_alpha ones in the low half, n_beta in the high."""
    n = ham.num_qubits
    half = n // 2
    idx = [j for j in range(2 ** n) if bin(j & ((1 << half) - 1)).count("1") == n_alpha
           and bin(j >> half).count("1") == n_beta]
    return float(np.linalg.eigvalsh(ham.to_matrix()[np.ix_(idx, idx)])[0])


def test_crlqas_h2o_is_the_papers_hamiltonian():
    prob = build_problem(**PROBLEMS["H2O-8q"])
    assert prob.num_qubits == 8 and len(prob.hamiltonian) == 193
    assert abs(prob.ground_energy - (-73.2941067)) < 1e-6  # CRLQAS's E0
    assert abs(prob.lower_bound - (-77.891067)) < 1e-5
    assert abs(jw_sector_energy(prob.hamiltonian, 2, 2) - prob.ground_energy) < 1e-9
    env = gym.make("qdesign/ArchSearch-H2O8-v0").unwrapped
    assert abs(env.ground_energy - (-73.2941067)) < 1e-6
    old = gym.make("qdesign/ArchSearch-H2O8-Angstrom-v0").unwrapped
    assert abs(old.ground_energy - (-74.9723356)) < 1e-6


def test_jw_sector_energy_of_lih6():
    prob = build_problem(**PROBLEMS["LiH-6q"])
    assert abs(jw_sector_energy(prob.hamiltonian, 1, 1) - prob.ground_energy) < 1e-9


def test_bohr_and_angstrom_give_the_same_molecule(tmp_path, monkeypatch):
    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path))
    a = build_problem(molecule="H2", bond_distance=0.7414, mapping="parity")
    b = build_problem(molecule="H2", bond_distance=0.7414 / BOHR_IN_ANGSTROM, mapping="parity", unit="bohr")
    assert abs(a.ground_energy - b.ground_energy) < 1e-7
    assert b.spec["unit"] == "bohr" and a.spec["unit"] == "angstrom"


@pytest.mark.parametrize("kwargs", [
    {"mapping": "jordan_wigner"},
    {"mapping": "parity", "reduction": 0},
    {"mapping": "parity", "reduction": 1},
    {"mapping": "parity", "reduction": 2},
    {"mapping": "bravyi_kitaev"},
])
def test_hartree_fock_start_for_every_mapping(kwargs, tmp_path, monkeypatch):
    """<HF|H|HF> is PySCF's RHF energy, and the exported circuit alone reproduces every energy."""
    from pyscf import gto, scf

    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path))
    e_rhf = scf.RHF(gto.M(atom="H 0 0 0; H 0 0 0.7414", basis="sto3g", verbose=0)).kernel()
    env = gym.make("qdesign/ArchSearch-v0", molecule="H2", bond_distance=0.7414, initial_state="hartree_fock",
                   halting="off", threshold=1e-12, **kwargs).unwrapped
    _, info = env.reset(seed=0)
    assert abs(info["energy"] - e_rhf) < 1e-8
    ham = env.problem.hamiltonian
    assert abs(Statevector(env.circuit()).expectation_value(ham).real - info["energy"]) < 1e-10
    assert info["n_gates"] == 0  # the X gates prepare the state; they are not ansatz gates
    rng = np.random.default_rng(0)
    for _ in range(4):
        _, _, term, trunc, info = env.step(int(rng.choice(np.flatnonzero(env.action_masks()))))
        assert abs(Statevector(env.circuit()).expectation_value(ham).real - info["energy"]) < 1e-9
        if term or trunc:
            break


def test_hartree_fock_of_frozen_core_lih_is_pyscf_rhf():
    from pyscf import gto, scf

    e_rhf = scf.RHF(gto.M(atom="Li 0 0 0; H 0 0 3.4", basis="sto3g", verbose=0)).kernel()
    env = gym.make("qdesign/ArchSearch-LiH4-v0", initial_state="hartree_fock").unwrapped
    _, info = env.reset(seed=0)
    assert abs(info["energy"] - e_rhf) < 1e-8
    qc = env.circuit()
    assert [i.operation.name for i in qc.data] == ["x"] * len(env.problem.hartree_fock_qubits())


def test_bad_unit_initial_state_and_unholdable_hf():
    with pytest.raises(ValueError, match="unit='furlong'"):
        build_problem(molecule="H2", unit="furlong")
    with pytest.raises(ValueError, match="initial_state='neel'"):
        gym.make("qdesign/ArchSearch-H2-4q-v0", initial_state="neel")
    # two alpha electrons in one spatial orbital: no Hartree-Fock determinant to prepare
    prob = Problem(SparsePauliOp(["II"], [1.0]), 1.0, {}, (2, 0), 1, None)
    with pytest.raises(ValueError, match="initial_state='hartree_fock'"):
        prob.hartree_fock_qubits()
    with pytest.raises(ValueError, match="active_orbitals"):
        build_problem(molecule="H2", active_orbitals=[0, 1])  # needs active_space


def test_active_orbitals_by_index(tmp_path, monkeypatch):
    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path))
    default = build_problem(molecule="LiH", bond_distance=1.6, active_space=[2, 2])
    chosen = build_problem(molecule="LiH", bond_distance=1.6, active_space=[2, 2], active_orbitals=[1, 2])
    other = build_problem(molecule="LiH", bond_distance=1.6, active_space=[2, 2], active_orbitals=[1, 5])
    assert abs(default.ground_energy - chosen.ground_energy) < 1e-9  # HOMO/LUMO = orbitals 1, 2
    assert abs(other.ground_energy - chosen.ground_energy) > 1e-6


def test_beh2_six_qubits():
    prob = build_problem(**PROBLEMS["BeH2-6q"])
    assert prob.num_qubits == 6 and prob.num_particles == (2, 2)
    # exact: the 4-orbital frozen-core problem in JW, diagonalised on its (2, 2) block
    jw = build_problem(molecule="BeH2", bond_distance=1.33, mapping="jordan_wigner", freeze_core=True,
                       remove_orbitals=[3, 4])
    assert abs(jw_sector_energy(jw.hamiltonian, 2, 2) - prob.ground_energy) < 1e-9
    assert gym.make("qdesign/ArchSearch-BeH2-6q-v0").unwrapped.num_qubits == 6


# ------------------------------------------------------------------ effective gate counts
def _without(circ: Circuit, params: np.ndarray, keep: list[bool]):
    out = Circuit(circ.num_qubits)
    angles = []
    for g, k in zip(circ.gates, keep):
        if k:
            out.append(g.name, g.qubits)
            if g.param is not None:
                angles.append(params[g.param])
    return out.to_qiskit(np.asarray(angles))


def test_active_gates_by_hand():
    c = Circuit(3)
    for name, qubits in [("rz", (0,)), ("cx", (0, 1)), ("rx", (0,)), ("rx", (1,)), ("ry", (0,)),
                         ("cx", (0, 2)), ("rz", (0,)), ("x", (1,)), ("cx", (1, 2)), ("rz", (2,))]:
        c.append(name, qubits)
    params = np.array([0.4, 0.0, 2 * np.pi, 0.3, 0.2, 0.5])
    # rz on |0>, cx with |0> control, rx(0), rx(2 pi): nothing; the last rz acts on q2, which
    # CX(0->2) entangled with q0, so it counts even though CX(1->2) has a known |1> control
    active = active_gates(c, params)
    assert active == [False, False, False, False, True, True, True, True, True, True]
    d = Circuit(2)
    for name, qubits in [("x", (0,)), ("cx", (0, 1)), ("rz", (1,)), ("cx", (1, 0))]:
        d.append(name, qubits)
    assert active_gates(d, np.array([0.7])) == [True, True, False, True]
    assert active_gates(d, None) == [True, True, False, True]


def test_dropping_inactive_gates_keeps_the_state():
    rng = np.random.default_rng(4)
    for _ in range(20):
        c = Circuit(3)
        for _ in range(12):
            if rng.random() < 0.4:
                a, b = rng.choice(3, 2, replace=False)
                c.append("cx", (int(a), int(b)))
            else:
                c.append(str(rng.choice(["rx", "ry", "rz"])), (int(rng.integers(3)),))
        params = np.where(rng.random(c.num_parameters) < 0.4, 0.0, rng.uniform(-3, 3, c.num_parameters))
        keep = active_gates(c, params)
        assert Statevector(c.to_qiskit(params)).equiv(Statevector(_without(c, params, keep)))


def test_env_reports_effective_counts():
    env = gym.make("qdesign/ArchSearch-H2-4q-v0", halting="off").unwrapped
    env.reset(seed=0)
    cx01 = next(i for i, a in enumerate(env.table) if a.name == "cx" and a.qubits == (0, 1))
    _, _, _, _, info = env.step(cx01)  # control |0>: does nothing
    assert info["n_cnots"] == 1 and info["n_cnots_effective"] == 0 and info["n_gates_effective"] == 0


def test_hartree_fock_env_passes_check_env_and_pickles():
    import pickle

    from gymnasium.utils.env_checker import check_env

    env = gym.make("qdesign/ArchSearch-LiH4-v0", initial_state="hartree_fock", max_gates=6)
    check_env(env.unwrapped, skip_render_check=True)
    clone = pickle.loads(pickle.dumps(env.unwrapped))
    a, _ = env.unwrapped.reset(seed=3)
    b, _ = clone.reset(seed=3)
    assert np.array_equal(a, b) and clone.initial_state == "hartree_fock"


@pytest.mark.slow
def test_sixteen_qubit_ground_energy_matches_pyscf_casci(tmp_path, monkeypatch):
    """N2 frozen core, 10 electrons in 8 orbitals (16 JW qubits): the sparse sector eigensolver
    against PySCF's CASCI (about 15 s to build; it took minutes with dense diagonalisation)."""
    from pyscf import gto, mcscf, scf

    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path))
    prob = build_problem(molecule=None, atoms="N 0 0 0; N 0 0 1.0977", mapping="jordan_wigner",
                         freeze_core=True)
    mf = scf.RHF(gto.M(atom="N 0 0 0; N 0 0 1.0977", basis="sto3g", verbose=0)).run()
    assert prob.num_qubits == 16 and prob.num_particles == (5, 5)
    assert abs(prob.ground_energy - mcscf.CASCI(mf, 8, 10).kernel()[0]) < 1e-8
