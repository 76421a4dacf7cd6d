"""Pauli sums (Hamiltonians) in the forms the simulators need.

A :class:`PauliSum` is built from (and converts back to) ``qiskit.quantum_info.SparsePauliOp``.
The identity term is kept apart as ``constant`` so every energy is a *total* energy.

Fast forms, computed lazily and cached:

* ``sparse_matrix()`` – the 2^n x 2^n operator without the constant (scipy CSR), for statevectors;
* ``pauli_index`` – each term's position in a flattened Pauli vector of length 4^n
  (index ``sum_q code_q 4^q`` with codes I=0, X=1, Y=2, Z=3, qiskit's little-endian qubit order),
  so ``<H> = constant + r[pauli_index] @ coeffs`` for a Pauli vector ``r_P = Tr(P rho)``;
* ``groups()`` – qubit-wise commuting groups (one measurement basis each), used for readout error
  and shot noise: each group is measured in its own basis with its own shots.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

PAULI_CODES = {"I": 0, "X": 1, "Y": 2, "Z": 3}


@dataclass(frozen=True)
class PauliGroup:
    """Qubit-wise commuting terms measured together.

    ``basis[q]`` is the Pauli code (1=X, 2=Y, 3=Z) measured on qubit ``q`` (Z where no term acts);
    ``masks[t]`` is the bit mask of the qubits term ``t`` acts on (its support) and ``coeffs[t]``
    its real coefficient. A measured bitstring ``x`` gives term ``t`` the value
    ``(-1)^popcount(x & masks[t])``.
    """

    basis: np.ndarray
    masks: np.ndarray
    coeffs: np.ndarray


class PauliSum:
    """A Hermitian Pauli sum on ``num_qubits`` qubits with real coefficients plus a constant."""

    def __init__(self, num_qubits: int, x: np.ndarray, z: np.ndarray, coeffs: np.ndarray,
                 constant: float = 0.0) -> None:
        if num_qubits < 1:
            raise ValueError(f"num_qubits must be >= 1, got {num_qubits}")
        self.num_qubits = int(num_qubits)
        self.x = np.asarray(x, dtype=bool).reshape(-1, self.num_qubits)
        self.z = np.asarray(z, dtype=bool).reshape(-1, self.num_qubits)
        self.coeffs = np.asarray(coeffs, dtype=np.float64).reshape(-1)
        if not (len(self.x) == len(self.z) == len(self.coeffs)):
            raise ValueError("x, z and coeffs must describe the same number of terms")
        if np.any(~(self.x | self.z).any(axis=1)):
            raise ValueError("identity terms belong in `constant`, not in the term list")
        self.constant = float(constant)

    # ------------------------------------------------------------------ conversion
    @classmethod
    def from_sparse_pauli_op(cls, op, atol: float = 1e-12) -> PauliSum:
        """Simplify ``op``, check it is Hermitian and split off the identity term."""
        from qiskit.quantum_info import SparsePauliOp

        if not isinstance(op, SparsePauliOp):
            raise ValueError(f"hamiltonian must be a SparsePauliOp or PauliSum, got {type(op).__name__}")
        op = op.simplify(atol=atol)
        coeffs = np.asarray(op.coeffs, dtype=complex)
        if np.any(np.abs(coeffs.imag) > 1e-10 * max(1.0, float(np.abs(coeffs).max(initial=0.0)))):
            raise ValueError("hamiltonian must be Hermitian (real Pauli coefficients)")
        x = np.asarray(op.paulis.x, dtype=bool)
        z = np.asarray(op.paulis.z, dtype=bool)
        # SparsePauliOp absorbs label phases into its coefficients; fold any leftover phase in too.
        coeffs = coeffs * (-1j) ** np.asarray(op.paulis.phase)
        ident = ~(x | z).any(axis=1)
        constant = float(coeffs[ident].real.sum())
        return cls(op.num_qubits, x[~ident], z[~ident], coeffs[~ident].real, constant)

    def to_sparse_pauli_op(self):
        """The equivalent ``SparsePauliOp`` (identity term first when nonzero)."""
        from qiskit.quantum_info import SparsePauliOp

        labels = self.labels()
        coeffs = list(self.coeffs)
        if self.constant != 0.0 or not labels:
            labels = ["I" * self.num_qubits] + labels
            coeffs = [self.constant] + coeffs
        return SparsePauliOp(labels, np.asarray(coeffs, dtype=complex))

    def labels(self) -> list[str]:
        """qiskit labels (qubit 0 rightmost) of the non-identity terms."""
        chars = np.array(["I", "Z", "X", "Y"])  # index = x*2 + z
        out = []
        for xr, zr in zip(self.x, self.z):
            out.append("".join(chars[2 * xr[::-1].astype(int) + zr[::-1].astype(int)]))
        return out

    @property
    def num_terms(self) -> int:
        """Number of Pauli terms."""
        return len(self.coeffs)

    def __repr__(self) -> str:
        return f"PauliSum(num_qubits={self.num_qubits}, terms={self.num_terms}, constant={self.constant:.6g})"

    # ------------------------------------------------------------------ fast forms
    @cached_property
    def codes(self) -> np.ndarray:
        """(T, n) Pauli codes per term and qubit: I=0, X=1, Y=2, Z=3."""
        x, z = self.x.astype(np.int64), self.z.astype(np.int64)
        return x * (1 - z) * 1 + x * z * 2 + (1 - x) * z * 3

    @cached_property
    def pauli_index(self) -> np.ndarray:
        """(T,) flat index of each term in a Pauli vector of length 4^n (little-endian)."""
        return (self.codes * (4 ** np.arange(self.num_qubits, dtype=np.int64))).sum(axis=1)

    @cached_property
    def dense_pauli_vector(self) -> np.ndarray:
        """Coefficient vector of length 4^n (without the constant), for dot products."""
        h = np.zeros(4 ** self.num_qubits)
        np.add.at(h, self.pauli_index, self.coeffs)
        return h

    def sparse_matrix(self):
        """The operator without its constant as a scipy CSR matrix (complex128)."""
        if "_sparse" not in self.__dict__:
            import scipy.sparse as sp

            if self.num_terms == 0:
                dim = 2 ** self.num_qubits
                self.__dict__["_sparse"] = sp.csr_matrix((dim, dim), dtype=complex)
            else:
                from qiskit.quantum_info import SparsePauliOp

                op = SparsePauliOp(self.labels(), self.coeffs.astype(complex))
                self.__dict__["_sparse"] = sp.csr_matrix(op.to_matrix(sparse=True), dtype=complex)
        return self.__dict__["_sparse"]

    def groups(self) -> list[PauliGroup]:
        """Qubit-wise commuting groups (qiskit's ``group_commuting(qubit_wise=True)``)."""
        if "_groups" not in self.__dict__:
            groups: list[PauliGroup] = []
            if self.num_terms:
                from qiskit.quantum_info import SparsePauliOp

                op = SparsePauliOp(self.labels(), self.coeffs.astype(complex))
                for part in op.group_commuting(qubit_wise=True):
                    sub = PauliSum.from_sparse_pauli_op(part, atol=0.0)
                    codes = sub.codes
                    basis = np.where(codes.max(axis=0) > 0, codes.max(axis=0), 3).astype(np.int64)
                    masks = ((codes > 0) * (1 << np.arange(self.num_qubits, dtype=np.int64))).sum(axis=1)
                    groups.append(PauliGroup(basis, masks.astype(np.int64), sub.coeffs.copy()))
            self.__dict__["_groups"] = groups
        return self.__dict__["_groups"]

    def expectation_from_pauli_vector(self, r: np.ndarray) -> np.ndarray:
        """``constant + sum_t c_t r[..., index_t]`` for Pauli vectors ``r`` of shape (..., 4^n)."""
        return self.constant + r[..., self.pauli_index] @ self.coeffs


def as_pauli_sum(hamiltonian, num_qubits: int | None = None) -> PauliSum:
    """Coerce a ``SparsePauliOp`` or ``PauliSum`` (the ``hamiltonian`` argument) to a PauliSum."""
    if isinstance(hamiltonian, PauliSum):
        ps = hamiltonian
    else:
        ps = PauliSum.from_sparse_pauli_op(hamiltonian)
    if num_qubits is not None and ps.num_qubits != num_qubits:
        raise ValueError(f"hamiltonian acts on {ps.num_qubits} qubits, expected {num_qubits}")
    return ps
