"""A custom agent defined outside the qdesign package: uniform over the valid actions.

It learns nothing; it shows the whole ``Agent`` protocol (``learn``, ``predict`` with
``action_masks``, ``save``, ``load``) and serves as the floor every trained agent must beat::

    PYTHONPATH=experiments/custom_agent qdesign train gate-compile --agent random_agent:RandomMaskedAgent
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np


class RandomMaskedAgent:
    def __init__(self, env: Any, seed: int | None = None) -> None:
        self.env = env  # an SB3 VecEnv during training, None after load()
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.num_timesteps = 0
        self.n_actions = int(env.action_space.n) if env is not None else None

    def _choose(self, mask: np.ndarray | None, n: int) -> int:
        valid = np.flatnonzero(mask) if mask is not None else np.arange(n)
        return int(self.rng.choice(valid))

    def learn(self, total_timesteps: int, callback: Any = None, **kwargs: Any) -> RandomMaskedAgent:
        n = self.n_actions
        self.env.reset()
        end = self.num_timesteps + total_timesteps  # more steps: a resumed agent continues its count
        while self.num_timesteps < end:
            masks = self.env.env_method("action_masks")
            actions = np.array([self._choose(m, n) for m in masks])
            self.env.step(actions)
            self.num_timesteps += self.env.num_envs
        return self

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = False, action_masks: np.ndarray | None = None
                ) -> tuple[np.ndarray, None]:
        return np.array(self._choose(action_masks, self.n_actions)), None

    def save(self, path: str) -> None:
        with open(path, "w") as fh:
            state = {"seed": self.seed, "num_timesteps": self.num_timesteps, "n_actions": self.n_actions}
            json.dump(state, fh)

    @classmethod
    def load(cls, path: str, env: Any = None, **kwargs: Any) -> RandomMaskedAgent:
        with open(path) as fh:
            data = json.load(fh)
        agent = cls(env, seed=data["seed"])
        agent.num_timesteps, agent.n_actions = data["num_timesteps"], data["n_actions"]
        return agent
