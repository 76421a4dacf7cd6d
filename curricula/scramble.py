"""Scramble-depth curriculum for gate compilation: depth k grows when the agent solves enough targets.

A success-rate gated schedule (the lead's ``SuccessRateGated``) over the depths
``start, start+step, ..., max_depth`` (qiskit-gym style: +1 at 85 % success). The level handed to the
env is the int depth (``GateCompileEnv.set_level``).
"""

from __future__ import annotations

from qdesign.curricula.schedules import SuccessRateGated


class ScrambleDepth(SuccessRateGated):
    """Scramble depths ``start, start + step, ..., max_depth``, one step up at ``threshold`` success."""

    def __init__(self, start: int = 2, max_depth: int = 30, step: int = 1, window: int = 50,
                 threshold: float = 0.85, demote_below: float | None = None) -> None:
        if not (isinstance(start, int) and start >= 0):
            raise ValueError(f"start must be an int >= 0, got {start!r}")
        if not (isinstance(max_depth, int) and max_depth >= start):
            raise ValueError(f"max_depth must be an int >= start={start}, got {max_depth!r}")
        if not (isinstance(step, int) and step >= 1):
            raise ValueError(f"step must be an int >= 1, got {step!r}")
        levels = list(range(start, max_depth + 1, step))
        super().__init__(levels, window=window, threshold=threshold, demote_below=demote_below)
