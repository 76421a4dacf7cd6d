"""``EnvEntry``: how a family declares one ``qdesign/<Name>-v<N>`` id in its ``presets`` module.

The entries are plain data; ``qdesign.registry`` (the harness) gathers them and registers them
with Gymnasium, so no environment module ever imports the registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NAMESPACE = "qdesign"


@dataclass(frozen=True)
class EnvEntry:
    """One registered id: ``qdesign/<name>-v<version>`` plus the kwargs that define its preset.

    ``max_episode_steps`` is the env's own step limit at these kwargs (Gymnasium's ``TimeLimit`` then
    never cuts an episode the env would not end itself); ``limit_kwarg`` names the constructor argument
    that sets that limit, so ``qdesign.registry.episode_limit`` can follow a ``gym.make`` override.
    """

    name: str
    entry_point: str
    description: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    max_episode_steps: int | None = None
    limit_kwarg: str | None = None
    #: ``module:Class`` of a batched ``gymnasium.vector.VectorEnv`` for ``gym.make_vec(...,
    #: vectorization_mode="vector_entry_point")`` (None: Gymnasium's sync/async wrappers only)
    vector_entry_point: str | None = None

    @property
    def id(self) -> str:
        """The Gymnasium id, ``qdesign/<name>-v<version>``."""
        return f"{NAMESPACE}/{self.name}-v{self.version}"
