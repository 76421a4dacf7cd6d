"""The CRLQAS feedback-driven success threshold ("moving threshold",
Patel et al., arXiv:2402.13754, Sec. 3.2, as in its code).

State: the threshold ``xi`` (the level sent to the envs' ``set_level``), the best error seen,
success and shift counters, and the number of finished episodes. After every finished episode:

1. on success: count it; after ``success_thresh`` successes, if fewer than ``succ_radius_shift``
   shrinks happened since the last greedy reset and the best error is below ``success_switch``,
   shrink ``xi`` by ``delta / succ_radius_shift`` (amortised shrink);
2. every ``G`` episodes (after the first 10) reset greedily: ``xi = best_error + delta``.

The best error comes from ``info["episode_best_error"]`` (the env's lowest error within the
episode) or, failing that, ``info["error"]``. Errors are whatever the env measures (vs the exact
E0 or the lower bound mu), so the same class serves both CRLQAS variants.
"""

from __future__ import annotations

import math
from typing import Any

#: the paper's settings per problem size: (G, delta, success_thresh, succ_radius_shift)
CRLQAS_SETTINGS = {"small": (500, 0.5e-3, 25, 10), "large": (2000, 1e-3, 50, 10)}


class CRLQASThreshold:
    """CRLQAS's moving energy-error threshold (see the module docstring); the level is ``xi``."""

    _state = ("xi", "best_error", "succ_cnt", "shift_cnt", "calls")

    def __init__(self, initial: float = 5e-3, num_qubits: int | None = None, G: int | None = None,
                 delta: float | None = None, success_thresh: int | None = None,
                 succ_radius_shift: int | None = None, success_switch: float | None = None,
                 min_threshold: float = 1e-10) -> None:
        size = "large" if num_qubits is not None and num_qubits > 4 else "small"
        g0, d0, s0, r0 = CRLQAS_SETTINGS[size]
        self.G = int(G if G is not None else g0)
        self.delta = float(delta if delta is not None else d0)
        self.success_thresh = int(success_thresh if success_thresh is not None else s0)
        self.succ_radius_shift = int(succ_radius_shift if succ_radius_shift is not None else r0)
        self.success_switch = float(success_switch if success_switch is not None else initial)
        for name, v in (("initial", initial), ("delta", self.delta), ("min_threshold", min_threshold)):
            if not (isinstance(v, (int, float)) and v > 0 and math.isfinite(v)):
                raise ValueError(f"{name}={v!r} is invalid; allowed: a positive number")
        for name, v in (("G", self.G), ("success_thresh", self.success_thresh),
                        ("succ_radius_shift", self.succ_radius_shift)):
            if v < 1:
                raise ValueError(f"{name}={v!r} is invalid; allowed: an integer >= 1")
        self.min_threshold = float(min_threshold)
        self.xi = float(initial)
        self.best_error = float(initial)  # CRLQAS starts `best` at mu + xi
        self.succ_cnt = self.shift_cnt = self.calls = 0

    @property
    def level(self) -> float:
        """The success threshold ``xi`` in Hartree."""
        return self.xi

    def update(self, episode_infos: list[dict[str, Any]], num_timesteps: int) -> float:
        """Shrink ``xi`` after enough successes, reset it greedily every ``G`` episodes; return it."""
        for info in episode_infos:
            err = info.get("episode_best_error", info.get("error"))
            if err is not None and math.isfinite(float(err)):
                self.best_error = min(self.best_error, float(err))
            if info.get("is_success"):
                self.succ_cnt += 1
                if (self.succ_cnt >= self.success_thresh and self.shift_cnt < self.succ_radius_shift
                        and self.success_switch > self.best_error):
                    self.xi = max(self.xi - self.delta / self.succ_radius_shift, self.min_threshold)
                    self.succ_cnt = 0
                    self.shift_cnt += 1
            self.calls += 1
            if self.calls > 10 and self.calls % self.G == 0:
                self.xi = max(self.best_error + self.delta, self.min_threshold)
                self.succ_cnt = self.shift_cnt = 0
        return self.xi

    def state_dict(self) -> dict[str, Any]:
        """``xi``, the best error and the counters, so a resumed run continues the schedule."""
        return {name: getattr(self, name) for name in self._state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` snapshot."""
        for name in self._state:
            if name in state:
                setattr(self, name, type(getattr(self, name))(state[name]))
