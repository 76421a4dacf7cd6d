"""Generic curricula: a fixed level, step and linear ramps over timesteps, success-rate gating.

All follow ``qdesign.curricula.protocol.Curriculum``; their whole state is a JSON-safe dict, so a
checkpoint restores them exactly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any


class _Stateful:
    """``state_dict`` = the JSON-safe attributes named in ``_state``."""

    _state: tuple[str, ...] = ()

    def state_dict(self) -> dict[str, Any]:
        out = {}
        for name in self._state:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, deque) else value
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in self._state:
            if name in state:
                current = getattr(self, name)
                value = state[name]
                if isinstance(current, deque):
                    value = deque(value, maxlen=current.maxlen)
                setattr(self, name, value)


class FixedLevel(_Stateful):
    """Always the same level (the 'no curriculum' curriculum)."""

    def __init__(self, level: Any = 0) -> None:
        self._level = level

    @property
    def level(self) -> Any:
        """The fixed level."""
        return self._level

    def update(self, episode_infos: list[dict[str, Any]], num_timesteps: int) -> Any:
        """Ignore the episodes; the level never changes."""
        return self._level


class StepSchedule(_Stateful):
    """``levels[i]`` once ``num_timesteps >= boundaries[i-1]`` (piecewise constant)."""

    _state = ("_level",)

    def __init__(self, levels: Sequence[Any], boundaries: Sequence[int]) -> None:
        if len(levels) != len(boundaries) + 1:
            raise ValueError(f"levels needs exactly len(boundaries) + 1 = {len(boundaries) + 1} entries, "
                             f"got {len(levels)}")
        if list(boundaries) != sorted(boundaries):
            raise ValueError(f"boundaries must be increasing, got {list(boundaries)}")
        self.levels, self.boundaries = list(levels), list(boundaries)
        self._level = self.levels[0]

    @property
    def level(self) -> Any:
        """The level of the current timestep interval."""
        return self._level

    def update(self, episode_infos: list[dict[str, Any]], num_timesteps: int) -> Any:
        """The level for ``num_timesteps`` (episodes are not looked at)."""
        self._level = self.levels[sum(num_timesteps >= b for b in self.boundaries)]
        return self._level


class LinearRamp(_Stateful):
    """From ``start`` to ``end`` linearly over ``timesteps`` steps (rounded if ``integer``)."""

    _state = ("_level",)

    def __init__(self, start: float, end: float, timesteps: int, integer: bool = False) -> None:
        if timesteps < 1:
            raise ValueError(f"timesteps must be >= 1, got {timesteps}")
        self.start, self.end, self.timesteps, self.integer = start, end, timesteps, integer
        self._level = self._value(0)

    def _value(self, t: int) -> float | int:
        frac = min(max(t / self.timesteps, 0.0), 1.0)
        value = self.start + frac * (self.end - self.start)
        return int(round(value)) if self.integer else float(value)

    @property
    def level(self) -> Any:
        """The interpolated level at the last update."""
        return self._level

    def update(self, episode_infos: list[dict[str, Any]], num_timesteps: int) -> Any:
        """The level for ``num_timesteps`` on the ramp (episodes are not looked at)."""
        self._level = self._value(num_timesteps)
        return self._level


class SuccessRateGated(_Stateful):
    """Advance through ``levels`` when the success rate over the last ``window`` episodes at the
    current level reaches ``threshold`` (and, optionally, step back below ``demote_below``)."""

    _state = ("index", "history")

    def __init__(self, levels: Sequence[Any], window: int = 50, threshold: float = 0.8,
                 demote_below: float | None = None, success_key: str = "is_success") -> None:
        if not levels:
            raise ValueError("levels must not be empty")
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if demote_below is not None and not 0.0 <= demote_below < threshold:
            raise ValueError(f"demote_below must be in [0, threshold), got {demote_below}")
        self.levels, self.window, self.threshold = list(levels), window, threshold
        self.demote_below, self.success_key = demote_below, success_key
        self.index = 0
        self.history: deque = deque(maxlen=window)

    @property
    def level(self) -> Any:
        """The current rung of ``levels``."""
        return self.levels[self.index]

    @property
    def success_rate(self) -> float:
        """The success rate over the episodes kept since the last level change (at most ``window``)."""
        return sum(self.history) / len(self.history) if self.history else 0.0

    def update(self, episode_infos: list[dict[str, Any]], num_timesteps: int) -> Any:
        """Record each episode's success; move up (or down) a rung when a full window says so."""
        for info in episode_infos:
            self.history.append(bool(info.get(self.success_key, False)))
            if len(self.history) < self.window:
                continue
            rate = self.success_rate
            if rate >= self.threshold and self.index < len(self.levels) - 1:
                self.index += 1
                self.history.clear()
            elif self.demote_below is not None and rate < self.demote_below and self.index > 0:
                self.index -= 1
                self.history.clear()
        return self.level
