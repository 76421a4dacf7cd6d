"""L-BFGS-B with exact parameter-shift gradients, evaluated as one batch of 2P circuits.

Valid when every parameter enters through a single ``exp(-i theta P / 2)`` rotation (RX/RY/RZ),
as in the architecture-search circuits: then ``df/dtheta_i = [f(theta + pi/2 e_i) -
f(theta - pi/2 e_i)] / 2`` exactly. Noiseless energies only (with shot noise the line search of
BFGS misbehaves; use SPSA/Adam-SPSA there). A stationary start (zero gradient, e.g. a new angle
0 on a symmetric state) is complemented by a randomly perturbed one, keeping the better result.
Much cheaper per step than scipy's pure-Python COBYLA. Up to 64 parameters scipy's dense BFGS is
used (same quasi-Newton idea, no BLAS-threading overhead), beyond that L-BFGS-B.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from qdesign.optim.protocol import BatchedObjective, OptimizeResult


class LBFGSShift:
    """L-BFGS-B with exact parameter-shift gradients (noiseless energies; see the module docstring)."""

    def __init__(self, maxiter: int = 200, gtol: float = 1e-8, ftol: float = 1e-12, restarts: int = 0):
        if int(maxiter) < 1:
            raise ValueError(f"maxiter={maxiter!r} is invalid; allowed: an integer >= 1")
        if int(restarts) < 0:
            raise ValueError(f"restarts={restarts!r} is invalid; allowed: an integer >= 0")
        self.maxiter, self.gtol, self.ftol = int(maxiter), float(gtol), float(ftol)
        self.restarts = int(restarts)

    def minimize(self, fun: BatchedObjective, x0: np.ndarray, rng: np.random.Generator) -> OptimizeResult:
        """BFGS from ``x0`` and ``restarts`` perturbed starts on exact parameter-shift gradients; the best
        end wins."""
        x0 = np.asarray(x0, dtype=float)
        if x0.size == 0:
            return OptimizeResult(x0.copy(), float(fun(x0[None, :])[0]), 1)
        p = x0.size
        shifts = np.concatenate([np.eye(p), -np.eye(p)]) * (np.pi / 2)
        count = {"n": 0}

        def value_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
            batch = np.concatenate([x[None, :], x[None, :] + shifts])
            f = fun(batch)
            count["n"] += len(batch)
            return float(f[0]), 0.5 * (f[1:p + 1] - f[p + 1:])

        best_x, best_f = x0.copy(), np.inf
        starts = [x0] + [x0 + rng.normal(0.0, 0.3, size=p) for _ in range(self.restarts)]
        f0, g0 = value_and_grad(x0)
        if np.linalg.norm(g0) < 1e-6:  # a stationary start (e.g. all angles 0 on |0..0>): also try nearby
            starts.append(x0 + rng.normal(0.0, 0.1, size=p))
        for start in starts:
            if p <= 64:  # dense BFGS: no Fortran/BLAS calls, which crawl with oversubscribed threads
                res = minimize(value_and_grad, start, jac=True, method="BFGS",
                               options={"maxiter": self.maxiter, "gtol": self.gtol})
            else:
                res = minimize(value_and_grad, start, jac=True, method="L-BFGS-B",
                               options={"maxiter": self.maxiter, "gtol": self.gtol, "ftol": self.ftol})
            if res.fun < best_f:
                best_x, best_f = np.asarray(res.x, dtype=float), float(res.fun)
        return OptimizeResult(best_x, best_f, count["n"])
