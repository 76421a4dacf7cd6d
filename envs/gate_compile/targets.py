"""Target generators: Haar-random unitaries and reverse-scrambled words (known cost-to-go <= k)."""

from __future__ import annotations

import numpy as np

from qdesign.quantum.gatesets import GateSet
from qdesign.quantum.unitary import haar_unitary


def allowed_after(gs: GateSet, last: int) -> np.ndarray:
    """Bool mask of actions allowed after ``last`` (-1: none): immediate inverses are excluded."""
    mask = np.ones(gs.n_actions, dtype=bool)
    if last >= 0 and gs.inverse[last] >= 0:
        mask[gs.inverse[last]] = False
    if not mask.any():
        mask[:] = True
    return mask


def random_word(gs: GateSet, length: int, rng: np.random.Generator) -> list[int]:
    """A non-backtracking random word (no gate followed by its own inverse)."""
    word: list[int] = []
    last = -1
    for _ in range(length):
        choices = np.flatnonzero(allowed_after(gs, last))
        last = int(choices[rng.integers(len(choices))])
        word.append(last)
    return word


def scrambled_target(gs: GateSet, depth: int, rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
    """The unitary of a random non-backtracking word of ``depth`` gates (reachable in <= depth gates)."""
    word = random_word(gs, depth, rng)
    return gs.word_unitary(word), word


def haar_target(gs: GateSet, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random special unitary of the gate set's dimension."""
    return haar_unitary(gs.dim, rng, special=True)
