"""The curriculum hook every qdesign environment shares.

``set_level`` stores a level that the *next* ``reset`` applies, so an episode never changes its
rules halfway and a vectorised env can be told a new level at any moment (SB3 callbacks call
``env_method("set_level", level)``). ``curriculum_level`` reports the level that will be in force.
"""

from __future__ import annotations

from typing import Any


class CurriculumLevelMixin:
    """Mix into a ``gymnasium.Env``; call ``_init_level`` in ``__init__`` and ``_apply_pending_level``
    at the start of ``reset``. Override ``_check_level`` to validate and normalise a level."""

    _level: Any = None
    _pending_level: Any = None

    def _init_level(self, level: Any) -> None:
        self._level = self._check_level(level)
        self._pending_level = None

    def _check_level(self, level: Any) -> Any:
        return level

    @property
    def curriculum_level(self) -> Any:
        """The level in force from the next reset on (a pending ``set_level`` included)."""
        return self._pending_level if self._pending_level is not None else self._level

    def set_level(self, level: Any) -> None:
        """Use ``level`` from the next ``reset``; invalid levels raise ``ValueError`` now."""
        self._pending_level = self._check_level(level)

    def _apply_pending_level(self) -> Any:
        """At reset: make a pending level current; returns the level in force."""
        if self._pending_level is not None:
            self._level, self._pending_level = self._pending_level, None
        return self._level
