"""Adam-SPSA with CRLQAS's multi-stage shot budget (the suite's custom inner optimizer).

Update (CRLQAS §2.1): ``a_k = a/(k+1)^alpha``, ``c_k = c/(k+1)^gamma``, Rademacher ``D``,
SPSA gradient ``g = (f+ - f-)/(2 c_k D)``, decaying momentum ``b1_k = beta1/(k+1)^lamda``,
``m = b1_k m + (1-b1_k) g``, ``v = beta2 v + (1-beta2) g^2``, bias-corrected steps; the best-seen
point is returned. With ``maxfev=(f1, f2, f3)`` the iterations are split into consecutive stages of
``ceil(f_i/2)`` iterations evaluated with ``shot_fractions`` (default 1/100, 1/10, 1) of the
objective's shot budget, and k, m, v are NOT reset between stages ("continuously decaying").
Each iteration evaluates ``[theta, theta + c_k D, theta - c_k D]`` as one batch: the ``theta``
entry is the extra per-iteration evaluation that tracks the best point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qdesign.optim.protocol import BatchedObjective, OptimizeResult


class AdamSPSA:
    """Adam on SPSA gradients with staged shot budgets (see the module docstring); for noisy energies."""

    def __init__(self, maxfev: int | Sequence[int] = 200, a: float = 1.0, alpha: float = 0.602,
                 c: float = 0.1, gamma: float = 0.101, lamda: float = 0.4, beta1: float = 0.999,
                 beta2: float = 0.999, eps: float = 1e-8, shot_fractions: Sequence[float] | None = None,
                 first_step_plain: bool = False):
        stages = [int(maxfev)] if isinstance(maxfev, (int, np.integer)) else [int(f) for f in maxfev]
        if not stages or any(f < 1 for f in stages):
            raise ValueError(f"maxfev={maxfev!r} is invalid; allowed: an integer >= 1 or a list of them")
        if shot_fractions is None:
            shot_fractions = [1.0] if len(stages) == 1 else [10.0 ** (i - len(stages) + 1) for i in
                                                              range(len(stages))]
        if len(shot_fractions) != len(stages) or any(not s > 0 for s in shot_fractions):
            raise ValueError(f"shot_fractions={shot_fractions!r} is invalid; allowed: one positive "
                             f"fraction per stage ({len(stages)})")
        for name, v in (("a", a), ("c", c)):
            if not v > 0:
                raise ValueError(f"{name}={v!r} is invalid; allowed: a positive number")
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"beta1={beta1!r}, beta2={beta2!r} are invalid; allowed: values in [0, 1)")
        self.stages = stages
        self.shot_fractions = [float(s) for s in shot_fractions]
        self.a, self.alpha, self.c, self.gamma = float(a), float(alpha), float(c), float(gamma)
        self.lamda, self.beta1, self.beta2, self.eps = float(lamda), float(beta1), float(beta2), float(eps)
        self.first_step_plain = bool(first_step_plain)

    @property
    def iterations(self) -> list[int]:
        """Iterations per stage, ceil(f_i / 2): each SPSA iteration spends two evaluations of the budget."""
        return [math.ceil(f / 2) for f in self.stages]

    def minimize(self, fun: BatchedObjective, x0: np.ndarray, rng: np.random.Generator) -> OptimizeResult:
        """Run all stages from ``x0`` and return the best point seen (noisy energies, so not the last one)."""
        x = np.asarray(x0, dtype=float).copy()
        set_scale = getattr(fun, "set_shot_scale", None)
        if x.size == 0:
            if set_scale:
                set_scale(self.shot_fractions[-1])
            return OptimizeResult(x, float(fun(x[None, :])[0]), 1)
        m = np.zeros_like(x)
        v = np.zeros_like(x)
        best_x, best_f, nfev, k = x.copy(), np.inf, 0, 0
        for n_iter, frac in zip(self.iterations, self.shot_fractions):
            if set_scale:
                set_scale(frac)
                if len(self.stages) > 1:
                    best_f = np.inf  # energies at another shot budget are not comparable
            for _ in range(n_iter):
                ak = self.a / (k + 1) ** self.alpha
                ck = self.c / (k + 1) ** self.gamma
                delta = rng.choice((-1.0, 1.0), size=x.size)
                f0, fp, fm = fun(np.stack([x, x + ck * delta, x - ck * delta]))
                nfev += 3
                if f0 < best_f:
                    best_x, best_f = x.copy(), float(f0)
                g = (fp - fm) / (2 * ck * delta)
                if k == 0 and self.first_step_plain:
                    x = x - ak * g
                else:
                    b1 = self.beta1 / (k + 1) ** self.lamda
                    m = b1 * m + (1 - b1) * g
                    v = self.beta2 * v + (1 - self.beta2) * g * g
                    m_hat = m / (1 - b1 ** (k + 1))
                    v_hat = v / (1 - self.beta2 ** (k + 1))
                    x = x - ak * m_hat / (np.sqrt(v_hat) + self.eps)
                k += 1
        f_last = float(fun(x[None, :])[0])
        nfev += 1
        if f_last < best_f:
            best_x, best_f = x, f_last
        return OptimizeResult(best_x, best_f, nfev)
