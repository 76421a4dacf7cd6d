"""Molecular VQE problems: PySCF integrals mapped to qubits with qiskit-nature, cached on disk.

A :class:`Problem` is a qubit Hamiltonian whose identity term carries the nuclear repulsion and the
frozen-core / inactive energy, so expectation values are total energies, plus its exact ground
energy. Building one needs PySCF the first time only: results are cached as JSON under
``$QDESIGN_CACHE/hamiltonians`` (default ``~/.cache/qdesign``), and the presets' Hamiltonians ship
as package data so environments build in milliseconds without PySCF.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from qdesign.envs.arch_search.presets import PROBLEMS
from qdesign.plugins import import_extra

#: molecule name -> (atom template with {d} = bond distance in Angstrom, default bond distance)
MOLECULES: dict[str, tuple[str, float]] = {
    "H2": ("H 0 0 0; H 0 0 {d}", 0.7414),
    "LiH": ("Li 0 0 0; H 0 0 {d}", 2.2),
    "BeH2": ("Be 0 0 0; H 0 0 -{d}; H 0 0 {d}", 1.33),
    "H2O": ("H -0.021 -0.002 0; O 0.835 0.452 0; H 1.477 -0.273 0", 0.0),
}
MAPPINGS = ("jordan_wigner", "parity", "bravyi_kitaev")
DATA_DIR = Path(__file__).parent / "data"
CACHE_VERSION = 1


@dataclass
class Problem:
    """A qubit Hamiltonian (total energy) with its exact ground energy."""

    hamiltonian: SparsePauliOp
    ground_energy: float
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def num_qubits(self) -> int:
        return int(self.hamiltonian.num_qubits)

    @property
    def lower_bound(self) -> float:
        """mu = shift - sum |c_j| over non-identity terms: a cheap lower bound on E0 (CRLQAS)."""
        labels = self.hamiltonian.paulis.to_labels()
        coeffs = np.real(self.hamiltonian.coeffs)
        shift = float(sum(c for lab, c in zip(labels, coeffs) if set(lab) == {"I"}))
        return shift - float(sum(abs(c) for lab, c in zip(labels, coeffs) if set(lab) != {"I"}))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": CACHE_VERSION,
            "spec": self.spec,
            "num_qubits": self.num_qubits,
            "ground_energy": self.ground_energy,
            "paulis": self.hamiltonian.paulis.to_labels(),
            "coeffs": [float(c) for c in np.real(self.hamiltonian.coeffs)],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Problem:
        ham = SparsePauliOp(data["paulis"], np.asarray(data["coeffs"], dtype=complex))
        return cls(ham, float(data["ground_energy"]), dict(data["spec"]))


def _err(arg: str, value: Any, allowed: str) -> ValueError:
    return ValueError(f"{arg}={value!r} is invalid; allowed: {allowed}")


def normalize_spec(molecule: str | None = "H2", bond_distance: float | None = None,
                   mapping: str = "jordan_wigner", basis: str = "sto3g", charge: int = 0, spin: int = 0,
                   active_space: list[int] | tuple[int, ...] | None = None,
                   freeze_core: bool = False, remove_orbitals: list[int] | None = None,
                   reduction: int | None = None, atoms: str | None = None) -> dict[str, Any]:
    """Validate the arguments and return the canonical JSON spec (the cache key)."""
    if atoms is None:
        if molecule not in MOLECULES:
            raise _err("molecule", molecule, f"one of {sorted(MOLECULES)} or pass atoms='El x y z; ...'")
        template, default_d = MOLECULES[molecule]
        d = default_d if bond_distance is None else float(bond_distance)
        if "{d}" in template and not d > 0:
            raise _err("bond_distance", bond_distance, "a positive distance in Angstrom")
        atoms = template.format(d=repr(d)) if "{d}" in template else template
        bond = d if "{d}" in template else None
    else:
        if not isinstance(atoms, str) or not atoms.strip():
            raise _err("atoms", atoms, "a PySCF atom string such as 'H 0 0 0; H 0 0 0.74'")
        bond = None
    if mapping not in MAPPINGS:
        raise _err("mapping", mapping, f"one of {MAPPINGS}")
    if reduction is None:
        reduction = 2 if mapping == "parity" else 0
    if reduction not in (0, 1, 2) or (reduction and mapping != "parity"):
        raise _err("reduction", reduction,
                   "0 for any mapping; 1 (total-parity qubit) or 2 (two-qubit reduction) with "
                   "mapping='parity'")
    if active_space is not None:
        if (not isinstance(active_space, (list, tuple)) or len(active_space) != 2
                or not all(isinstance(x, int) and x > 0 for x in active_space)):
            raise _err("active_space", active_space, "[num_active_electrons, num_active_spatial_orbitals]")
        active_space = [int(active_space[0]), int(active_space[1])]
    if remove_orbitals is not None:
        remove_orbitals = [int(x) for x in remove_orbitals]
    if not isinstance(basis, str) or not basis:
        raise _err("basis", basis, "a PySCF basis name such as 'sto3g' or '631g'")
    return {
        "atoms": atoms, "molecule": molecule if bond is not None or molecule in MOLECULES else None,
        "bond_distance": bond, "basis": basis.lower(), "charge": int(charge), "spin": int(spin),
        "mapping": mapping, "reduction": int(reduction), "active_space": active_space,
        "freeze_core": bool(freeze_core), "remove_orbitals": remove_orbitals,
    }


def spec_hash(spec: dict[str, Any]) -> str:
    payload = json.dumps({k: spec[k] for k in sorted(spec) if k != "molecule"}, sort_keys=True)
    return hashlib.sha256(f"v{CACHE_VERSION}:{payload}".encode()).hexdigest()[:20]


def cache_dir() -> Path:
    root = os.environ.get("QDESIGN_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "qdesign")
    return Path(root) / "hamiltonians"


def exact_ground_energy(hamiltonian: SparsePauliOp) -> float:
    """Lowest eigenvalue by dense (<= 10 qubits) or sparse Lanczos diagonalisation."""
    if hamiltonian.num_qubits <= 10:
        return float(np.linalg.eigvalsh(hamiltonian.to_matrix())[0])
    from scipy.sparse.linalg import eigsh

    return float(eigsh(hamiltonian.to_matrix(sparse=True), k=1, which="SA")[0][0])


def _reduce_parity(op: SparsePauliOp, num_alpha: int, num_beta: int, num_spatial: int,
                   reduction: int) -> SparsePauliOp:
    """Drop the parity qubits that hold conserved quantities (total, and alpha-spin, parity).

    In the parity encoding qubit N-1 holds the total particle-number parity and qubit N/2-1 the
    parity of the alpha block; a number-conserving Hamiltonian acts on them only with I or Z, so
    each such Z is replaced by its eigenvalue and the qubit removed.
    """
    n = op.num_qubits
    fixed = {n - 1: (-1) ** (num_alpha + num_beta)}
    if reduction == 2:
        fixed[num_spatial - 1] = (-1) ** num_alpha
    keep = [q for q in range(n) if q not in fixed]
    labels, coeffs = [], []
    for label, c in zip(op.paulis.to_labels(), op.coeffs):
        chars = label[::-1]  # chars[q] = Pauli on qubit q
        sign = 1
        for q, eig in fixed.items():
            if chars[q] in "XY":
                raise RuntimeError("parity reduction failed: a symmetry qubit carries X/Y")
            if chars[q] == "Z":
                sign *= eig
        labels.append("".join(chars[q] for q in keep)[::-1])
        coeffs.append(sign * c)
    return SparsePauliOp(labels, np.asarray(coeffs)).simplify(atol=1e-12)


def compute_problem(spec: dict[str, Any]) -> Problem:
    """Run PySCF + qiskit-nature for a canonical spec (slow: seconds)."""
    for module in ("pyscf", "qiskit_nature"):  # the [chem] extra; shipped Hamiltonians need neither
        import_extra(module, f"building the Hamiltonian of {spec.get('atoms')!r} (not shipped with qdesign)")
    from qiskit_nature.second_q.drivers import PySCFDriver
    from qiskit_nature.second_q.mappers import BravyiKitaevMapper, JordanWignerMapper, ParityMapper
    from qiskit_nature.second_q.transformers import ActiveSpaceTransformer, FreezeCoreTransformer

    try:
        driver = PySCFDriver(atom=spec["atoms"], basis=spec["basis"], charge=spec["charge"],
                             spin=spec["spin"])
        problem = driver.run()
    except Exception as err:  # PySCF raises many types for bad input
        raise ValueError(f"PySCF could not build atoms={spec['atoms']!r} basis={spec['basis']!r} "
                         f"charge={spec['charge']} spin={spec['spin']}: {err}") from err
    if spec["freeze_core"] or spec["remove_orbitals"]:
        n_orb = problem.num_spatial_orbitals
        remove = [r % n_orb for r in spec["remove_orbitals"] or []]
        if any(not -n_orb <= r < n_orb for r in spec["remove_orbitals"] or []):
            raise _err("remove_orbitals", spec["remove_orbitals"], f"orbital indices in [-{n_orb}, {n_orb})")
        problem = FreezeCoreTransformer(spec["freeze_core"], remove or None).transform(problem)
    if spec["active_space"] is not None:
        n_el, n_orb = spec["active_space"]
        if n_orb > problem.num_spatial_orbitals or n_el > sum(problem.num_particles) or n_el > 2 * n_orb:
            raise _err("active_space", spec["active_space"],
                       f"at most {sum(problem.num_particles)} electrons in at most "
                       f"{problem.num_spatial_orbitals} spatial orbitals (and electrons <= 2*orbitals)")
        problem = ActiveSpaceTransformer(n_el, n_orb).transform(problem)
    op = problem.hamiltonian.second_q_op()
    mapper = {"jordan_wigner": JordanWignerMapper, "parity": ParityMapper,
              "bravyi_kitaev": BravyiKitaevMapper}[spec["mapping"]]()
    qop = mapper.map(op)
    if spec["reduction"]:
        na, nb = problem.num_particles
        qop = _reduce_parity(qop, na, nb, problem.num_spatial_orbitals, spec["reduction"])
    constant = float(sum(problem.hamiltonian.constants.values()))
    qop = (qop + SparsePauliOp("I" * qop.num_qubits, constant)).simplify(atol=1e-12)
    qop = SparsePauliOp(qop.paulis, np.real(qop.coeffs).astype(complex))
    # ground energy within the molecule's particle sector (JW/BK span all sectors: use the mapped
    # number operator to restrict when the full spectrum dips below the physical sector)
    ground = _sector_ground_energy(qop, problem, mapper, spec)
    return Problem(qop, ground, dict(spec))


def _sector_ground_energy(qop: SparsePauliOp, problem: Any, mapper: Any, spec: dict[str, Any]) -> float:
    if spec["reduction"] == 2:
        return exact_ground_energy(qop)
    ham = qop.to_matrix(sparse=qop.num_qubits > 10)
    props = problem.properties.particle_number.second_q_ops()
    num_op = mapper.map(props["ParticleNumber"])
    if spec["reduction"] == 1:
        na, nb = problem.num_particles
        num_op = _reduce_parity(num_op, na, nb, problem.num_spatial_orbitals, 1)
    diag = np.real(num_op.to_matrix(sparse=True).diagonal()) if spec["mapping"] == "jordan_wigner" else None
    target = sum(problem.num_particles)
    if diag is not None:  # JW: number operator diagonal in the computational basis
        idx = np.flatnonzero(np.abs(diag - target) < 1e-9)
        sub = ham[np.ix_(idx, idx)] if not hasattr(ham, "tocsr") else ham.tocsr()[idx][:, idx].toarray()
        return float(np.linalg.eigvalsh(sub)[0])
    dense = ham.toarray() if hasattr(ham, "toarray") else ham
    vals, vecs = np.linalg.eigh(dense)
    nmat = num_op.to_matrix()
    for k in range(len(vals)):
        v = vecs[:, k]
        if abs(np.real(np.vdot(v, nmat @ v)) - target) < 1e-6:
            return float(vals[k])
    raise RuntimeError("no eigenstate in the physical particle sector")


def _preset_file(h: str) -> Path:
    return DATA_DIR / f"{h}.json"


def build_problem(molecule: str | None = "H2", bond_distance: float | None = None,
                  mapping: str = "jordan_wigner", basis: str = "sto3g", charge: int = 0, spin: int = 0,
                  active_space: list[int] | None = None, freeze_core: bool = False,
                  remove_orbitals: list[int] | None = None, reduction: int | None = None,
                  atoms: str | None = None, use_cache: bool = True) -> Problem:
    """A molecular qubit Hamiltonian with its exact ground energy (cached on disk).

    ``mapping`` is ``jordan_wigner``, ``parity`` (``reduction=2``: two-qubit reduction, the
    default; 1: drop the total-parity qubit only; 0: none) or ``bravyi_kitaev``. ``freeze_core``
    and ``remove_orbitals`` act before ``active_space=[electrons, orbitals]``.
    """
    spec = normalize_spec(molecule, bond_distance, mapping, basis, charge, spin, active_space,
                          freeze_core, remove_orbitals, reduction, atoms)
    h = spec_hash(spec)
    for path in (_preset_file(h), cache_dir() / f"{h}.json"):
        if use_cache and path.is_file():
            try:
                return Problem.from_json(json.loads(path.read_text()))
            except (OSError, ValueError, KeyError):
                pass
    prob = compute_problem(spec)
    if use_cache:
        try:
            target = cache_dir()
            target.mkdir(parents=True, exist_ok=True)
            tmp = target / f".{h}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(prob.to_json()))
            tmp.replace(target / f"{h}.json")
        except OSError:
            pass
    return prob


#: named problems used by the presets (build_problem kwargs), kept in the import-cheap presets module
PROBLEM_PRESETS = PROBLEMS


def write_preset_data() -> dict[str, float]:
    """(Maintainers) recompute the presets and store them as package data."""
    DATA_DIR.mkdir(exist_ok=True)
    out = {}
    for name, kw in PROBLEM_PRESETS.items():
        spec = normalize_spec(**kw)
        prob = compute_problem(spec)
        data = prob.to_json()
        data["preset"] = name
        _preset_file(spec_hash(spec)).write_text(json.dumps(data, indent=0))
        out[name] = prob.ground_energy
    return out


if __name__ == "__main__":
    for k, v in write_preset_data().items():
        print(f"{k:12s} {v:.8f}")
