"""The ``Curriculum`` protocol: read finished-episode infos, return the next level.

A level is anything JSON-safe (a number, a dict of env parameters). Environments expose
``set_level(level)``, which takes effect at their next ``reset``; the one SB3 callback in
``qdesign.curricula.callback`` calls it on every training and evaluation env through
``env_method``. ``state_dict`` / ``load_state_dict`` make the curriculum resumable.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Curriculum(Protocol):
    """What the curriculum callback needs: a level, an update from finished episodes, a saved state."""

    @property
    def level(self) -> Any:
        """The current level, JSON-safe; envs receive it through ``set_level``."""
        ...

    def update(self, episode_infos: list[dict[str, Any]], num_timesteps: int) -> Any:
        """Take the infos of the episodes finished since the last call; return the (new) level."""
        ...

    def state_dict(self) -> dict[str, Any]:
        """A JSON-safe snapshot, written with every checkpoint so a resumed run continues the schedule."""
        ...

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a snapshot from :meth:`state_dict`."""
        ...
