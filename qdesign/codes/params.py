"""``code_parameters(h_x, h_z)``: n, k, d (d_X, d_Z), w, q of a CSS code, each distance with a witness."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from qdesign.codes import distance as dist
from qdesign.codes.css import CSSCode


@dataclass
class CodeParameters:
    """Parameters of a CSS code; ``witness_x`` / ``witness_z`` are logicals of weight d_x / d_z."""

    n: int
    k: int
    d: float
    d_x: float
    d_z: float
    w: int
    q: int
    w_x: int
    w_z: int
    q_x: int
    q_z: int
    exact: bool
    method: str
    witness_x: np.ndarray | None = field(repr=False, default=None)
    witness_z: np.ndarray | None = field(repr=False, default=None)
    witness_verified: bool = False
    seconds: float = 0.0

    @property
    def witness(self) -> np.ndarray | None:
        """The witness of the smaller of d_x, d_z."""
        return self.witness_x if self.d_x <= self.d_z else self.witness_z

    def to_dict(self) -> dict:
        def num(v: float) -> int | None:
            return None if v == math.inf else int(v)

        return {
            "n": self.n, "k": self.k, "d": num(self.d), "d_x": num(self.d_x), "d_z": num(self.d_z),
            "w": self.w, "q": self.q, "w_x": self.w_x, "w_z": self.w_z, "q_x": self.q_x, "q_z": self.q_z,
            "exact": self.exact, "method": self.method, "witness_verified": self.witness_verified,
            "witness_x": None if self.witness_x is None else np.flatnonzero(self.witness_x).tolist(),
            "witness_z": None if self.witness_z is None else np.flatnonzero(self.witness_z).tolist(),
            "seconds": round(self.seconds, 4),
        }

    def __str__(self) -> str:
        d = "?" if self.d == math.inf else int(self.d)
        return f"[[{self.n},{self.k},{d}{'' if self.exact else '(ub)'}]]({self.w},{self.q})"


def code_parameters(h_x: np.ndarray, h_z: np.ndarray, *, exact: bool | None = None,
                    exact_max_n: int = 400, hgp_seeds: tuple[np.ndarray, np.ndarray] | None = None,
                    allow_k0: bool = False) -> CodeParameters:
    """Parameters of the CSS code (H_X, H_Z) with witness logicals, re-checked independently.

    Distance method: exact from the classical seeds when ``hgp_seeds=(h1, h2)`` is given (the
    matrices must then equal their hypergraph product); otherwise Stim MaxSAT (exact) when
    ``exact`` is True or, by default, n <= ``exact_max_n``; otherwise Stim's heuristic search
    (an upper bound, ``exact=False``).  Raises ``ValueError`` for non-binary entries, mismatched
    shapes, non-commuting matrices and (unless ``allow_k0``) k = 0.
    """
    code = CSSCode(h_x, h_z, allow_k0=allow_k0)
    if hgp_seeds is not None:
        from qdesign.codes.hgp import hgp_matrices

        hx2, hz2 = hgp_matrices(*hgp_seeds)
        if not (np.array_equal(hx2, code.h_x) and np.array_equal(hz2, code.h_z)):
            raise ValueError("hgp_seeds: the matrices are not the hypergraph product of the given seeds")
        dx, dz = dist.hgp_distance(*hgp_seeds)
    elif code.k == 0:
        dx = dz = dist.Distance(math.inf, True, "k=0")
    else:
        dx = dist.css_distance(code, "X", exact=exact, exact_max_n=exact_max_n)
        dz = dist.css_distance(code, "Z", exact=exact, exact_max_n=exact_max_n)
    ok = dist.verify_witness(code, dx, "X") and dist.verify_witness(code, dz, "Z")
    return CodeParameters(
        n=code.n, k=code.k, d=min(dx.value, dz.value), d_x=dx.value, d_z=dz.value,
        w=code.w, q=code.q, w_x=code.w_x, w_z=code.w_z, q_x=code.q_x, q_z=code.q_z,
        exact=dx.exact and dz.exact,
        method=dx.method if dx.method == dz.method else f"{dx.method}/{dz.method}",
        witness_x=dx.witness, witness_z=dz.witness, witness_verified=ok,
        seconds=dx.seconds + dz.seconds,
    )
