"""Finite gate sets for compilation: built-ins (Clifford+T, {H,T}, HRC6/3, two-qubit Clifford+T+CX) and
user lists of qiskit gate names or named matrices.

A gate set is a list of *actions*; each action is one gate on fixed qubits, with its full
``2^n x 2^n`` matrix in qiskit's little-endian order, its qiskit name and qubits, and the index of
its inverse action (up to phase) if the set holds one (used to mask immediate inverses).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from qdesign.quantum.gates import CX, FIXED_GATES
from qdesign.quantum.unitary import as_unitary, phase_invariant_distance, unitary_key

_R5 = 1 / np.sqrt(5)
#: Harrow-Recht-Chuang V gates (det 1), as in Chen et al.'s and Moro et al.'s code
HRC: dict[str, np.ndarray] = {
    "v1": _R5 * np.array([[1, 2j], [2j, 1]], dtype=complex),
    "v2": _R5 * np.array([[1, 2], [-2, 1]], dtype=complex),
    "v3": _R5 * np.array([[1 + 2j, 0], [0, 1 - 2j]], dtype=complex),
}
HRC.update({f"{k}dg": v.conj().T for k, v in list(HRC.items())})

BUILTIN_GATE_SETS: dict[str, tuple[tuple[str, ...], int]] = {
    "clifford_t": (("h", "s", "sdg", "t", "tdg"), 1),
    "ht": (("h", "t"), 1),
    "hrc6": (("v1", "v2", "v3", "v1dg", "v2dg", "v3dg"), 1),
    "hrc3": (("v1", "v2", "v3"), 1),
    "clifford_t_2q": (("h", "s", "sdg", "t", "tdg", "cx"), 2),
}
#: 1-qubit gates a user may name (qiskit names) besides the HRC ones
KNOWN_1Q = {k: v for k, v in FIXED_GATES.items() if k != "cx"} | HRC


@dataclass
class GateSet:
    """Actions of one gate set on ``num_qubits`` qubits."""

    name: str
    num_qubits: int
    labels: list[str]  # e.g. "t q0", "cx q1,q0"
    gate_names: list[str]  # qiskit names
    qubits: list[tuple[int, ...]]
    matrices: np.ndarray  # (n_actions, d, d) complex
    base: dict[str, np.ndarray] = field(default_factory=dict)  # gate name -> small matrix
    inverse: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # -1 if none

    @property
    def n_actions(self) -> int:
        """Number of gates, i.e. the size of a compilation env's action space."""
        return len(self.labels)

    @property
    def dim(self) -> int:
        """Matrix dimension 2^num_qubits."""
        return 2**self.num_qubits

    @property
    def inverse_closed(self) -> bool:
        """True when every gate's inverse is also in the set (needed to undo a move or search backwards)."""
        return bool(np.all(self.inverse >= 0))

    def word_unitary(self, word: list[int] | np.ndarray) -> np.ndarray:
        """Matrix of the circuit that applies ``word[0]`` first."""
        u = np.eye(self.dim, dtype=complex)
        for a in word:
            u = self.matrices[int(a)] @ u
        return u

    def to_circuit(self, word: list[int] | np.ndarray) -> Any:
        """A ``qiskit.QuantumCircuit`` with standard gate names (custom gates keep their names)."""
        from qiskit import QuantumCircuit

        qc = QuantumCircuit(self.num_qubits)
        for a in word:
            a = int(a)
            name, qubits = self.gate_names[a], list(self.qubits[a])
            if name in FIXED_GATES and name != "id":
                getattr(qc, name)(*qubits)
            else:
                qc.append(_named_unitary_gate(name, self.base[name]), qubits)
        return qc


def _named_unitary_gate(name: str, matrix: np.ndarray) -> Any:
    """A qiskit ``UnitaryGate`` that carries the user's gate name (``Operator`` still reads its matrix)."""
    from qiskit.circuit.library import UnitaryGate

    gate = UnitaryGate(matrix, label=name)
    gate.name = name
    return gate


def _embed(u: np.ndarray, qubit: int, n: int) -> np.ndarray:
    """1-qubit matrix on ``qubit`` of ``n`` (little-endian: qubit 0 is the rightmost factor)."""
    out = np.eye(1, dtype=complex)
    for q in reversed(range(n)):
        out = np.kron(out, u if q == qubit else np.eye(2))
    return out


def _inverse_table(mats: np.ndarray) -> np.ndarray:
    n = len(mats)
    inv = -np.ones(n, dtype=np.int64)
    d = mats.shape[-1]
    for i in range(n):
        for j in range(n):
            if phase_invariant_distance(mats[i] @ mats[j], np.eye(d)) < 1e-6:
                inv[i] = j
                break
    return inv


def _parse_matrix(name: str, m: Any) -> np.ndarray:
    arr = np.asarray(m)
    if arr.dtype != complex and arr.ndim == 3 and arr.shape[-1] == 2:  # JSON-safe [re, im] pairs
        arr = arr[..., 0] + 1j * arr[..., 1]
    return as_unitary(arr, name=f"gate_set[{name!r}]", dim=2, atol=1e-6)


