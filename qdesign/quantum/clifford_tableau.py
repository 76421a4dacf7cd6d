"""Binary symplectic tableaux of n-qubit Cliffords: the algebra Clifford synthesis acts on.

Convention (Aaronson & Gottesman, arXiv:quant-ph/0406196, Sec. III; the same as qiskit's
``Clifford.tableau`` without its phase column): row ``i < n`` is the image ``C X_i C^dag`` and row
``n + i`` the image ``C Z_i C^dag``, each written as ``[x_0..x_{n-1} | z_0..z_{n-1}]`` over GF(2).
Appending a gate to the circuit *after* C is a column operation (``apply_gate``). Phases are not kept
here: whether a Clifford is a product of single-qubit Cliffords depends on the symplectic part alone,
and the phases of the final single-qubit layer are fixed exactly by ``local_layer_circuit``.

"Reduced" (``is_local``): every qubit's column pair ``(x_q, z_q)`` is supported on rows ``q`` and
``n + q`` only, i.e. the Clifford is a tensor product of single-qubit Cliffords (and Paulis), with no
qubit permutation. Such a layer costs no CX.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

#: the gate names a tableau step understands: one-qubit ("h", "s", "sdg") and "cx" (control, target)
TABLEAU_GATES = ("h", "s", "sdg", "cx")


def identity_tableau(num_qubits: int) -> np.ndarray:
    """The ``(2n, 2n)`` uint8 symplectic matrix of the identity."""
    return np.eye(2 * num_qubits, dtype=np.uint8)


def tableau_of(clifford: Any) -> np.ndarray:
    """The ``(2n, 2n)`` uint8 symplectic part of a ``qiskit.quantum_info.Clifford`` (or anything
    ``Clifford(...)`` accepts, e.g. a Clifford-valued ``QuantumCircuit``)."""
    from qiskit.quantum_info import Clifford

    cliff = clifford if isinstance(clifford, Clifford) else Clifford(clifford)
    n = cliff.num_qubits
    return np.ascontiguousarray(cliff.tableau[:, : 2 * n], dtype=np.uint8)


def apply_gate(tab: np.ndarray, name: str, qubits: tuple[int, ...]) -> None:
    """Append gate ``name`` on ``qubits`` to the Clifford (in place, column operations)."""
    n = tab.shape[0] // 2
    if name == "h":
        (q,) = qubits
        tmp = tab[:, q].copy()
        tab[:, q] = tab[:, n + q]
        tab[:, n + q] = tmp
    elif name in ("s", "sdg"):  # equal up to a Pauli: same symplectic action
        (q,) = qubits
        tab[:, n + q] ^= tab[:, q]
    elif name == "cx":
        c, t = qubits
        tab[:, t] ^= tab[:, c]
        tab[:, n + c] ^= tab[:, n + t]
    else:
        raise ValueError(f"gate must be one of {TABLEAU_GATES}, got {name!r}")


def is_symplectic(tab: np.ndarray) -> bool:
    """True when ``tab`` preserves the symplectic form (a valid Clifford tableau)."""
    n = tab.shape[0] // 2
    t = tab.astype(np.int64)
    omega = np.zeros((2 * n, 2 * n), dtype=np.int64)
    omega[:n, n:] = np.eye(n, dtype=np.int64)
    omega[n:, :n] = np.eye(n, dtype=np.int64)
    return bool(np.array_equal((t @ omega @ t.T) % 2, omega))


def local_mask(num_qubits: int) -> np.ndarray:
    """Boolean ``(2n, 2n)``: the entries a product of single-qubit Cliffords may have set."""
    n = num_qubits
    own = np.eye(n, dtype=bool)
    block = np.block([[own, own], [own, own]])
    return block


def is_local(tab: np.ndarray) -> bool:
    """True when the tableau is a tensor product of single-qubit Cliffords (no qubit permutation)."""
    n = tab.shape[0] // 2
    return not bool(np.any(tab[~local_mask(n)]))


def off_local_weight(tab: np.ndarray) -> int:
    """How many entries lie outside the single-qubit blocks (0 exactly when ``is_local``)."""
    n = tab.shape[0] // 2
    return int(np.count_nonzero(tab[~local_mask(n)]))


# -- the exact single-qubit layer ---------------------------------------------------------------------
_ONE_QUBIT_WORDS: dict[bytes, tuple[str, ...]] | None = None


def _one_qubit_words() -> dict[bytes, tuple[str, ...]]:
    """Shortest word over {h, s, sdg, x, y, z} for each of the 24 single-qubit Cliffords (mod global
    phase), keyed by the bytes of its qiskit tableau (breadth-first, so each word is shortest)."""
    global _ONE_QUBIT_WORDS
    if _ONE_QUBIT_WORDS is None:
        from qiskit import QuantumCircuit
        from qiskit.quantum_info import Clifford

        def key(word: tuple[str, ...]) -> bytes:
            qc = QuantumCircuit(1)
            for g in word:
                getattr(qc, g)(0)
            return Clifford(qc).tableau.astype(np.uint8).tobytes()

        words: dict[bytes, tuple[str, ...]] = {key(()): ()}
        queue: deque[tuple[str, ...]] = deque([()])
        while queue and len(words) < 24:
            word = queue.popleft()
            for g in ("h", "s", "sdg", "x", "y", "z"):
                w = (*word, g)
                k = key(w)
                if k not in words:
                    words[k] = w
                    queue.append(w)
        _ONE_QUBIT_WORDS = words
    return _ONE_QUBIT_WORDS


def local_layer_circuit(clifford: Any):
    """A ``QuantumCircuit`` of single-qubit gates equal (phases included) to a local Clifford.

    Raises ``ValueError`` when ``clifford`` is not a tensor product of single-qubit Cliffords."""
    from qiskit import QuantumCircuit

    full = np.asarray(clifford.tableau, dtype=np.uint8)
    n = clifford.num_qubits
    if not is_local(full[:, : 2 * n]):
        raise ValueError("clifford is not a tensor product of single-qubit Cliffords")
    words = _one_qubit_words()
    qc = QuantumCircuit(n)
    for q in range(n):
        sub = full[np.ix_([q, n + q], [q, n + q, 2 * n])]
        for g in words[np.ascontiguousarray(sub).tobytes()]:
            getattr(qc, g)(q)
    return qc
