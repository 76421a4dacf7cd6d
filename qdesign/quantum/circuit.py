"""A light gate-list circuit: what the environments build and simulators consume.

Parametrised gates refer to an index of an external parameter vector, so one circuit structure
can be evaluated for a whole batch of angle vectors at once (the SPSA perturbations).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from qdesign.quantum.gates import FIXED_GATES, ROTATIONS, num_qubits_of


@dataclass(frozen=True)
class Gate:
    """A gate by qiskit name on ``qubits``; ``param`` indexes the angle vector for rotations."""

    name: str
    qubits: tuple[int, ...]
    param: int | None = None


@dataclass
class Circuit:
    """An ordered gate list on ``num_qubits`` qubits (qiskit qubit order)."""

    num_qubits: int
    gates: list[Gate] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.num_qubits < 1:
            raise ValueError(f"num_qubits must be >= 1, got {self.num_qubits}")

    def __len__(self) -> int:
        return len(self.gates)

    def __iter__(self) -> Iterator[Gate]:
        return iter(self.gates)

    @property
    def num_parameters(self) -> int:
        """Number of parametrised (rotation) gates, i.e. the length of a parameter vector."""
        return sum(g.param is not None for g in self.gates)

    def append(self, name: str, qubits: Sequence[int]) -> Gate:
        """Append a gate; rotations get the next free parameter index."""
        qubits = tuple(int(q) for q in qubits)
        if name not in FIXED_GATES and name not in ROTATIONS:
            raise ValueError(f"unknown gate {name!r}; known: {sorted(FIXED_GATES) + list(ROTATIONS)}")
        if len(qubits) != num_qubits_of(name) or len(set(qubits)) != len(qubits):
            raise ValueError(f"gate {name!r} needs {num_qubits_of(name)} distinct qubits, got {qubits}")
        if any(q < 0 or q >= self.num_qubits for q in qubits):
            raise ValueError(f"qubits {qubits} out of range for {self.num_qubits} qubits")
        gate = Gate(name, qubits, self.num_parameters if name in ROTATIONS else None)
        self.gates.append(gate)
        return gate

    def copy(self) -> Circuit:
        """A new circuit with the same (immutable) gates, so appending to it leaves this one alone."""
        return Circuit(self.num_qubits, list(self.gates))

    def counts(self) -> dict[str, int]:
        """Gate counts by name."""
        return dict(Counter(g.name for g in self.gates))

    def depth(self) -> int:
        """Circuit depth: the longest chain of gates that share qubits."""
        front = [0] * self.num_qubits
        for g in self.gates:
            level = max(front[q] for q in g.qubits) + 1
            for q in g.qubits:
                front[q] = level
        return max(front, default=0)

    def to_qiskit(self, params: Sequence[float] | np.ndarray | None = None):
        """A ``qiskit.QuantumCircuit``; angles bound from ``params`` or left as ``Parameter``s."""
        from qiskit import QuantumCircuit
        from qiskit.circuit import ParameterVector

        qc = QuantumCircuit(self.num_qubits)
        if params is None:
            values = ParameterVector("theta", self.num_parameters)
        else:
            values = np.asarray(params, dtype=float)
            if values.shape != (self.num_parameters,):
                raise ValueError(f"params must have shape ({self.num_parameters},), got {values.shape}")
        for g in self.gates:
            if g.param is None:
                getattr(qc, g.name)(*g.qubits)
            else:
                getattr(qc, g.name)(float(values[g.param]) if params is not None else values[g.param],
                                    *g.qubits)
        return qc


def active_gates(circuit: Circuit, params: Sequence[float] | np.ndarray | None = None,
                 atol: float = 1e-9) -> list[bool]:
    """Which gates change the state: ``False`` for gates that provably do nothing from |0...0>.

    A gate does nothing when it is a rotation by a multiple of 2 pi (the identity up to a global
    sign), an RZ on a qubit still in a known basis state (a global phase), or a CX whose control
    is known to be |0>. Known basis states are tracked classically from |0...0> through X and
    CX-on-known-qubits; anything else makes a qubit unknown. This is the reported "effective" gate
    count: the state (and so the energy) is unchanged, up to a global phase, when the inactive
    gates are dropped. Unbound angles (``params=None``) count as active.
    """
    values = None if params is None else np.asarray(params, dtype=float)
    known = [0] * circuit.num_qubits  # 0 / 1 = that basis state, -1 = unknown
    out = []
    for g in circuit.gates:
        if g.name in ROTATIONS:
            q = g.qubits[0]
            turns = np.inf if values is None else float(values[g.param]) / (2 * np.pi)  # unbound: active
            if (np.isfinite(turns) and abs(turns - round(turns)) * 2 * np.pi <= atol) or (
                    g.name == "rz" and known[q] >= 0):
                out.append(False)
                continue
            known[q] = -1
            out.append(True)
        elif g.name == "cx":
            c, t = g.qubits
            if known[c] == 0:
                out.append(False)
                continue
            if known[c] == 1:
                known[t] = -1 if known[t] < 0 else 1 - known[t]
            else:
                known[t] = -1
            out.append(True)
        elif g.name == "id":
            out.append(False)
        elif g.name == "x":
            q = g.qubits[0]
            known[q] = -1 if known[q] < 0 else 1 - known[q]
            out.append(True)
        else:
            for q in g.qubits:
                known[q] = -1
            out.append(True)
    return out
