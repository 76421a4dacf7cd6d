"""Plain SPSA (Spall): two-point simultaneous-perturbation gradient, decaying gains.

Each iteration evaluates ``[theta, theta + c_k D, theta - c_k D]`` as ONE batch (the current point
doubles as the best-seen bookkeeping), so batched simulators run the three circuits together.
"""

from __future__ import annotations

import numpy as np

from qdesign.optim.protocol import BatchedObjective, OptimizeResult


class SPSA:
    """Plain two-point SPSA with decaying gains, three circuits per iteration in one batch."""

    def __init__(self, maxiter: int = 100, a: float = 0.2, c: float = 0.1, alpha: float = 0.602,
                 gamma: float = 0.101, stability: float = 0.0):
        if int(maxiter) < 1:
            raise ValueError(f"maxiter={maxiter!r} is invalid; allowed: an integer >= 1")
        for name, v in (("a", a), ("c", c)):
            if not v > 0:
                raise ValueError(f"{name}={v!r} is invalid; allowed: a positive number")
        self.maxiter, self.a, self.c = int(maxiter), float(a), float(c)
        self.alpha, self.gamma, self.stability = float(alpha), float(gamma), float(stability)

    def minimize(self, fun: BatchedObjective, x0: np.ndarray, rng: np.random.Generator) -> OptimizeResult:
        """Plain SPSA from ``x0`` with the standard gain sequences; returns the best point seen."""
        x = np.asarray(x0, dtype=float).copy()
        if x.size == 0:
            return OptimizeResult(x, float(fun(x[None, :])[0]), 1)
        best_x, best_f, nfev = x.copy(), np.inf, 0
        for k in range(self.maxiter):
            ak = self.a / (k + 1 + self.stability) ** self.alpha
            ck = self.c / (k + 1) ** self.gamma
            delta = rng.choice((-1.0, 1.0), size=x.size)
            f0, fp, fm = fun(np.stack([x, x + ck * delta, x - ck * delta]))
            nfev += 3
            if f0 < best_f:
                best_x, best_f = x.copy(), float(f0)
            x = x - ak * (fp - fm) / (2 * ck * delta)
        f_last = float(fun(x[None, :])[0])
        nfev += 1
        if f_last < best_f:
            best_x, best_f = x, f_last
        return OptimizeResult(best_x, best_f, nfev)
