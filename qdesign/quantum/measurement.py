"""Measuring a Pauli sum group by group: readout error and finite-shot sampling.

Shared by the statevector and the noisy simulators. Each qubit-wise commuting group of the
Hamiltonian (``PauliSum.groups()``) is measured in its own basis: the state is rotated so every
term of the group is a Z-string, all qubits are read out, and term ``t`` gets the value
``(-1)^popcount(x & mask_t)`` from the read bitstring ``x``.

Readout error model: every qubit's classical outcome is flipped independently, ``p01`` = P(read 1 |
true 0), ``p10`` = P(read 0 | true 1) (qiskit-aer's ``ReadoutError([[1-p01, p01], [p10, 1-p10]])``).
For one qubit this turns the measured ``<Z>`` into ``(1 - p01 - p10) <Z> + (p10 - p01)``; for a
Z-string on support S the factors multiply, so the measured ``<P_S>`` is
``sum_{T subset S} (1-p01-p10)^|T| (p10-p01)^(|S|-|T|) <P_T>`` where ``P_T`` is the term
restricted to T. Qubits outside a term's support are marginalised out and do not matter.

Shot model: each group is measured with ``shots`` shots (so the total is ``shots * len(groups)``);
the read bitstrings of a group are drawn exactly, ``counts ~ Multinomial(shots, p_read)`` with
``p_read`` the readout-affected outcome distribution, and the group's estimate is
``sum_x counts_x / shots * sum_t c_t (-1)^popcount(x & mask_t)``. Groups are independent.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qdesign.quantum.pauli import PauliGroup, PauliSum


def confusion_matrix(p01: float, p10: float) -> np.ndarray:
    """C[read, true] for one qubit (columns sum to 1)."""
    return np.array([[1.0 - p01, p10], [p01, 1.0 - p10]])


def apply_per_qubit(t: np.ndarray, mats: list[np.ndarray], num_qubits: int) -> np.ndarray:
    """Apply ``mats[q]`` (2x2) on qubit q of ``t`` with shape (B, 2^n) in little-endian order."""
    b = t.shape[0]
    out = t.reshape((b,) + (2,) * num_qubits)
    for q, m in enumerate(mats):
        ax = 1 + (num_qubits - 1 - q)
        out = np.moveaxis(np.tensordot(m, out, axes=([1], [ax])), 0, ax)
    return np.ascontiguousarray(out).reshape(b, -1)


def sign_weights(group: PauliGroup, num_qubits: int) -> np.ndarray:
    """w[x] = sum_t c_t (-1)^popcount(x & mask_t): the group's value for bitstring x."""
    xs = np.arange(2 ** num_qubits, dtype=np.int64)
    par = np.zeros((len(xs), len(group.masks)), dtype=np.int64)
    for q in range(num_qubits):
        par ^= ((xs[:, None] >> q) & 1) & ((group.masks[None, :] >> q) & 1)
    return (1 - 2 * par) @ group.coeffs


class GroupMeasurement:
    """Precomputed per-group weights; turns per-group outcome distributions into energies."""

    def __init__(self, hamiltonian: PauliSum, readout: tuple[float, float] | None = None) -> None:
        self.hamiltonian = hamiltonian
        self.groups = hamiltonian.groups()
        self.num_qubits = hamiltonian.num_qubits
        self.readout = None if readout is None or (readout[0] == 0 and readout[1] == 0) else readout
        n = self.num_qubits
        self.weights = [sign_weights(g, n) for g in self.groups]
        if self.readout is not None:
            c = confusion_matrix(*self.readout)
            self._conf = [c] * n
            # E = w . (C p) = (C^T w) . p for exact readout-affected expectations
            self.read_weights = [apply_per_qubit(w[None, :], [c.T] * n, n)[0] for w in self.weights]
        else:
            self._conf = None
            self.read_weights = self.weights

    def energies(self, probs_of_group: Callable[[PauliGroup], np.ndarray], batch: int,
                 shots: int | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
        """Total energies from ``probs_of_group(group) -> (B, 2^n)`` true outcome distributions."""
        e = np.full(batch, self.hamiltonian.constant, dtype=np.float64)
        if shots is None:
            for g, w in zip(self.groups, self.read_weights):
                e += probs_of_group(g) @ w
            return e
        if rng is None:
            rng = np.random.default_rng()
        for g, w in zip(self.groups, self.weights):
            p = probs_of_group(g)
            if self._conf is not None:
                p = apply_per_qubit(p, self._conf, self.num_qubits)
            p = np.clip(p, 0.0, None)
            p /= p.sum(axis=1, keepdims=True)
            counts = rng.multinomial(int(shots), p)
            e += (counts @ w) / shots
        return e
