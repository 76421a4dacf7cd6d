"""Registered ids of the architecture-search family (plain data: import-cheap)."""

from __future__ import annotations

from qdesign.envs.entries import EnvEntry

ENTRY_POINT = "qdesign.envs.arch_search.env:ArchSearchEnv"

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
    # 4 electrons in 4 orbitals around the gap; the reference's H2O file (E0 -73.294 Ha in arXiv:2402.13754)
    # could not be reproduced from its stated geometry, so this E0 (-74.9723 Ha) differs from it
    "H2O-8q": {"molecule": "H2O", "mapping": "jordan_wigner", "active_space": [4, 4]},
}

#: CRLQAS-like noise used by the noisy presets (depolarizing 1q 1e-3, 2q 5e-3, shots)
DEPOLARIZING_NOISE = {"depolarizing_1q": 1e-3, "depolarizing_2q": 5e-3, "shots": 10_000}

#: noiseless presets re-optimise all angles with L-BFGS on exact parameter-shift gradients (the
#: reference used COBYLA, available as optimizer="cobyla"; scipy's COBYLA is pure Python and slow)
_NOISELESS_OPT = {"optimizer": "lbfgs", "optimizer_kwargs": {"maxiter": 200}}


#: ``ArchSearchEnv``'s own episode limit: ``max_gates`` (40 unless a preset sets it)
LIMIT_KWARG, DEFAULT_MAX_GATES = "max_gates", 40


def _entry(name: str, problem: str, description: str, **extra) -> EnvEntry:
    kwargs = {**PROBLEMS[problem], **_NOISELESS_OPT, **extra}
    return EnvEntry(name=name, entry_point=ENTRY_POINT, description=description, kwargs=kwargs,
                    max_episode_steps=kwargs.get(LIMIT_KWARG, DEFAULT_MAX_GATES), limit_kwarg=LIMIT_KWARG)


ENTRIES: list[EnvEntry] = [
    EnvEntry(name="ArchSearch", entry_point=ENTRY_POINT,
             description="CRLQAS architecture search for VQE on any molecule (build_problem kwargs)",
             kwargs=dict(_NOISELESS_OPT), max_episode_steps=DEFAULT_MAX_GATES, limit_kwarg=LIMIT_KWARG),
    # (problem kwargs default to H2 0.7414 A (JW) in the env)
    _entry("ArchSearch-H2-2q", "H2-2q", "H2 0.7414 A, 2 qubits (parity, two-qubit reduction)"),
    _entry("ArchSearch-H2-3q", "H2-3q", "H2 0.7414 A, 3 qubits (parity, total-parity qubit removed)"),
    _entry("ArchSearch-H2-4q", "H2-4q", "H2 0.7414 A, 4 qubits (Jordan-Wigner)"),
    _entry("ArchSearch-LiH4", "LiH-4q-3.4", "LiH 3.4 A, 4 qubits (frozen core, parity reduction)"),
    _entry("ArchSearch-LiH4-2.2", "LiH-4q-2.2", "LiH 2.2 A, 4 qubits (frozen core, parity reduction)"),
    _entry("ArchSearch-LiH6", "LiH-6q", "LiH 2.2 A, 6 qubits (frozen core, Jordan-Wigner)", max_gates=70),
    _entry("ArchSearch-H2O8", "H2O-8q", "H2O, 8 qubits (4 electrons in 4 orbitals, Jordan-Wigner)",
           max_gates=250),
    _entry("ArchSearch-H2-4q-Noisy", "H2-4q", "H2 4 qubits, depolarizing 1e-3/5e-3 and 1e4 shots",
           noise=DEPOLARIZING_NOISE, halting="crlqas_noisy",
           optimizer="adam_spsa", optimizer_kwargs={"maxfev": 200, "a": 1.0, "c": 0.1}),
]
