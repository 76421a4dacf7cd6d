"""CRLQAS random halting: a per-episode step budget drawn from a negative binomial.

Short budgets are frequent, which biases the agent towards compact circuits. Two variants exist in
the reference code and both are offered: ``"crlqas"`` (noiseless runs: one draw of
``NB(70, 0.573)`` clipped to [25, 70]) and ``"crlqas_noisy"`` (the mode of 100 draws of
``NB(40, 0.6)`` clipped to [0, 40]). The env cuts the episode after ``halting_step + 1`` actions
(or at ``max_gates``) and reports the cut as ``truncated``.
"""

from __future__ import annotations

import numpy as np

HALTING_MODES = ("off", "crlqas", "crlqas_noisy")


def sample_halting_step(rng: np.random.Generator, mode: str, max_gates: int) -> int:
    """The number of actions this episode may take (always in [1, max_gates])."""
    if mode == "off":
        return max_gates
    if mode == "crlqas":
        step = int(np.clip(rng.negative_binomial(70, 0.573), 25, 70))
    elif mode == "crlqas_noisy":
        draws = np.clip(rng.negative_binomial(40, 0.6, size=100), 0, 40)
        values, counts = np.unique(draws, return_counts=True)
        step = int(values[np.argmax(counts)])
    else:
        raise ValueError(f"halting={mode!r} is invalid; allowed: {HALTING_MODES}")
    return int(min(step + 1, max_gates))
