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
    def learn(self, total_timesteps: int, callback: Any = None, **kwargs: Any) -> Agent: ...

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
        action_masks: np.ndarray | None = None,
    ) -> tuple[np.ndarray, Any]: ...

    def save(self, path: str) -> None: ...

    @classmethod
    def load(cls, path: str, env: Any = None, **kwargs: Any) -> Agent: ...
