"""``make_agent``: built-in agent names and ``"package.module:Class"`` paths to agent objects."""

from __future__ import annotations

import inspect
from typing import Any

from qdesign.agents.protocol import Agent
from qdesign.plugins import resolve_object

#: built-in names -> "module:attribute"; families add their own agents here.
AGENTS: dict[str, str] = {
    "ppo": "stable_baselines3:PPO",
    "a2c": "stable_baselines3:A2C",
    "dqn": "stable_baselines3:DQN",
    "maskable_ppo": "sb3_contrib:MaskablePPO",
    "masked_dqn": "qdesign.agents.dqn:MaskedDQN",
}

#: agents whose predict() accepts action_masks (the CLI then passes masks at predict time)
MASK_AWARE = {"maskable_ppo", "masked_dqn"}


def resolve_agent_class(name: str) -> type:
    """The class behind a built-in name or a ``"package.module:Class"`` path."""
    return resolve_object(name, AGENTS, "agent")


def is_sb3_class(cls: type) -> bool:
    """True for Stable-Baselines3 algorithms (built as ``cls(policy, env)``, given callbacks and logs)."""
    try:
        from stable_baselines3.common.base_class import BaseAlgorithm
    except ImportError:  # pragma: no cover - SB3 is a dependency
        return False
    return inspect.isclass(cls) and issubclass(cls, BaseAlgorithm)


def default_policy(env: Any) -> str:
    """SB3's policy name for the env's observation space (``MultiInputPolicy`` for ``Dict``)."""
    from gymnasium import spaces

    return "MultiInputPolicy" if isinstance(env.observation_space, spaces.Dict) else "MlpPolicy"


def make_agent(name: str, env: Any, **kwargs: Any) -> Agent:
    """Build an agent on ``env`` (a Gymnasium env or an SB3 VecEnv).

    SB3 classes get ``policy`` defaulted from the observation space; other classes are called as
    ``cls(env, **kwargs)``.
    """
    cls = resolve_agent_class(name)
    if is_sb3_class(cls):
        policy = kwargs.pop("policy", None) or default_policy(env)
        return cls(policy, env, **kwargs)
    agent = cls(env, **kwargs)
    missing = [m for m in ("learn", "predict", "save") if not callable(getattr(agent, m, None))]
    if missing:
        raise ValueError(f"agent {name!r} lacks the Agent methods {missing} (see qdesign.agents.protocol)")
    return agent


def load_agent(name: str, path: str, env: Any = None, **kwargs: Any) -> Agent:
    """Load a saved agent of class ``name`` (built-in or ``"package.module:Class"``) from ``path``."""
    cls = resolve_agent_class(name)
    return cls.load(path, env=env, **kwargs)


def supports_masks(name: str, agent: Agent) -> bool:
    """Whether ``agent.predict`` takes ``action_masks`` (so evaluation passes the env's masks)."""
    if name in MASK_AWARE:
        return True
    try:
        return "action_masks" in inspect.signature(agent.predict).parameters
    except (TypeError, ValueError):
        return False
