"""He & Liu's weight-reduction reward (arXiv 2502.14372 eqs. 2–4), with the printed sign fixed.

R = α·(mean R̄_v + mean R̄_c) / 2 + β·d̄ + δ·Δd̄ − γ·overhead

* local degree reward (eq. 2): R(κ) = C[κ] for κ ≤ Vmax, exp(−λ(κ − Vmax)) above; C_1 is small
  so the agent does not starve checks; degree terms are averaged over nodes (so R stays bounded,
  the paper's raw sums do not);
* d̄ = (d − d_min)/(d_max − d_min) clipped to [0, 1] (eq. 3);
* Δd̄ enters with a **plus** sign: the paper prints −δ·Δd but says the term "penalizes decreases
  and rewards increases in distance", which only the plus sign does;
* the paper has no qubit-overhead term; here γ·(n − n0)/n0 charges added qubits explicitly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RewardWeights:
    """Weights and degree-reward constants of the He & Liu reward (see the module docstring)."""
    alpha: float = 0.5
    beta: float = 0.25
    delta: float = 0.25
    gamma: float = 0.5  # overhead (not in the paper)
    c1: float = 0.3
    c2: float = 0.9
    c3: float = 1.0
    vmax: int = 3
    lam: float = 1.0

    def __post_init__(self) -> None:
        for name in ("alpha", "beta", "delta", "gamma", "lam"):
            if getattr(self, name) < 0:
                raise ValueError(f"reward weight {name} must be >= 0, got {getattr(self, name)}")


def local_degree_reward(degrees: np.ndarray, vmax: int, c: tuple[float, ...], lam: float) -> np.ndarray:
    """Eq. 2 per node; ``c`` = (C_1, …, C_Vmax); isolated nodes (degree 0) get 0."""
    deg = np.asarray(degrees, dtype=np.int64)
    table = np.array((0.0, *c), dtype=np.float64)
    out = np.where(deg <= vmax, table[np.minimum(deg, vmax)], np.exp(-lam * (deg - vmax)))
    return out


def degree_term(var_degrees: np.ndarray, check_degrees: np.ndarray, vmax_var: int, vmax_check: int,
                w: RewardWeights) -> float:
    """Mean normalised local reward over variables and checks, in [0, 1]."""
    cs = (w.c1, w.c2) + (w.c3,) * max(vmax_var - 2, 1)
    cc = (w.c1, w.c2) + (w.c3,) * max(vmax_check - 2, 1)
    rv = local_degree_reward(var_degrees, vmax_var, cs[:vmax_var], w.lam)
    rc = local_degree_reward(check_degrees, vmax_check, cc[:vmax_check], w.lam)
    top = max(w.c1, w.c2, w.c3, 1e-9)
    parts = [float(rv.mean()) if rv.size else 0.0, float(rc.mean()) if rc.size else 0.0]
    return float(np.clip(np.mean(parts) / top, 0.0, 1.0))


def normalised_distance(d: float, d_min: float, d_max: float) -> float:
    """d scaled to [0, 1] between d_min and d_max (eq. 3); infinite d counts as d_max."""
    if d == math.inf:
        d = d_max
    if d_max <= d_min:
        return 1.0 if d >= d_max else 0.0
    return float(np.clip((d - d_min) / (d_max - d_min), 0.0, 1.0))


def he_liu_reward(deg_term: float, d: float, d_prev: float, d_min: float, d_max: float, n: int, n0: int,
                  w: RewardWeights) -> float:
    """Eq. 4 with +δ·Δd̄ and an explicit −γ·(n − n0)/n0 overhead term."""
    dbar = normalised_distance(d, d_min, d_max)
    dprev = normalised_distance(d_prev, d_min, d_max)
    overhead = max(n - n0, 0) / max(n0, 1)
    return float(w.alpha * deg_term + w.beta * dbar + w.delta * (dbar - dprev) - w.gamma * overhead)
