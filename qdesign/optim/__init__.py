"""Inner optimizers for variational angles: SPSA, Adam-SPSA (multi-stage) and COBYLA."""

from __future__ import annotations

from typing import Any

from qdesign.optim.protocol import BatchedObjective, Optimizer, OptimizeResult

OPTIMIZERS: dict[str, str] = {
    "cobyla": "qdesign.optim.cobyla:COBYLA",
    "spsa": "qdesign.optim.spsa:SPSA",
    "adam_spsa": "qdesign.optim.adam_spsa:AdamSPSA",
    "lbfgs": "qdesign.optim.lbfgs:LBFGSShift",
}


def make_optimizer(name_or_obj: Any, **kwargs: Any) -> Optimizer:
    """An optimizer from a name in ``OPTIMIZERS`` or any object with ``minimize(fun, x0, rng)``."""
    import importlib

    if not isinstance(name_or_obj, str):
        if not callable(getattr(name_or_obj, "minimize", None)):
            raise ValueError(f"optimizer={name_or_obj!r} is invalid; allowed: {sorted(OPTIMIZERS)} or an "
                             "object with minimize(fun, x0, rng) -> OptimizeResult")
        if kwargs:
            raise ValueError(f"optimizer_kwargs={kwargs!r} cannot be applied to an optimizer object")
        return name_or_obj
    key = name_or_obj.lower().replace("-", "_")
    if key not in OPTIMIZERS:
        raise ValueError(f"optimizer={name_or_obj!r} is invalid; allowed: {sorted(OPTIMIZERS)} or an "
                         "object with minimize(fun, x0, rng)")
    module, _, attr = OPTIMIZERS[key].partition(":")
    cls = getattr(importlib.import_module(module), attr)
    try:
        return cls(**kwargs)
    except TypeError as err:
        raise ValueError(f"optimizer_kwargs={kwargs!r} are invalid for {name_or_obj!r}: {err}") from err


__all__ = ["BatchedObjective", "OptimizeResult", "Optimizer", "OPTIMIZERS", "make_optimizer"]