def build_gate_set(spec: str | list | tuple | dict | GateSet, num_qubits: int | None = None) -> GateSet:
    """Build a gate set from a built-in name, a list of gate names/matrices or a ``{name: matrix}`` dict.

    Matrices are 2x2 (complex arrays, or nested ``[re, im]`` pairs so env kwargs stay JSON-safe). A set
    containing ``cx`` or ``num_qubits=2`` is two-qubit: each 1-qubit gate on both qubits plus
    ``cx`` in both directions.
    """
    if isinstance(spec, GateSet):
        return spec
    if isinstance(spec, str):
        if spec not in BUILTIN_GATE_SETS:
            raise ValueError(
                f"gate_set must be one of {sorted(BUILTIN_GATE_SETS)} or a list of gate names/matrices, "
                f"got {spec!r}"
            )
        names, nq = BUILTIN_GATE_SETS[spec]
        return _cached_builtin(spec, names, nq if num_qubits is None else num_qubits)
    base: dict[str, np.ndarray] = {}
    if isinstance(spec, dict):
        items = list(spec.items())
    elif isinstance(spec, (list, tuple)):
        items = []
        for i, g in enumerate(spec):
            items.append((g, None) if isinstance(g, str) else (f"g{i}", g))
    else:
        raise ValueError(f"gate_set must be a name, a list or a dict, got {type(spec).__name__}")
    if not items:
        raise ValueError("gate_set must hold at least one gate, got an empty list")
    use_cx = False
    for name, m in items:
        if not isinstance(name, str):
            raise ValueError(f"gate_set: gate names must be strings, got {name!r}")
        if m is None:
            if name == "cx":
                use_cx = True
                continue
            if name not in KNOWN_1Q:
                raise ValueError(
                    f"gate_set: unknown gate name {name!r}; known names: {sorted(KNOWN_1Q) + ['cx']} "
                    "(or give a matrix)"
                )
            base[name] = KNOWN_1Q[name]
        else:
            base[name] = _parse_matrix(name, m)
    nq = num_qubits if num_qubits is not None else (2 if use_cx else 1)
    if nq not in (1, 2):
        raise ValueError(f"num_qubits must be 1 or 2, got {nq}")
    label = "custom:" + ",".join(n for n, _ in items)
    return _assemble(label, base, nq, use_cx or nq == 2)


@cache
def _cached_builtin(name: str, names: tuple[str, ...], nq: int) -> GateSet:
    base = {n: KNOWN_1Q[n] for n in names if n != "cx"}
    return _assemble(name, base, nq, "cx" in names)


def _assemble(name: str, base: dict[str, np.ndarray], nq: int, use_cx: bool) -> GateSet:
    labels, gnames, qubits, mats = [], [], [], []
    for q in range(nq):
        for g, m in base.items():
            labels.append(g if nq == 1 else f"{g} q{q}")
            gnames.append(g)
            qubits.append((q,))
            mats.append(_embed(m, q, nq))
    if use_cx and nq == 2:
        swap = np.eye(4)[[0, 2, 1, 3]]
        for ctrl, tgt, m in ((0, 1, CX), (1, 0, swap @ CX @ swap)):
            labels.append(f"cx q{ctrl},q{tgt}")
            gnames.append("cx")
            qubits.append((ctrl, tgt))
            mats.append(m)
    arr = np.array(mats, dtype=complex)
    if len({unitary_key(m) for m in arr}) < len(arr):
        warnings.warn(f"gate set {name!r} holds gates equal up to global phase", stacklevel=3)
    return GateSet(name, nq, labels, gnames, qubits, arr, dict(base), _inverse_table(arr))


def group_is_finite(gs: GateSet, max_depth: int = 10, limit: int = 20000) -> bool:
    """True if breadth-first closure saturates (the set generates a finite group: not universal)."""
    seen = {unitary_key(np.eye(gs.dim))}
    frontier = [np.eye(gs.dim, dtype=complex)]
    for _ in range(max_depth):
        new = []
        for u in frontier:
            for m in gs.matrices:
                v = m @ u
                k = unitary_key(v, decimals=6)
                if k not in seen:
                    seen.add(k)
                    new.append(v)
        if not new:
            return True
        if len(seen) > limit:
            return False
        frontier = new
    return False


def warn_if_not_universal(gs: GateSet) -> bool:
    """Warn (``UserWarning``) when the set only generates a finite group; returns True if it does."""
    if gs.name in BUILTIN_GATE_SETS:
        return False
    if group_is_finite(gs):
        warnings.warn(
            f"gate set {gs.name!r} generates a finite group: it is not universal and cannot reach "
            "arbitrary targets at small epsilon", UserWarning, stacklevel=3,
        )
        return True
    return False
