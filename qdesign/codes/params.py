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
    d_lower: float | None = None  # sound lower bound on d (= d when exact; 1 when nothing better is known)
    d_upper: float | None = None  # upper bound on d (= d; a logical of this weight is the witness)

    def __post_init__(self) -> None:
        if self.d_upper is None:
            self.d_upper = self.d
        if self.d_lower is None:
            self.d_lower = self.d if self.exact else float(min(1.0, self.d))

    @property
    def witness(self) -> np.ndarray | None:
        """The witness of the smaller of d_x, d_z."""
        return self.witness_x if self.d_x <= self.d_z else self.witness_z

    def to_dict(self) -> dict:
        """JSON-ready form; infinite distances become None."""
        def num(v: float) -> int | None:
            return None if v == math.inf else int(v)

        return {
            "n": self.n, "k": self.k, "d": num(self.d), "d_x": num(self.d_x), "d_z": num(self.d_z),
            "w": self.w, "q": self.q, "w_x": self.w_x, "w_z": self.w_z, "q_x": self.q_x, "q_z": self.q_z,
            "d_lower": num(self.d_lower if self.d_lower is not None else self.d),
            "d_upper": num(self.d_upper if self.d_upper is not None else self.d),
            "exact": self.exact, "method": self.method, "witness_verified": self.witness_verified,
            "witness_x": None if self.witness_x is None else np.flatnonzero(self.witness_x).tolist(),
            "witness_z": None if self.witness_z is None else np.flatnonzero(self.witness_z).tolist(),
            "seconds": round(self.seconds, 4),
        }

    def __str__(self) -> str:
        d = "?" if self.d == math.inf else int(self.d)
        if not self.exact and self.d_lower is not None and 1 < self.d_lower < self.d:
            return f"[[{self.n},{self.k},{int(self.d_lower)}..{d}]]({self.w},{self.q})"
        return f"[[{self.n},{self.k},{d}{'' if self.exact else '(ub)'}]]({self.w},{self.q})"


def code_parameters(h_x: np.ndarray, h_z: np.ndarray, *, exact: bool | None = None,
                    exact_max_n: int = 400, hgp_seeds: tuple[np.ndarray, np.ndarray] | None = None,
                    allow_k0: bool = False, time_limit: float | None = None, seed: int = 0
                    ) -> CodeParameters:
    """Parameters of the CSS code (H_X, H_Z) with witness logicals, re-checked independently.

    Distance method: exact from the classical seeds when the code is a hypergraph product
    (``hgp_seeds=(h1, h2)``, or detected automatically in the layout of ``hgp_matrices``);
    otherwise, with ``time_limit`` (seconds, both sectors together), sound bounds
    ``d_lower <= d <= d_upper`` from :func:`qdesign.codes.bounds.distance_bounds` (``d = d_upper``,
    ``exact`` when they meet); without it, Stim MaxSAT (exact) when ``exact`` is True or, by default,
    n <= ``exact_max_n``, else Stim's heuristic search (an upper bound, ``exact=False``; neither can
    be interrupted, so pass ``time_limit`` for codes where they may not finish).  Raises
    ``ValueError`` for non-binary entries, mismatched shapes, non-commuting matrices and (unless
    ``allow_k0``) k = 0.
    """
    code = CSSCode(h_x, h_z, allow_k0=allow_k0)
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or time_limit <= 0):
        raise ValueError(f"time_limit={time_limit!r} must be None or a positive number of seconds")
    bounds = None
    if hgp_seeds is not None:
        from qdesign.codes.hgp import hgp_matrices

        hx2, hz2 = hgp_matrices(*hgp_seeds)
        if not (np.array_equal(hx2, code.h_x) and np.array_equal(hz2, code.h_z)):
            raise ValueError("hgp_seeds: the matrices are not the hypergraph product of the given seeds")
        dx, dz = dist.hgp_distance(*hgp_seeds)
    elif code.k == 0:
        dx = dz = dist.Distance(math.inf, True, "k=0")
    else:
        from qdesign.codes.hgp import hgp_seeds_of

        seeds = hgp_seeds_of(code.h_x, code.h_z)
        found = None
        if seeds is not None:
            try:
                found = dist.hgp_distance(*seeds)
            except ValueError:  # a seed distance out of reach: fall through to the general methods
                found = None
        if found is not None:
            dx, dz = found
        elif time_limit is not None:
            from qdesign.codes.bounds import css_distance_bounds

            bx, bz = css_distance_bounds(code, float(time_limit), seed=seed)
            bounds = {"X": bx, "Z": bz}
            dx, dz = (dist.Distance(b.upper, b.exact, "ris+mitm-bounds", b.witness, b.seconds)
                      for b in (bx, bz))
        else:
            dx = dist.css_distance(code, "X", exact=exact, exact_max_n=exact_max_n)
            dz = dist.css_distance(code, "Z", exact=exact, exact_max_n=exact_max_n)
    ok = dist.verify_witness(code, dx, "X") and dist.verify_witness(code, dz, "Z")
    d_lower = None
    exact_d = dx.exact and dz.exact
    if bounds is not None:  # d = min(d_X, d_Z) is exact once its bounds meet, even if one sector's are open
        d_lower = min(bounds["X"].lower, bounds["Z"].lower)
        exact_d = d_lower == min(dx.value, dz.value)
    return CodeParameters(
        n=code.n, k=code.k, d=min(dx.value, dz.value), d_x=dx.value, d_z=dz.value,
        w=code.w, q=code.q, w_x=code.w_x, w_z=code.w_z, q_x=code.q_x, q_z=code.q_z,
        exact=exact_d,
        method=dx.method if dx.method == dz.method else f"{dx.method}/{dz.method}",
        witness_x=dx.witness, witness_z=dz.witness, witness_verified=ok,
        seconds=dx.seconds + dz.seconds, d_lower=d_lower,
    )


