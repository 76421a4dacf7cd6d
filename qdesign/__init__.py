"""qdesign: Gymnasium environments where RL agents design quantum circuits, gate sequences and codes.

``import qdesign`` registers every ``qdesign/...`` environment id. The public one-call functions
(``compile_unitary``, ``reduce_weight``, ``code_parameters``, ``make_agent``) are loaded lazily so
that importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from qdesign import _moved
from qdesign.registry import register_all

if TYPE_CHECKING:  # what type checkers and IDEs see of the lazily loaded names below
    from qdesign.agents.factory import make_agent
    from qdesign.api.compile import compile_unitary
    from qdesign.api.reduce import reduce_weight
    from qdesign.codes.params import code_parameters
    from qdesign.reduction.options import HastingsOptions, RLOptions, SaboOptions

__version__ = "0.2.0"

_LAZY = {
    "compile_unitary": "qdesign.api.compile",
    "reduce_weight": "qdesign.api.reduce",
    "code_parameters": "qdesign.codes.params",
    "make_agent": "qdesign.agents.factory",
    "RLOptions": "qdesign.reduction.options",
    "SaboOptions": "qdesign.reduction.options",
    "HastingsOptions": "qdesign.reduction.options",
}

__all__ = ["__version__", "register_all", "compile_unitary", "reduce_weight", "code_parameters", "make_agent",
           "RLOptions", "SaboOptions", "HastingsOptions"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qdesign' has no attribute {name!r}")


_moved.install()  # old module paths of 0.1 keep working for one release, with a warning
register_all()
