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


#: dense 2^n x 2^n transforms (readout confusion, Walsh-Hadamard, basis rotations) up to this size
DENSE_MAX_QUBITS = 10


class GroupMeasurement:
    """Per-group weights and transforms; turns per-group outcome distributions into energies.

    All groups are handled at once on a (B, G, 2^n) array of true outcome distributions.
    """

    def __init__(self, hamiltonian: PauliSum, readout: tuple[float, float] | None = None) -> None:
        self.hamiltonian = hamiltonian
        self.groups = hamiltonian.groups()
        n = self.num_qubits = hamiltonian.num_qubits
        dim = 2 ** n
        self.readout = None if readout is None or (readout[0] == 0 and readout[1] == 0) else readout
        self.weights = np.array([sign_weights(g, n) for g in self.groups]).reshape(-1, dim)
        self._conf_list = None
        self._conf = None
        if self.readout is not None:
            c = confusion_matrix(*self.readout)
            self._conf_list = [c] * n
            if n <= DENSE_MAX_QUBITS:
                full = np.array([[1.0]])
                for _ in range(n):
                    full = np.kron(c, full)
                self._conf = full  # [read, true], qubit 0 least significant
            # E = w . (C p) = (C^T w) . p for exact readout-affected expectations
            self.read_weights = apply_per_qubit(self.weights, [c.T] * n, n) if len(self.weights) else (
                self.weights)
        else:
            self.read_weights = self.weights
        # flat Pauli-vector index of the subset-S string of each group (basis letters on S)
        subsets = np.arange(dim, dtype=np.int64)
        self.pauli_index = np.zeros((len(self.groups), dim), dtype=np.int64)
        for gi, g in enumerate(self.groups):
            for q in range(n):
                self.pauli_index[gi] += ((subsets >> q) & 1) * int(g.basis[q]) * 4 ** q
        self._walsh = None
        self.basis = np.array([g.basis for g in self.groups], dtype=np.int64).reshape(-1, n)

    def walsh(self) -> np.ndarray:
        """W[x, S] = (-1)^popcount(x & S) / 2^n: Pauli expectations on S -> outcome probabilities."""
        if self._walsh is None:
            w1 = np.array([[0.5, 0.5], [0.5, -0.5]])
            full = np.array([[1.0]])
            for _ in range(self.num_qubits):
                full = np.kron(w1, full)
            self._walsh = full
        return self._walsh

    def energies_from_probs(self, probs: np.ndarray, shots: int | None = None,
                            rng: np.random.Generator | None = None) -> np.ndarray:
        """(B,) total energies from true outcome distributions ``probs`` of shape (B, G, 2^n)."""
        const = self.hamiltonian.constant
        if not len(self.groups):
            return np.full(probs.shape[0], const)
        if shots is None:
            return const + np.einsum("bgx,gx->b", probs, self.read_weights)
        if rng is None:
            rng = np.random.default_rng()
        b, g, dim = probs.shape
        if self._conf is not None:
            probs = probs @ self._conf.T
        elif self._conf_list is not None:
            probs = apply_per_qubit(probs.reshape(b * g, dim), self._conf_list, self.num_qubits)
        p = np.clip(probs.reshape(b * g, dim), 0.0, None)
        p /= p.sum(axis=1, keepdims=True)
        counts = rng.multinomial(int(shots), p).reshape(b, g, dim)
        return const + np.einsum("bgx,gx->b", counts, self.weights) / shots
