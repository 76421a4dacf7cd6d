"""scipy's COBYLA behind the batched-objective protocol (the CRLQAS noiseless default)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from qdesign.optim.protocol import BatchedObjective, OptimizeResult


class COBYLA:
    """scipy's derivative-free COBYLA on one angle vector at a time (CRLQAS's noiseless choice)."""

    def __init__(self, maxiter: int = 1000, rhobeg: float = 1.0, tol: float | None = None):
        if int(maxiter) < 1:
            raise ValueError(f"maxiter={maxiter!r} is invalid; allowed: an integer >= 1")
        self.maxiter, self.rhobeg, self.tol = int(maxiter), float(rhobeg), tol

    def minimize(self, fun: BatchedObjective, x0: np.ndarray, rng: np.random.Generator) -> OptimizeResult:
        """SciPy COBYLA from ``x0``, keeping the best point evaluated (COBYLA may end elsewhere)."""
        x0 = np.asarray(x0, dtype=float)
        if x0.size == 0:
            return OptimizeResult(x0.copy(), float(fun(x0[None, :])[0]), 1)
        best = {"x": x0.copy(), "f": np.inf}

        def scalar(x: np.ndarray) -> float:
            f = float(fun(np.asarray(x, dtype=float)[None, :])[0])
            if f < best["f"]:
                best["x"], best["f"] = np.array(x, dtype=float), f
            return f

        res = minimize(scalar, x0, method="COBYLA", tol=self.tol,
                       options={"maxiter": self.maxiter, "rhobeg": self.rhobeg})
        return OptimizeResult(best["x"], best["f"], int(res.nfev))
