"""Environments and greedy rollouts built from a ``TrainConfig``: what tasks and the trainer share.

Kept apart from ``qdesign.training`` so a family's ``Task`` can evaluate a policy without importing
the trainer that imports it.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from qdesign.agents.factory import supports_masks
from qdesign.agents.protocol import Agent
from qdesign.config import TrainConfig
from qdesign.registry import check_env_id, episode_limit


def make_env(config: TrainConfig, render_mode: str | None = None) -> gym.Env:
    """``gym.make`` a config's env id with its kwargs and the id's episode limit; ValueError for an unknown
    id."""
    check_env_id(config.env_id)
    return gym.make(config.env_id, render_mode=render_mode,
                    max_episode_steps=episode_limit(config.env_id, config.env_kwargs), **config.env_kwargs)


def rollout_metrics(config: TrainConfig, model: Agent, n_episodes: int, seed: int,
                    level: Any = None) -> dict[str, Any]:
    """Greedy rollouts on fresh seeds (held out from training's), masks applied at predict time."""
    env = make_env(config)
    base: Any = env.unwrapped  # a qdesign env: set_level and action_masks beyond gym.Env
    if level is not None and hasattr(base, "set_level"):
        base.set_level(level)
    use_masks = supports_masks(config.agent, model) and hasattr(base, "action_masks")
    returns, lengths, successes = [], [], []
    for i in range(n_episodes):
        obs, info = env.reset(seed=seed + i)
        total, steps, done = 0.0, 0, False
        while not done:
            kwargs = {"action_masks": base.action_masks()} if use_masks else {}
            action, _ = model.predict(obs, deterministic=True, **kwargs)
            obs, reward, terminated, truncated, info = env.step(int(np.asarray(action).item()))
            total, steps, done = total + float(reward), steps + 1, terminated or truncated
        returns.append(total)
        lengths.append(steps)
        successes.append(bool(info.get("is_success", False)))
    env.close()
    return {"episodes": n_episodes, "mean_return": float(np.mean(returns)),
            "mean_length": float(np.mean(lengths)), "success_rate": float(np.mean(successes))}
