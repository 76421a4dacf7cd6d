"""What the two Clifford-synthesis MDPs share: argument checks, the scramble-depth level, the budget and
the start drawn from ``reset`` options or a uniform random Clifford."""

from __future__ import annotations

from typing import Any

import numpy as np

from qdesign.envs.curriculum_level import CurriculumLevelMixin
from qdesign.quantum.clifford_tableau import tableau_of

TARGET_KINDS = ("scramble", "random")


def check_clifford_env_args(num_qubits: Any, max_steps: Any, target: Any, scramble_depth: Any,
                            budget_slope: Any, budget_offset: Any, **nonnegative: Any) -> None:
    """A named ``ValueError`` for any bad constructor argument both envs take; ``nonnegative`` are
    reward weights that must be finite numbers >= 0."""
    if not (isinstance(num_qubits, int) and 2 <= num_qubits <= 12):
        raise ValueError(f"num_qubits must be an int in [2, 12], got {num_qubits!r}")
    if not (isinstance(max_steps, int) and max_steps >= 1):
        raise ValueError(f"max_steps must be an int >= 1, got {max_steps!r}")
    if target not in TARGET_KINDS:
        raise ValueError(f"target must be one of {TARGET_KINDS}, got {target!r}")
    if not (isinstance(scramble_depth, int) and scramble_depth >= 0):
        raise ValueError(f"scramble_depth must be an int >= 0, got {scramble_depth!r}")
    if not (budget_slope > 0 and budget_offset >= 0):
        raise ValueError(f"budget_slope must be > 0 and budget_offset >= 0, got {budget_slope}, "
                         f"{budget_offset}")
    for name, val in nonnegative.items():
        if not isinstance(val, (int, float)) or not np.isfinite(val) or val < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {val!r}")


class ScrambleLevelMixin(CurriculumLevelMixin):
    """The curriculum level is the scramble depth: an int (or ``{"scramble_depth": k}``), at least 0."""

    def _check_level(self, level: Any) -> int:
        if isinstance(level, dict):
            level = level.get("scramble_depth", self._level)
        return max(int(level), 0)

    @property
    def level(self) -> int:
        """The scramble depth in force."""
        return int(self._level)


def scramble_budget(max_steps: int, budget_slope: float, budget_offset: int, depth: int) -> int:
    """The episode budget at scramble depth ``depth``: ``min(max_steps, ceil(slope * depth) + offset)``."""
    return int(min(max_steps, np.ceil(budget_slope * depth) + budget_offset))


def given_or_random_start(options: dict[str, Any], num_qubits: int, target_kind: str,
                          np_random: np.random.Generator) -> tuple[str, np.ndarray | None]:
    """``("fixed", tableau)`` for ``options["clifford"]``, ``("random", tableau)`` of a uniform random
    Clifford (seeded from ``np_random``) when the env's target is ``"random"``, else ``("scramble",
    None)``: the env draws its own scramble."""
    if options.get("clifford") is not None:
        try:
            tab = tableau_of(options["clifford"])
        except Exception as err:
            raise ValueError(f"options['clifford'] must be a qiskit Clifford (or Clifford-valued "
                             f"circuit), got {type(options['clifford']).__name__}: {err}") from err
        if tab.shape[0] != 2 * num_qubits:
            raise ValueError(f"options['clifford'] has {tab.shape[0] // 2} qubits, the env {num_qubits}")
        return "fixed", tab
    if target_kind == "random":
        from qiskit.quantum_info import random_clifford

        return "random", tableau_of(random_clifford(num_qubits, seed=int(np_random.integers(2**31))))
    return "scramble", None
