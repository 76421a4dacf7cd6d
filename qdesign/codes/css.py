"""CSS and classical code objects: validation, true k from GF(2) ranks, weights and degrees.

Convention (used everywhere in qdesign): ``w`` is the maximum check weight over X and Z checks,
``q`` the maximum qubit degree *per check type* (max over qubits of its X-degree and its Z-degree),
so the surface code is (4, 2) and the HGP of a (3, 3) classical seed is (6, 3), as in He & Liu and
Sabo et al. ``d_x`` is the minimum weight of an X-type logical (in ker H_Z, not in rowspace H_X).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qdesign.codes import gf2


def _max_or_zero(a: np.ndarray) -> int:
    return int(a.max()) if a.size else 0


@dataclass
class ClassicalCode:
    """A binary linear code ``ker H``; rows of ``H`` may be redundant (k counts them right)."""

    H: np.ndarray
    name: str = ""

    def __post_init__(self) -> None:
        self.H = gf2.as_binary(self.H, "H")

    @property
    def n(self) -> int:
        """Block length (columns of H)."""
        return int(self.H.shape[1])

    @property
    def k(self) -> int:
        """Dimension n - rank(H) over GF(2)."""
        return self.n - gf2.rank(self.H)

    @property
    def row_weight(self) -> int:
        """Largest check weight (row weight of H)."""
        return _max_or_zero(self.H.sum(axis=1))

    @property
    def column_weight(self) -> int:
        """Largest number of checks on one bit (column weight of H)."""
        return _max_or_zero(self.H.sum(axis=0))

    def transpose(self) -> ClassicalCode:
        """The code with parity-check matrix H^T (the other factor of a hypergraph product)."""
        return ClassicalCode(self.H.T.copy(), name=f"{self.name}^T" if self.name else "")

    def generator(self) -> np.ndarray:
        """A generator matrix: a basis of the kernel of H over GF(2)."""
        return gf2.kernel(self.H)


@dataclass
class CSSCode:
    """A CSS code from ``H_X`` (X checks) and ``H_Z`` (Z checks); ``H_X H_Z^T = 0`` is enforced."""

    h_x: np.ndarray
    h_z: np.ndarray
    name: str = ""
    allow_k0: bool = True
    _k: int | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.h_x = gf2.as_binary(self.h_x, "h_x")
        self.h_z = gf2.as_binary(self.h_z, "h_z")
        if self.h_x.shape[1] != self.h_z.shape[1]:
            raise ValueError(
                f"mismatched shapes: h_x has {self.h_x.shape[1]} columns (qubits) but h_z has "
                f"{self.h_z.shape[1]}; both must act on the same n qubits"
            )
        import scipy.sparse as sp  # sparse product: dense would cost r_x·r_z·n for big codes

        prod = (sp.csr_matrix(self.h_x, dtype=np.int64) @ sp.csr_matrix(self.h_z.T, dtype=np.int64)).tocoo()
        odd = prod.data % 2 == 1
        if odd.any():
            i, j = int(prod.row[odd][0]), int(prod.col[odd][0])
            raise ValueError(
                f"h_x and h_z do not commute: H_X H_Z^T != 0 mod 2 ({int(odd.sum())} anticommuting "
                f"pairs, e.g. X-check {i} with Z-check {j})"
            )
        if not self.allow_k0 and self.k == 0:
            raise ValueError("the code encodes no logical qubit (k = 0); weight reduction needs k >= 1")

    @property
    def n(self) -> int:
        """Number of physical qubits."""
        return int(self.h_x.shape[1])

    @property
    def k(self) -> int:
        """Number of logical qubits, n - rank(H_X) - rank(H_Z); computed once and cached."""
        if self._k is None:
            self._k = self.n - gf2.rank(self.h_x) - gf2.rank(self.h_z)
        return self._k

    @property
    def w_x(self) -> int:
        """Largest X-check weight."""
        return _max_or_zero(self.h_x.sum(axis=1))

    @property
    def w_z(self) -> int:
        """Largest Z-check weight."""
        return _max_or_zero(self.h_z.sum(axis=1))

    @property
    def q_x(self) -> int:
        """Largest number of X checks acting on one qubit."""
        return _max_or_zero(self.h_x.sum(axis=0))

    @property
    def q_z(self) -> int:
        """Largest number of Z checks acting on one qubit."""
        return _max_or_zero(self.h_z.sum(axis=0))

    @property
    def w(self) -> int:
        """Check weight w = max(w_X, w_Z), the quantity weight reduction lowers."""
        return max(self.w_x, self.w_z)

    @property
    def q(self) -> int:
        """Qubit degree q = max(q_X, q_Z), the other half of the (w, q) target."""
        return max(self.q_x, self.q_z)

    def logical_x(self) -> np.ndarray:
        """A basis of X logicals: ker(H_Z) modulo rowspace(H_X)."""
        return gf2.complement_rows(self.h_x, gf2.kernel(self.h_z))

    def logical_z(self) -> np.ndarray:
        """A basis of Z logicals: ker(H_X) modulo rowspace(H_Z)."""
        return gf2.complement_rows(self.h_z, gf2.kernel(self.h_x))

    def is_x_logical(self, v: np.ndarray) -> bool:
        """``v`` commutes with every Z check and is not an X stabilizer."""
        v = np.asarray(v, dtype=np.uint8)
        return bool(v.any()) and not ((self.h_z.astype(np.int64) @ v) % 2).any() and not gf2.in_rowspace(
            v, self.h_x)

    def is_z_logical(self, v: np.ndarray) -> bool:
        """Whether ``v`` is a nontrivial Z logical: commutes with every X check and is not a Z stabilizer."""
        v = np.asarray(v, dtype=np.uint8)
        return bool(v.any()) and not ((self.h_x.astype(np.int64) @ v) % 2).any() and not gf2.in_rowspace(
            v, self.h_z)

    def swap(self) -> CSSCode:
        """The same code with the roles of X and Z exchanged."""
        return CSSCode(self.h_z, self.h_x, name=self.name)

    def __str__(self) -> str:
        return f"[[{self.n},{self.k}]]({self.w},{self.q})"


def check_target(max_check_weight: int, max_qubit_degree: int) -> None:
    """Reject (w, q) targets that are not integers or lie below what the reduction methods can reach."""
    for name, value in (("max_check_weight", max_check_weight), ("max_qubit_degree", max_qubit_degree)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            example = 6 if name == "max_check_weight" else 3
            raise ValueError(f"{name}={value!r} must be an integer (got {type(value).__name__}), "
                             f"e.g. {name}={example}")
    if max_check_weight < 3:
        raise ValueError(
            f"max_check_weight={max_check_weight!r} is below what is achievable: CSS codes with all "
            "checks of weight <= 2 have distance <= 2 in one sector (Wei et al., arXiv 2601.19848); "
            "use an integer >= 3")
    if max_qubit_degree < 3:
        raise ValueError(
            f"max_qubit_degree={max_qubit_degree!r} is below what the reduction methods reach: Hastings' "
            "copying leaves a qubit in up to 3 X checks (one original, two chain checks) and Sabo's "
            "product route (and the RL seed moves) reduce seeds to column weight 3; use an integer >= 3")
