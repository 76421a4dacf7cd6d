"""Architecture search for VQE (CRLQAS): molecular problems, the env, its presets and task."""

from __future__ import annotations

from typing import Any


def build_problem(*args: Any, **kwargs: Any):
    """See :func:`qdesign.envs.arch_search.problem.build_problem` (imported lazily: PySCF is heavy)."""
    from qdesign.envs.arch_search.problem import build_problem as _build

    return _build(*args, **kwargs)


__all__ = ["build_problem"]