#: above this many qubits, hypergraph products are handled as sparse matrices from their seeds
HGP_DENSE_MAX_N = 12_000


def sparse_hgp_matrices(h1: np.ndarray, h2: np.ndarray | None = None):
    """``(H_X, H_Z)`` of HGP(h1, h2) as scipy CSR matrices, same layout as ``hgp_matrices``."""
    import scipy.sparse as sp

    from qdesign.codes import gf2

    h1 = gf2.as_binary(h1, "h1")
    h2 = h1 if h2 is None else gf2.as_binary(h2, "h2")
    (r1, n1), (r2, n2) = h1.shape, h2.shape
    a1, a2 = sp.csr_matrix(h1, dtype=np.uint8), sp.csr_matrix(h2, dtype=np.uint8)

    def eye(m: int):
        return sp.identity(m, dtype="uint8", format="csr")

    hx = sp.hstack([sp.kron(a1, eye(n2)), sp.kron(eye(r1), a2.T)])
    hz = sp.hstack([sp.kron(eye(n1), a2), sp.kron(a1.T, eye(r2))])
    return hx.tocsr(), hz.tocsr()


def _partner_proof(v: np.ndarray, checks, stabs, h1: np.ndarray, h2: np.ndarray, kind: str) -> bool:
    """``v`` is a nontrivial logical of the HGP code: ``checks · v = 0`` and some operator of the other
    type that commutes with every stabilizer of ``v``'s type (``stabs · z = 0``) overlaps ``v`` oddly.
    Partners are taken from the canonical product logicals (kernel vectors ⊗ unit vectors)."""
    from qdesign.codes import gf2

    if v is None or not v.any() or (checks @ v.astype(np.int64) % 2).any():
        return False
    (r1, n1), (r2, n2) = h1.shape, h2.shape
    V = v[: n1 * n2].reshape(n1, n2).astype(np.int64)
    R = v[n1 * n2:].reshape(r1, r2).astype(np.int64)
    z = np.zeros(v.size, dtype=np.uint8)
    if kind == "X":  # Z partners: a ⊗ e_j (a ∈ ker H1) left, e_i ⊗ c (c ∈ ker H2ᵀ) right
        K = gf2.kernel(h1) if gf2.rank(h1) < n1 else np.zeros((0, n1), np.uint8)
        M = K.astype(np.int64) @ V % 2
        if M.any():
            t, j = map(int, np.argwhere(M)[0])
            z[: n1 * n2].reshape(n1, n2)[:, j] = K[t]
        else:
            K = gf2.kernel(h2.T) if gf2.rank(h2) < r2 else np.zeros((0, r2), np.uint8)
            M = R @ K.T.astype(np.int64) % 2
            if not M.any():
                return False
            i, t = map(int, np.argwhere(M)[0])
            z[n1 * n2:].reshape(r1, r2)[i, :] = K[t]
    else:  # X partners: e_i ⊗ b (b ∈ ker H2) left, c ⊗ e_j (c ∈ ker H1ᵀ) right
        K = gf2.kernel(h2) if gf2.rank(h2) < n2 else np.zeros((0, n2), np.uint8)
        M = V @ K.T.astype(np.int64) % 2
        if M.any():
            i, t = map(int, np.argwhere(M)[0])
            z[: n1 * n2].reshape(n1, n2)[i, :] = K[t]
        else:
            K = gf2.kernel(h1.T) if gf2.rank(h1) < r1 else np.zeros((0, r1), np.uint8)
            M = K.astype(np.int64) @ R % 2
            if not M.any():
                return False
            t, j = map(int, np.argwhere(M)[0])
            z[n1 * n2:].reshape(r1, r2)[:, j] = K[t]
    return bool(not (stabs @ z.astype(np.int64) % 2).any() and int(z.astype(np.int64) @ v) % 2 == 1)


