"""Built-in curriculum names -> "module:Class"; families add theirs. Any "module:Class" works too."""

from __future__ import annotations

from typing import Any

from qdesign.curricula.protocol import Curriculum
from qdesign.plugins import resolve_object

CURRICULA: dict[str, str] = {
    "fixed": "qdesign.curricula.schedules:FixedLevel",
    "step": "qdesign.curricula.schedules:StepSchedule",
    "linear": "qdesign.curricula.schedules:LinearRamp",
    "success_gated": "qdesign.curricula.schedules:SuccessRateGated",
    "crlqas_threshold": "qdesign.curricula.threshold:CRLQASThreshold",
    "scramble_depth": "qdesign.curricula.scramble:ScrambleDepth",
    "seed_size": "qdesign.curricula.seed_size:SeedSizeCurriculum",
}


def make_curriculum(name: str, **kwargs: Any) -> Curriculum:
    """A curriculum object from a built-in name or a ``"package.module:Class"`` path."""
    cls = resolve_object(name, CURRICULA, "curriculum")
    try:
        return cls(**kwargs)
    except TypeError as err:
        raise ValueError(f"curriculum {name!r}: bad arguments {sorted(kwargs)} ({err})") from err
