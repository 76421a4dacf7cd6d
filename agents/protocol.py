"""The ``Agent`` protocol: Stable-Baselines3's public surface, so SB3, sb3-contrib and custom
agents are interchangeable in ``qdesign train`` and ``qdesign evaluate``.

A custom agent is any class with ``__init__(self, env, **kwargs)`` and the four methods below;
``make_agent("my_pkg.my_module:MyAgent", env)`` builds it without touching this package.
A custom agent need not call callbacks: ``qdesign train`` drives the curriculum, periodic
checkpoints and TensorBoard logging from the env steps its ``learn`` takes.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Agent(Protocol):
    """What ``qdesign train``, ``evaluate`` and ``make_agent`` need of an agent (SB3's surface)."""

    def learn(self, total_timesteps: int, callback: Any = None, **kwargs: Any) -> Agent:
        """Train for ``total_timesteps`` more env steps (on a resumed run: the steps still to go, on top
        of the loaded agent's own count); SB3 callbacks may be ignored."""
        ...

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
        action_masks: np.ndarray | None = None,
    ) -> tuple[np.ndarray, Any]:
        """The action(s) for ``observation`` and the recurrent state (``None`` if stateless); agents
        that accept ``action_masks`` are given the env's masks at evaluation."""
        ...

    def save(self, path: str) -> None:
        """Write the agent to ``path`` (the run folder's ``model.zip`` and checkpoints)."""
        ...

    @classmethod
    def load(cls, path: str, env: Any = None, **kwargs: Any) -> Agent:
        """Rebuild an agent saved by :meth:`save`, attached to ``env`` when given (resume, evaluate)."""
        ...
