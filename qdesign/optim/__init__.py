"""Inner optimizers for variational angles: SPSA, Adam-SPSA (multi-stage), COBYLA, L-BFGS; or your own."""

from __future__ import annotations

from typing import Any

from qdesign.optim.protocol import BatchedObjective, Optimizer, OptimizeResult
from qdesign.plugins import resolve_object

OPTIMIZERS: dict[str, str] = {
    "cobyla": "qdesign.optim.cobyla:COBYLA",
    "spsa": "qdesign.optim.spsa:SPSA",
    "adam_spsa": "qdesign.optim.adam_spsa:AdamSPSA",
    "lbfgs": "qdesign.optim.lbfgs:LBFGSShift",
    "adjoint_bfgs": "qdesign.optim.bfgs:AdjointBFGS",
}


def make_optimizer(name_or_obj: str | Optimizer, **kwargs: Any) -> Optimizer:
    """An optimizer from a name in ``OPTIMIZERS``, a ``"package.module:Class"`` path (built with
    ``kwargs``), or any object with ``minimize(fun, x0, rng)``, as agents and curricula are chosen."""
    if not isinstance(name_or_obj, str):
        if not callable(getattr(name_or_obj, "minimize", None)):
            raise ValueError(f"optimizer={name_or_obj!r} is invalid; allowed: {sorted(OPTIMIZERS)}, a "
                             "'package.module:Class' path or an object with minimize(fun, x0, rng)")
        if kwargs:
            raise ValueError(f"optimizer_kwargs={kwargs!r} cannot be applied to an optimizer object")
        return name_or_obj
    key = name_or_obj if ":" in name_or_obj else name_or_obj.lower().replace("-", "_")
    if ":" not in key and key not in OPTIMIZERS:
        raise ValueError(f"optimizer={name_or_obj!r} is invalid; allowed: {sorted(OPTIMIZERS)}, a "
                         "'package.module:Class' path or an object with minimize(fun, x0, rng)")
    cls = resolve_object(key, OPTIMIZERS, "optimizer")
    try:
        opt = cls(**kwargs)
    except TypeError as err:
        raise ValueError(f"optimizer_kwargs={kwargs!r} are invalid for {name_or_obj!r}: {err}") from err
    if not callable(getattr(opt, "minimize", None)):
        raise ValueError(f"optimizer {name_or_obj!r} built an object without minimize(fun, x0, rng)")
    return opt


__all__ = ["BatchedObjective", "OptimizeResult", "Optimizer", "OPTIMIZERS", "make_optimizer"]