def hgp_code_parameters(h1: np.ndarray, h2: np.ndarray | None = None) -> CodeParameters:
    """Parameters of HGP(h1, h2) without dense n-column matrices (large products): n and k from the
    seeds, (w, q) from sparse matrices, exact d and witnesses from ``hgp_distance``, and each witness
    checked against the sparse checks plus an explicit anticommuting partner logical."""
    from qdesign.codes import gf2
    from qdesign.codes.hgp import hgp_parameters

    h1 = gf2.as_binary(h1, "h1")
    h2 = h1 if h2 is None else gf2.as_binary(h2, "h2")
    hx, hz = sparse_hgp_matrices(h1, h2)
    if ((hx.astype(np.int64) @ hz.T.astype(np.int64)).data % 2).any():  # pragma: no cover - algebra
        raise ValueError("hypergraph product does not commute")
    n, k = hgp_parameters(h1, h2)
    if k == 0:
        raise ValueError("the code encodes no logical qubit (k = 0); weight reduction needs k >= 1")
    dx, dz = dist.hgp_distance(h1, h2)
    # an X witness must satisfy H_Z v = 0, its Z partner H_X z = 0 (and mirror for the Z witness)
    if dx.witness is None or dz.witness is None:  # pragma: no cover - hgp_distance always gives witnesses
        raise RuntimeError("hgp_distance returned no witness")
    ok = _partner_proof(dx.witness, hz, hx, h1, h2, "X") and _partner_proof(dz.witness, hx, hz, h1, h2, "Z")
    w_x, w_z = int(hx.sum(axis=1).max()), int(hz.sum(axis=1).max())
    q_x, q_z = int(hx.sum(axis=0).max()), int(hz.sum(axis=0).max())
    return CodeParameters(
        n=n, k=k, d=min(dx.value, dz.value), d_x=dx.value, d_z=dz.value, w=max(w_x, w_z), q=max(q_x, q_z),
        w_x=w_x, w_z=w_z, q_x=q_x, q_z=q_z, exact=True, method="hgp-classical (sparse check)",
        witness_x=dx.witness, witness_z=dz.witness, witness_verified=bool(ok),
        seconds=dx.seconds + dz.seconds,
    )
