"""``method="agent:<path>"``: roll a trained SB3 policy out on the target, then finish its word by search."""

from __future__ import annotations

from typing import Any

import numpy as np

from qdesign.quantum.gatesets import GateSet


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
                 max_gates: int = 64, exact_gates: int | None = None, deterministic: bool = True,
                 rng: np.random.Generator | None = None) -> list[int]:
    """The policy's greedy word on ``target`` truncated where it came closest to the target; with
    ``exact_gates`` = k, exactly the first k gates the policy writes (no truncation; fewer only if the
    episode ends first). ``model=None`` is the uniform random masked policy (``rng`` draws)."""
    if exact_gates is not None and int(exact_gates) > max_gates:
        raise ValueError(f"agent_gates must be <= max_gates={max_gates}, got {exact_gates}")
    from qdesign.envs.gate_compile.env import GateCompileEnv

    env = GateCompileEnv(gate_set=gs.name if not gs.name.startswith("custom:") else gs.gate_names,
                         epsilon=epsilon, max_gates=max_gates, target="haar", scramble_depth=0)
    obs, info = env.reset(seed=0, options={"target": target})
    best_len, best_d = 0, info["distance"]
    for _ in range(max_gates if exact_gates is None else int(exact_gates)):
        if model is None:
            action = (rng or np.random.default_rng()).choice(np.flatnonzero(env.action_masks()))
        else:
            try:
                action, _ = model.predict(obs, deterministic=deterministic, action_masks=env.action_masks())
            except TypeError:
                action, _ = model.predict(obs, deterministic=deterministic)
        obs, _, term, trunc, info = env.step(int(action))
        if info["distance"] < best_d:
            best_len, best_d = info["length"], info["distance"]
        if term or trunc:
            break
    return env.word if exact_gates is not None else env.word[:best_len]


_POLICIES: dict[str, Any] = {}


def agent_word(path: str, target: np.ndarray, gs: GateSet, epsilon: float, time_limit: float | None = None,
               max_gates: int = 64, agent_gates: int | None = None, info: dict | None = None,
               **kwargs: Any) -> list[int] | None:
    """The policy's word (truncated at its closest approach, or exactly ``agent_gates`` gates) completed by
    the finisher. The finisher only appends: the policy's prefix is always kept, and ``info`` receives
    ``agent_gates`` (its length) so the policy's share of the result is visible."""
    import os

    from qdesign.synthesis.bwqs import finish_word

    key = f"{path}:{os.path.getmtime(path) if os.path.exists(path) else 0}"
    if key not in _POLICIES:
        _POLICIES[key] = load_policy(path)
    prefix = rollout_word(_POLICIES[key], target, gs, epsilon, max_gates, exact_gates=agent_gates)
    word = finish_word(prefix, target, gs, epsilon, time_limit=time_limit, **kwargs).word
    if word is not None:
        assert word[: len(prefix)] == prefix, "the finisher must not discard the agent's prefix"
    if info is not None:
        info["agent_gates"] = len(prefix)
    return word
