"""Built-in curriculum names -> "module:Class"; families add theirs. Any "module:Class" works too."""

from __future__ import annotations

import importlib
from typing import Any

CURRICULA: dict[str, str] = {
    "fixed": "qdesign.curricula.schedules:FixedLevel",
    "step": "qdesign.curricula.schedules:StepSchedule",
    "linear": "qdesign.curricula.schedules:LinearRamp",
    "success_gated": "qdesign.curricula.schedules:SuccessRateGated",
    "crlqas_threshold": "qdesign.curricula.threshold:CRLQASThreshold",
    "scramble_depth": "qdesign.curricula.scramble:ScrambleDepth",
    "seed_size": "qdesign.curricula.seed_size:SeedSizeCurriculum",
}


def make_curriculum(name: str, **kwargs: Any) -> Any:
    """A curriculum object from a built-in name or a ``"package.module:Class"`` path."""
    target = CURRICULA.get(name)
    if target is None:
        if ":" not in name:
            raise ValueError(
                f"unknown curriculum {name!r}; valid names: {', '.join(sorted(CURRICULA))}, "
                "or a 'package.module:Class' path"
            )
        target = name
    module_name, _, attr = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as err:
        raise ValueError(f"curriculum {name!r}: cannot load {target!r} ({err})") from err
    try:
        return cls(**kwargs)
    except TypeError as err:
        raise ValueError(f"curriculum {name!r}: bad arguments {sorted(kwargs)} ({err})") from err
