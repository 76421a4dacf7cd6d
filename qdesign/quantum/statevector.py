"""Noiseless batched statevector simulation of one circuit structure for many angle vectors.

The batch of states is a complex128 tensor of shape (B, 2, ..., 2); qubit q lives on axis
``1 + (n - 1 - q)`` so the flattened index is qiskit's little-endian basis index. Every gate is
applied locally on that tensor with in-place slice arithmetic (CX is a slice swap, RZ a phase),
all B angle vectors at once. Energies come from the Hamiltonian's precomputed sparse matrix, or,
with readout error or finite shots, group by group (see ``qdesign.quantum.measurement``).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from qdesign.quantum.circuit import Circuit
from qdesign.quantum.gates import FIXED_GATES, ROTATIONS
from qdesign.quantum.measurement import GroupMeasurement
from qdesign.quantum.pauli import PauliGroup, PauliSum, as_pauli_sum

_SDG_H = FIXED_GATES["h"] @ FIXED_GATES["sdg"]  # rotates the Y eigenbasis onto Z


def check_thetas(circuit: Circuit, thetas: np.ndarray, num_qubits: int) -> np.ndarray:
    """Validate ``circuit`` against the simulator and ``thetas`` against the circuit."""
    if not isinstance(circuit, Circuit):
        raise ValueError(f"circuit must be a qdesign Circuit, got {type(circuit).__name__}")
    if circuit.num_qubits != num_qubits:
        raise ValueError(f"circuit has {circuit.num_qubits} qubits but the hamiltonian acts on "
                         f"{num_qubits}")
    th = np.asarray(thetas, dtype=np.float64)
    p = circuit.num_parameters
    if th.ndim != 2 or th.shape[1] != p:
        raise ValueError(f"thetas must have shape (B, {p}) for this circuit, got {th.shape}")
    if not np.all(np.isfinite(th)):
        raise ValueError("thetas must be finite")
    return th


def _idx(axis: int, value: int, axis2: int | None = None, value2: int | None = None) -> tuple:
    idx: list = [slice(None)] * (max(axis, axis2 or 0) + 1)
    idx[axis] = value
    if axis2 is not None:
        idx[axis2] = value2
    return tuple(idx)


class _Compiled:
    """A circuit turned into a list of slice operations (cached per gate list)."""

    def __init__(self, circuit: Circuit) -> None:
        n = circuit.num_qubits
        ops = []
        for g in circuit.gates:
            if g.name == "cx":
                ac, at = (1 + n - 1 - q for q in g.qubits)
                ops.append(("cx", _idx(ac, 1, at, 0), _idx(ac, 1, at, 1)))
                continue
            ax = 1 + n - 1 - g.qubits[0]
            i0, i1 = _idx(ax, 0), _idx(ax, 1)
            if g.name in ROTATIONS:
                ops.append((g.name, i0, i1, g.param))
            elif g.name == "id":
                continue
            elif g.name == "x":
                ops.append(("swap", i0, i1))
            else:
                m = FIXED_GATES[g.name]
                if m[0, 1] == 0 and m[1, 0] == 0:
                    ops.append(("diag", i0, i1, complex(m[0, 0]), complex(m[1, 1])))
                else:
                    ops.append(("mat", i0, i1, m))
        self.ops = ops


def apply_ops(state: np.ndarray, ops: list, thetas: np.ndarray) -> None:
    """Apply compiled ops in place to ``state`` of shape (B, 2, ..., 2)."""
    b = state.shape[0]
    bshape = (b,) + (1,) * (state.ndim - 2)
    half = thetas * 0.5
    cos, sin = np.cos(half), np.sin(half)
    for op in ops:
        kind = op[0]
        if kind == "cx" or kind == "swap":
            _, ia, ib = op
            tmp = state[ia].copy()
            state[ia] = state[ib]
            state[ib] = tmp
            continue
        s0, s1 = state[op[1]], state[op[2]]
        if kind == "rz":
            ph = (cos[:, op[3]] - 1j * sin[:, op[3]]).reshape(bshape)
            s0 *= ph
            s1 *= ph.conj()
        elif kind == "rx" or kind == "ry":
            c = cos[:, op[3]].reshape(bshape)
            s = sin[:, op[3]].reshape(bshape)
            if kind == "rx":
                s = -1j * s
                t0 = s0.copy()
                s0 *= c
                s0 += s * s1
                s1 *= c
                s1 += s * t0
            else:
                t0 = s0.copy()
                s0 *= c
                s0 -= s * s1
                s1 *= c
                s1 += s * t0
        elif kind == "diag":
            if op[3] != 1:
                s0 *= op[3]
            s1 *= op[4]
        else:
            m = op[3]
            t0 = s0.copy()
            s0 *= m[0, 0]
            s0 += m[0, 1] * s1
            s1 *= m[1, 1]
            s1 += m[1, 0] * t0


class StatevectorSimulator:
    """Exact energies ``<0|U(theta)^dag H U(theta)|0>`` for a batch of angle vectors.

    ``shots`` (per measured group) and ``readout=(p01, p10)`` make the energies those of a
    noiseless device read out group by group; with both unset the energies are exact.
    """

    def __init__(self, hamiltonian, *, shots: int | None = None,
                 readout: tuple[float, float] | None = None, cache_size: int = 512) -> None:
        self.hamiltonian: PauliSum = as_pauli_sum(hamiltonian)
        self.num_qubits = self.hamiltonian.num_qubits
        if shots is not None and (int(shots) != shots or shots < 1):
            raise ValueError(f"shots must be a positive integer or None, got {shots!r}")
        self.shots = None if shots is None else int(shots)
        if readout is not None:
            for name, v in zip(("readout_p01", "readout_p10"), readout):
                if not 0.0 <= float(v) <= 1.0:
                    raise ValueError(f"{name} must be a probability in [0, 1], got {v!r}")
            readout = (float(readout[0]), float(readout[1]))
            if readout == (0.0, 0.0):
                readout = None
        self.readout = readout
        self._measure: GroupMeasurement | None = None
        self._cache: OrderedDict = OrderedDict()
        self._cache_size = int(cache_size)
        n = self.num_qubits
        self._op = self.hamiltonian.sparse_matrix()
        self._dense = self._op.toarray() if n <= 6 else None

    def _compile(self, circuit: Circuit) -> _Compiled:
        key = tuple(circuit.gates)
        comp = self._cache.get(key)
        if comp is None:
            comp = _Compiled(circuit)
            self._cache[key] = comp
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return comp

    def statevectors(self, circuit: Circuit, thetas: np.ndarray) -> np.ndarray:
        """(B, 2^n) final states (qiskit basis order) from |0...0>."""
        th = check_thetas(circuit, thetas, self.num_qubits)
        n, b = self.num_qubits, th.shape[0]
        state = np.zeros((b,) + (2,) * n, dtype=np.complex128)
        state[(slice(None),) + (0,) * n] = 1.0
        apply_ops(state, self._compile(circuit).ops, th)
        return state.reshape(b, 2 ** n)

    def energies(self, circuit: Circuit, thetas: np.ndarray, rng: np.random.Generator | None = None,
                 shots: int | None = None) -> np.ndarray:
        """(B,) total energies; ``shots`` overrides the simulator's shot count for this call."""
        psi = self.statevectors(circuit, thetas)
        shots = self.shots if shots is None else int(shots)
        if shots is None and self.readout is None:
            return self.exact_from_states(psi)
        if self._measure is None:
            self._measure = GroupMeasurement(self.hamiltonian, self.readout)
        n = self.num_qubits

        def probs(group: PauliGroup) -> np.ndarray:
            rot = psi.reshape((psi.shape[0],) + (2,) * n).copy()
            ops = []
            for q in range(n):
                ax = 1 + n - 1 - q
                if group.basis[q] == 1:
                    ops.append(("mat", _idx(ax, 0), _idx(ax, 1), FIXED_GATES["h"]))
                elif group.basis[q] == 2:
                    ops.append(("mat", _idx(ax, 0), _idx(ax, 1), _SDG_H))
            apply_ops(rot, ops, np.zeros((psi.shape[0], 0)))
            a = rot.reshape(psi.shape)
            return a.real ** 2 + a.imag ** 2

        return self._measure.energies(probs, psi.shape[0], shots=shots, rng=rng)

    def exact_from_states(self, psi: np.ndarray) -> np.ndarray:
        """Total energies of (B, 2^n) states without readout or shot noise."""
        if self._dense is not None:
            hpsi = psi @ self._dense.T
        else:
            hpsi = (self._op @ psi.T).T
        return self.hamiltonian.constant + np.einsum("bi,bi->b", psi.conj(), hpsi).real
