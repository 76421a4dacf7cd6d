"""Two rules every qdesign environment enforces in ``step`` (issue 16: no silent wrong results).

* An action outside ``action_space`` is a ``ValueError`` naming the action and the space. Actions
  inside the space but masked out stay legal moves with the family's invalid-action penalty (that is
  what ``action_masks`` is for); an out-of-range index is a caller bug and is never penalised silently.
* ``step`` after the episode ended (``terminated`` or ``truncated``) without ``reset`` raises
  ``ResetNeededError``, Gymnasium's order-enforcing convention (``gymnasium.error.ResetNeeded``),
  instead of paying rewards for steps that are not part of any episode.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded


class ResetNeededError(ResetNeeded, ValueError):
    """``step`` was called after the episode ended; call ``reset`` first."""


def check_action(action: Any, space: spaces.Space) -> np.ndarray:
    """``action`` as an integer array if it lies in ``space`` (Discrete or MultiDiscrete), else a
    ``ValueError`` that names it and the valid range."""
    arr = np.asarray(action)
    ok = arr.dtype.kind in "iub" or (arr.dtype.kind == "f" and np.all(np.isfinite(arr))
                                      and np.all(arr == np.round(arr)))
    if isinstance(space, spaces.Discrete):
        flat = arr.reshape(-1)
        ok = ok and flat.size == 1 and space.start <= int(flat[0]) < space.start + space.n
        if ok:
            return flat.astype(np.int64)
        raise ValueError(f"action {action!r} is outside the action space: allowed an integer in "
                         f"[{space.start}, {space.start + space.n})")
    if isinstance(space, spaces.MultiDiscrete):
        flat = arr.reshape(-1)
        nvec = np.asarray(space.nvec).reshape(-1)
        ok = ok and flat.size == nvec.size and bool(np.all((flat >= 0) & (flat < nvec)))
        if ok:
            return flat.astype(np.int64)
        raise ValueError(f"action {action!r} is outside the action space: allowed {nvec.size} integers "
                         f"with 0 <= a[i] < {nvec.tolist()}")
    if not space.contains(action):  # pragma: no cover - every qdesign env is Discrete or MultiDiscrete
        raise ValueError(f"action {action!r} is outside the action space {space}")
    return arr


class EpisodeGuardMixin:
    """Mix into a ``gymnasium.Env``: call ``_begin_step(action)`` first in ``step`` (it returns the
    checked action), ``_end_step(terminated, truncated)`` before returning, and ``_begin_episode()``
    in ``reset``."""

    _episode_over: bool = False

    def _begin_episode(self) -> None:
        self._episode_over = False

    def _begin_step(self, action: Any) -> np.ndarray:
        if self._episode_over:
            raise ResetNeededError(f"{type(self).__name__}.step() called after the episode ended "
                                   "(terminated or truncated); call reset() first")
        return check_action(action, self.action_space)  # type: ignore[attr-defined]

    def _end_step(self, terminated: bool, truncated: bool) -> None:
        self._episode_over = bool(terminated or truncated)
