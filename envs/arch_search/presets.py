"""Registered ids of the architecture-search family (plain data: import-cheap)."""

from __future__ import annotations

from qdesign.envs.entries import EnvEntry

ENTRY_POINT = "qdesign.envs.arch_search.env:ArchSearchEnv"
#: every id also builds N episodes as one batched VectorEnv (``gym.make_vec(..., num_envs=N)``)
VECTOR_ENTRY_POINT = "qdesign.envs.arch_search.vector:ArchSearchVectorEnv"

#: named molecular problems (``build_problem`` kwargs); their Hamiltonians ship as package data
PROBLEMS: dict[str, dict] = {
    "H2-2q": {"molecule": "H2", "bond_distance": 0.7414, "mapping": "parity", "reduction": 2},
    "H2-3q": {"molecule": "H2", "bond_distance": 0.7414, "mapping": "parity", "reduction": 1},
    "H2-4q": {"molecule": "H2", "bond_distance": 0.7414, "mapping": "jordan_wigner"},
    "LiH-4q-2.2": {"molecule": "LiH", "bond_distance": 2.2, "mapping": "parity", "freeze_core": True,
                   "remove_orbitals": [-3, -2]},
    "LiH-4q-3.4": {"molecule": "LiH", "bond_distance": 3.4, "mapping": "parity", "freeze_core": True,
                   "remove_orbitals": [-3, -2]},
    "LiH-6q": {"molecule": "LiH", "bond_distance": 2.2, "mapping": "jordan_wigner", "freeze_core": True,
               "remove_orbitals": [-3, -2]},
    # CRLQAS's H2O (arXiv:2402.03500 Table 1): its coordinates read as Bohr, STO-3G, 4 electrons in
    # 4 orbitals, Jordan-Wigner: 193 terms, E0 -73.2941067 Ha, lower bound mu -77.891067 Ha
    "H2O-8q": {"molecule": "H2O", "unit": "bohr", "mapping": "jordan_wigner", "active_space": [4, 4]},
    # the same coordinates read as Angstrom (E0 -74.9723 Ha): the family's H2O before issue 13
    "H2O-8q-angstrom": {"molecule": "H2O", "unit": "angstrom", "mapping": "jordan_wigner",
                        "active_space": [4, 4]},
    # BeH2 at BenchRL-QAS's 1.33 A (arXiv:2507.12189), 6 qubits the way Kandala et al. reduce it
    # (arXiv:1704.05018): Be 1s frozen, the two non-bonding Be 2p (pi) orbitals removed, parity
    # mapping with the two-qubit reduction
    "BeH2-6q": {"molecule": "BeH2", "bond_distance": 1.33, "mapping": "parity", "freeze_core": True,
                "remove_orbitals": [3, 4]},
}

#: CRLQAS-like noise used by the noisy presets (depolarizing 1q 1e-3, 2q 5e-3, shots)
DEPOLARIZING_NOISE = {"depolarizing_1q": 1e-3, "depolarizing_2q": 5e-3, "shots": 10_000}

#: noiseless presets re-optimise all angles by BFGS on exact adjoint gradients, the loop compiled,
#: from the previous optimum plus one perturbed start (keeping the better): ~11-20x the env steps/s
#: of scipy BFGS on parameter-shift gradients ("lbfgs"), same or lower energies on the same
#: episodes (experiments/bench/arch_search_inner_loop.py); the reference's COBYLA stays available
_NOISELESS_OPT = {"optimizer": "adjoint_bfgs", "optimizer_kwargs": {"maxiter": 200, "restarts": 1}}


#: ``ArchSearchEnv``'s own episode limit: ``max_gates`` (40 unless a preset sets it)
LIMIT_KWARG, DEFAULT_MAX_GATES = "max_gates", 40


def _entry(name: str, problem: str, description: str, **extra) -> EnvEntry:
    kwargs = {**PROBLEMS[problem], **_NOISELESS_OPT, **extra}
    return EnvEntry(name=name, entry_point=ENTRY_POINT, description=description, kwargs=kwargs,
                    max_episode_steps=kwargs.get(LIMIT_KWARG, DEFAULT_MAX_GATES), limit_kwarg=LIMIT_KWARG,
                    vector_entry_point=VECTOR_ENTRY_POINT)


ENTRIES: list[EnvEntry] = [
    EnvEntry(name="ArchSearch", entry_point=ENTRY_POINT,
             description="CRLQAS architecture search for VQE on any molecule (build_problem kwargs)",
             kwargs=dict(_NOISELESS_OPT), max_episode_steps=DEFAULT_MAX_GATES, limit_kwarg=LIMIT_KWARG,
             vector_entry_point=VECTOR_ENTRY_POINT),
    # (problem kwargs default to H2 0.7414 A (JW) in the env)
    _entry("ArchSearch-H2-2q", "H2-2q", "H2 0.7414 A, 2 qubits (parity, two-qubit reduction)"),
    _entry("ArchSearch-H2-3q", "H2-3q", "H2 0.7414 A, 3 qubits (parity, total-parity qubit removed)"),
    _entry("ArchSearch-H2-4q", "H2-4q", "H2 0.7414 A, 4 qubits (Jordan-Wigner)"),
    _entry("ArchSearch-LiH4", "LiH-4q-3.4", "LiH 3.4 A, 4 qubits (frozen core, parity reduction)"),
    _entry("ArchSearch-LiH4-2.2", "LiH-4q-2.2", "LiH 2.2 A, 4 qubits (frozen core, parity reduction)"),
    _entry("ArchSearch-LiH6", "LiH-6q", "LiH 2.2 A, 6 qubits (frozen core, Jordan-Wigner)", max_gates=70),
    _entry("ArchSearch-H2O8", "H2O-8q", "H2O, 8 qubits: CRLQAS's Hamiltonian (coordinates in Bohr, "
           "4 electrons in 4 orbitals, Jordan-Wigner, E0 -73.2941067 Ha)", max_gates=250),
    _entry("ArchSearch-H2O8-Angstrom", "H2O-8q-angstrom", "H2O, 8 qubits, CRLQAS's coordinates read as "
           "Angstrom (not the paper's Hamiltonian; E0 -74.9723 Ha)", max_gates=250),
    _entry("ArchSearch-BeH2-6q", "BeH2-6q", "BeH2 1.33 A, 6 qubits (frozen core, pi orbitals removed, "
           "parity two-qubit reduction)", max_gates=70),
    _entry("ArchSearch-H2-4q-Noisy", "H2-4q", "H2 4 qubits, depolarizing 1e-3/5e-3 and 1e4 shots",
           noise=DEPOLARIZING_NOISE, halting="crlqas_noisy",
           optimizer="adam_spsa", optimizer_kwargs={"maxfev": 200, "a": 1.0, "c": 0.1}),
]
