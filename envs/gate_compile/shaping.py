"""Exact-regret reward for one-qubit compiling: each gate is charged what it costs the optimal word.

``OptimalLengthShaping`` wraps ``GateCompileEnv`` (Haar targets) and replaces its reward by
``-1 - (L*(child) - L*(parent))`` = minus the gate's regret, where L* is the exact optimal remaining
length from the meet-in-the-middle solver (~ms per call). A gate that starts an optimal completion
earns 0; a wasted gate -1 or -2. The episode is truncated after ``horizon`` gates: the policy is trained
for the prefix role it plays in ``agent:<path>`` compilation, where the exact finisher completes whatever
it leaves, so the final length is ``L*(target) + total regret`` = ``L*(target) - return``.
``info["regret"]`` holds the step's regret and ``info["optimal_remaining"]`` L*.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from qdesign.envs.gate_compile.env import GateCompileEnv


class OptimalLengthShaping(gym.Wrapper):
    """Reward ``-1 - (L*(after) - L*(before))`` per gate, truncation after ``horizon`` gates."""

    def __init__(self, env: GateCompileEnv | None = None, horizon: int = 16, **env_kwargs: Any) -> None:
        if env is None:
            env = GateCompileEnv(**({"target": "haar", "scramble_depth": 0} | env_kwargs))
        if env.gs.num_qubits != 1:
            raise ValueError(f"env: OptimalLengthShaping is one-qubit only, got {env.gs.num_qubits} qubits")
        if not (isinstance(horizon, int) and 1 <= horizon <= env.max_gates):
            raise ValueError(f"horizon must be an int in [1, max_gates={env.max_gates}], got {horizon!r}")
        super().__init__(env)
        self.horizon = horizon
        self._lstar = 0

    def _optimal(self, residual: np.ndarray) -> int:
        from qdesign.synthesis.mitm import get_solver

        solver = get_solver(self.env.unwrapped.gs, None, self.env.unwrapped.epsilon)
        sol = solver.solve(residual, self.env.unwrapped.epsilon, extend=2)
        return len(sol.word) if sol is not None else solver.max_length + 2

    def action_masks(self) -> np.ndarray:
        """The wrapped env's action masks (so maskable agents see through the wrapper)."""
        return self.env.unwrapped.action_masks()

    def reset(self, **kwargs: Any):
        """Reset the env and record the optimal remaining length of its residual."""
        obs, info = self.env.reset(**kwargs)
        self._lstar = self._optimal(self.env.unwrapped.residual)
        info["optimal_remaining"] = self._lstar
        return obs, info

    def step(self, action: Any):
        """Step the env and replace its reward by minus the regret (1 + change in optimal remaining
        length)."""
        obs, _, terminated, truncated, info = self.env.step(action)
        lstar = 0 if terminated else self._optimal(self.env.unwrapped.residual)
        regret = 1 + lstar - self._lstar
        self._lstar = lstar
        info["regret"], info["optimal_remaining"] = int(regret), int(lstar)
        truncated = bool(truncated or (not terminated and info["length"] >= self.horizon))
        return obs, float(-regret), bool(terminated), truncated, info
