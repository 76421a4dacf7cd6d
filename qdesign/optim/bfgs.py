"""BFGS on exact adjoint gradients with the whole loop compiled: the default noiseless inner optimizer.

The parameter-shift rule needs 2P + 1 circuit simulations per gradient and scipy's BFGS adds
Python overhead per iteration; here one energy-and-gradient evaluation costs about three
simulations whatever P is (adjoint method, Jones & Gacon arXiv:2009.02823 Sec. 2), and the
quasi-Newton loop (Nocedal & Wright Alg. 6.1, Armijo backtracking) runs inside one numba call.
It needs an objective that exposes the simulator's compiled loop (the architecture-search
``EnergyObjective`` on an exact statevector simulator); any other batched objective falls back
to :class:`~qdesign.optim.lbfgs.LBFGSShift` (parameter shift + scipy). Like that optimizer, a
stationary start (zero gradient) is complemented by a randomly perturbed one, keeping the better.
"""

from __future__ import annotations

import numpy as np

from qdesign.optim.lbfgs import LBFGSShift
from qdesign.optim.protocol import BatchedObjective, OptimizeResult


class AdjointBFGS:
    """Compiled BFGS on adjoint gradients (``maxiter`` iterations, stop at max |gradient| <= ``gtol``).

    ``restarts`` extra starts at ``x0 + N(0, restart_scale)`` each keep the better result: the env
    warm-starts from the previous optimum, and one extra start lowers the energies reached on the
    same episodes at about twice the cost (experiments/bench/arch_search_inner_loop.py).
    """

    def __init__(self, maxiter: int = 200, gtol: float = 1e-8, restarts: int = 0, restart_scale: float = 0.3):
        if int(maxiter) < 1:
            raise ValueError(f"maxiter={maxiter!r} is invalid; allowed: an integer >= 1")
        if not float(gtol) > 0:
            raise ValueError(f"gtol={gtol!r} is invalid; allowed: a positive float")
        if int(restarts) < 0:
            raise ValueError(f"restarts={restarts!r} is invalid; allowed: an integer >= 0")
        self.maxiter, self.gtol = int(maxiter), float(gtol)
        self.restarts, self.restart_scale = int(restarts), float(restart_scale)

    def minimize(self, fun: BatchedObjective, x0: np.ndarray, rng: np.random.Generator) -> OptimizeResult:
        """Minimise from ``x0``; randomness (perturbed starts) from ``rng``."""
        x0 = np.asarray(x0, dtype=float)
        solve = getattr(fun, "minimize_bfgs", None) if getattr(fun, "supports_adjoint", False) else None
        if solve is None:
            if not getattr(getattr(fun, "simulator", None), "exact", True):
                raise ValueError("optimizer='adjoint_bfgs' needs exact energies; with shots or noise use "
                                 "'adam_spsa', 'spsa' or 'cobyla'")
            return LBFGSShift(self.maxiter, self.gtol).minimize(fun, x0, rng)
        if x0.size == 0:
            return OptimizeResult(x0.copy(), float(fun(x0[None, :])[0]), 1)
        x, f, nfev, g0 = solve(x0, self.maxiter, self.gtol)
        if g0 < 1e-6:  # a stationary start (e.g. a new angle 0 that commutes): also try nearby
            x1 = x0 + rng.normal(0.0, 0.1, size=x0.size)
            x2, f2, n2, _ = solve(x1, self.maxiter, self.gtol)
            nfev += n2
            if f2 < f:
                x, f = x2, f2
        for _ in range(self.restarts):  # extra starts around the warm start; keep the best
            x1 = x0 + rng.normal(0.0, self.restart_scale, size=x0.size)
            x2, f2, n2, _ = solve(x1, self.maxiter, self.gtol)
            nfev += n2
            if f2 < f:
                x, f = x2, f2
        return OptimizeResult(np.asarray(x, dtype=float), float(f), int(nfev))
