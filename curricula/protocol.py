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
    @property
    def level(self) -> Any: ...

    def update(self, episode_infos: list[dict[str, Any]], num_timesteps: int) -> Any: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...
