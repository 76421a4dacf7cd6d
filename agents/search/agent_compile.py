"""``method="agent:<path>"``: roll a trained SB3 policy out on the target, then finish its word by search."""

from __future__ import annotations

from typing import Any

import numpy as np

from qdesign.envs.gate_compile.gatesets import GateSet


def load_policy(path: str) -> Any:
    """Load an SB3 model saved by ``qdesign train gate-compile`` (MaskablePPO, PPO, DQN or masked DQN)."""
    import importlib

    errors = []
    for mod, cls in (("sb3_contrib", "MaskablePPO"), ("stable_baselines3", "PPO"),
                     ("stable_baselines3", "DQN"), ("qdesign.agents.dqn", "MaskedDQN")):
        try:
            return getattr(importlib.import_module(mod), cls).load(path, device="cpu")
        except Exception as err:  # noqa: BLE001 - try the next loader
            errors.append(f"{cls}: {err}")
    raise ValueError(f"method 'agent:{path}': cannot load a policy ({'; '.join(errors)[:300]})")


def rollout_word(model: Any, target: np.ndarray, gs: GateSet, epsilon: float,
                 max_gates: int = 64) -> list[int]:
    """The policy's greedy word on ``target`` truncated where it came closest to the target."""
    from qdesign.envs.gate_compile.env import GateCompileEnv

    env = GateCompileEnv(gate_set=gs.name if not gs.name.startswith("custom:") else gs.gate_names,
                         epsilon=epsilon, max_gates=max_gates, target="haar", scramble_depth=0)
    obs, info = env.reset(seed=0, options={"target": target})
    best_len, best_d = 0, info["distance"]
    for _ in range(max_gates):
        try:
            action, _ = model.predict(obs, deterministic=True, action_masks=env.action_masks())
        except TypeError:
            action, _ = model.predict(obs, deterministic=True)
        obs, _, term, trunc, info = env.step(int(action))
        if info["distance"] < best_d:
            best_len, best_d = info["length"], info["distance"]
        if term or trunc:
            break
    return env.word[:best_len]


def agent_word(path: str, target: np.ndarray, gs: GateSet, epsilon: float, time_limit: float | None = None,
               max_gates: int = 64, **kwargs: Any) -> list[int] | None:
    from qdesign.agents.search.bwqs import finish_word

    model = load_policy(path)
    prefix = rollout_word(model, target, gs, epsilon, max_gates)
    return finish_word(prefix, target, gs, epsilon, time_limit=time_limit, **kwargs).word
