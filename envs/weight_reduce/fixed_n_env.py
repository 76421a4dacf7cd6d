"""``FixedNReduceEnv``: weight-reduce a CSS code with n-preserving Tanner-graph moves only.

The action subset of ``WeightReduce-v0`` that keeps the number of qubits (what
``qdesign.reduction.anneal.anneal_fixed_n`` searches over), for a policy that reaches Table I's
[[58,16,3]](6,3) from HGP(Hamming [7,4]) at the same n:

* ``row_add X (i, j)``: X check i += X check j (same stabilizer group, k and d kept);
* ``row_add Z (i, j)``: the same on H_Z;
* ``CNOT (a, b)``: H_X[:, b] ^= H_X[:, a], H_Z[:, a] ^= H_Z[:, b] (n and k kept; the distance may
  drop: a CNOT that creates a logical of weight < ``d_min`` (<= 3, checked exactly by
  ``has_logical_below``) is rejected: the state is kept and the step costs ``invalid_penalty``).

Flat ``Discrete`` layout: row_add X (R*R) | row_add Z (R*R) | CNOT (N*N), R x N the padding
(``r_max``, ``n_max``; default the start code's size).  Masks: i != j among existing rows, a != b
among existing qubits.

Reward: the decrease of the excess (total check weight above w plus total qubit degree above q,
``qdesign.reduction.anneal.excess``) plus ``success_bonus`` when it reaches 0 (episode ends).
Observation (float32 in [0, 1]): the padded H_X and H_Z, each check's weight excess and each
qubit's X- and Z-degree excess (clipped at 4, divided by 4), the total excess over the start's,
and the step fraction.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from qdesign.codes import gf2
from qdesign.codes.css import CSSCode, check_target
from qdesign.codes.hgp import hgp_matrices
from qdesign.reduction import moves
from qdesign.reduction.anneal import excess, has_logical_below
from qdesign.reduction.seed_state import seed_start_matrix


class FixedNReduceEnv(gym.Env):
    """Row additions on H_X / H_Z and distance-checked CNOTs until check weight <= w, qubit degree <= q
    (see the module docstring)."""

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, seed_code: str = "7,4", h_x: Any = None, h_z: Any = None,
                 max_check_weight: int = 6, max_qubit_degree: int = 3, d_min: int = 3,
                 max_steps: int = 400, r_max: int | None = None, n_max: int | None = None,
                 success_bonus: float = 10.0, invalid_penalty: float = 0.1,
                 render_mode: str | None = None) -> None:
        check_target(max_check_weight, max_qubit_degree)
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.render_mode = render_mode
        if isinstance(d_min, bool) or not isinstance(d_min, (int, np.integer)) or not 1 <= d_min <= 3:
            raise ValueError(f"d_min must be an integer in 1..3 (exact low-weight logical test), "
                             f"got {d_min!r}")
        if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
            raise ValueError(f"max_steps must be an integer >= 1, got {max_steps!r}")
        if (h_x is None) != (h_z is None):
            raise ValueError("h_x and h_z must be given together")
        if h_x is None:
            H, _ = seed_start_matrix(seed_code, "systematic")
            hx, hz = hgp_matrices(H)
        else:
            code = CSSCode(gf2.as_binary(h_x, "h_x"), gf2.as_binary(h_z, "h_z"), allow_k0=False)
            hx, hz = code.h_x, code.h_z
        self.start = (hx.astype(np.uint8), hz.astype(np.uint8))
        n, r = hx.shape[1], max(hx.shape[0], hz.shape[0])
        self.N = int(n_max) if n_max is not None else n
        self.R = int(r_max) if r_max is not None else r
        if self.N < n or self.R < r:
            raise ValueError(f"the code ({hx.shape[0]}+{hz.shape[0]} checks on {n} qubits) does not fit the "
                             f"padding r_max={self.R}, n_max={self.N}")
        if n < 2 or min(hx.shape[0], hz.shape[0]) < 2:
            raise ValueError("FixedNReduceEnv needs at least two qubits and two checks of each type")
        self.w, self.q = int(max_check_weight), int(max_qubit_degree)
        self.d_min, self.max_steps = int(d_min), int(max_steps)
        self.success_bonus, self.invalid_penalty = float(success_bonus), float(invalid_penalty)
        R, N = self.R, self.N
        self.n_actions = 2 * R * R + N * N
        self.action_space = spaces.Discrete(self.n_actions)
        self.obs_dim = 2 * R * N + 2 * R + 2 * N + 2
        self.observation_space = spaces.Box(0.0, 1.0, shape=(self.obs_dim,), dtype=np.float32)
        self._mask = self._static_mask()
        self.excess0 = excess(hx, hz, self.w, self.q)
        self.h_x, self.h_z = hx.copy(), hz.copy()
        self.excess, self.best_excess, self.steps = self.excess0, self.excess0, 0

    def _static_mask(self) -> np.ndarray:
        R, N = self.R, self.N
        hx, hz = self.start
        parts = []
        for h in (hx, hz):
            g = np.zeros((R, R), dtype=bool)
            g[: h.shape[0], : h.shape[0]] = True
            np.fill_diagonal(g, False)
            parts.append(g.ravel())
        n = hx.shape[1]
        c = np.zeros((N, N), dtype=bool)
        c[:n, :n] = ~np.eye(n, dtype=bool)
        return np.concatenate(parts + [c.ravel()])

    def action_masks(self) -> np.ndarray:
        """Valid actions: row additions of two different rows, CNOTs on two different qubits."""
        return self._mask.copy()

    def decode(self, action: int) -> tuple[str, int, int]:
        """("ax" | "az" | "cnot", i, j) of a flat action index."""
        a = int(action)
        R, N = self.R, self.N
        if not 0 <= a < self.n_actions:
            raise ValueError(f"action {a} out of range 0..{self.n_actions - 1}")
        if a < R * R:
            return "ax", a // R, a % R
        if a < 2 * R * R:
            b = a - R * R
            return "az", b // R, b % R
        b = a - 2 * R * R
        return "cnot", b // N, b % N

    def encode(self, kind: str, i: int, j: int) -> int:
        """Flat action index of ("ax" | "az" | "cnot", i, j)."""
        R, N = self.R, self.N
        if kind == "ax":
            return i * R + j
        if kind == "az":
            return R * R + i * R + j
        if kind == "cnot":
            return 2 * R * R + i * N + j
        raise ValueError(f"kind must be 'ax', 'az' or 'cnot', got {kind!r}")

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        """Back to the start code."""
        super().reset(seed=seed)
        self.h_x, self.h_z = self.start[0].copy(), self.start[1].copy()
        self.excess = self.best_excess = self.excess0
        self.steps = 0
        return self._obs(), self._info(False, False)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        """One move; reward = excess decrease (+ bonus at 0), rejected CNOTs and masked actions cost
        ``invalid_penalty`` and keep the state."""
        a = int(np.asarray(action).ravel()[0])
        self.steps += 1
        rejected = False
        if not (0 <= a < self.n_actions and self._mask[a]):
            rejected = True
        else:
            kind, i, j = self.decode(a)
            if kind == "ax":
                nx, nz = moves.row_add(self.h_x, i, j), self.h_z
            elif kind == "az":
                nx, nz = self.h_x, moves.row_add(self.h_z, i, j)
            else:
                nx, nz = moves.cnot(self.h_x, self.h_z, i, j)
                rejected = has_logical_below(nx, nz, self.d_min)
        if rejected:
            reward = -self.invalid_penalty
        else:
            new = excess(nx, nz, self.w, self.q)
            reward = float(self.excess - new)
            self.h_x, self.h_z, self.excess = nx, nz, new
            self.best_excess = min(self.best_excess, new)
        success = self.excess == 0
        if success:
            reward += self.success_bonus
        truncated = bool(not success and self.steps >= self.max_steps)
        return self._obs(), float(reward), bool(success), truncated, self._info(success, rejected)

    def _obs(self) -> np.ndarray:
        R, N = self.R, self.N
        hx, hz = self.h_x, self.h_z
        parts = []
        for h in (hx, hz):
            g = np.zeros((R, N), dtype=np.float32)
            g[: h.shape[0], : h.shape[1]] = h
            parts.append(g.ravel())
        for h in (hx, hz):
            e = np.zeros(R, dtype=np.float32)
            e[: h.shape[0]] = np.clip(h.sum(axis=1).astype(np.int64) - self.w, 0, 4) / 4.0
            parts.append(e)
        for h in (hx, hz):
            e = np.zeros(N, dtype=np.float32)
            e[: h.shape[1]] = np.clip(h.sum(axis=0).astype(np.int64) - self.q, 0, 4) / 4.0
            parts.append(e)
        parts.append(np.array([min(self.excess / max(self.excess0, 1), 1.0),
                               min(self.steps / self.max_steps, 1.0)], dtype=np.float32))
        return np.concatenate(parts)

    def _info(self, success: bool, rejected: bool) -> dict[str, Any]:
        hx, hz = self.h_x, self.h_z
        return {"n": int(hx.shape[1]), "excess": int(self.excess), "best_excess": int(self.best_excess),
                "w": int(max(hx.sum(axis=1).max(), hz.sum(axis=1).max())),
                "q": int(max(hx.sum(axis=0).max(), hz.sum(axis=0).max())),
                "is_success": bool(success), "rejected": bool(rejected)}

    def render(self) -> str | None:
        """``"ansi"``: one line with n, (w, q), the excess and the step."""
        if self.render_mode != "ansi":
            return None
        i = self._info(self.excess == 0, False)
        return (f"step {self.steps}: n={i['n']} (w, q) = ({i['w']}, {i['q']}) excess {i['excess']} "
                f"target ({self.w}, {self.q}) d >= {self.d_min}\n")
