"""qdesign: Gymnasium environments where RL agents design quantum circuits, gate sequences and codes.

``import qdesign`` registers every ``qdesign/...`` environment id. The public one-call functions
(``compile_unitary``, ``compile_circuit``, ``reduce_weight``, ``code_parameters``, ``make_agent``,
``memory_circuit``, ``logical_error_rate``) are loaded lazily so that importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from qdesign import _moved
from qdesign.registry import register_all

if TYPE_CHECKING:  # what type checkers and IDEs see of the lazily loaded names below
    from qdesign.agents.factory import make_agent
    from qdesign.api.circuit import compile_circuit
    from qdesign.api.compile import compile_unitary
    from qdesign.api.reduce import reduce_weight
    from qdesign.codes.params import code_parameters
    from qdesign.plugins import UnknownKeywordError
    from qdesign.qec import logical_error_rate, memory_circuit
    from qdesign.reduction.options import HastingsOptions, RLOptions, SaboOptions

__version__ = "0.2.0"

_LAZY = {
    "compile_unitary": "qdesign.api.compile",
    "compile_circuit": "qdesign.api.circuit",
    "reduce_weight": "qdesign.api.reduce",
    "code_parameters": "qdesign.codes.params",
    "make_agent": "qdesign.agents.factory",
    "memory_circuit": "qdesign.qec",
    "logical_error_rate": "qdesign.qec",
    "RLOptions": "qdesign.reduction.options",
    "SaboOptions": "qdesign.reduction.options",
    "HastingsOptions": "qdesign.reduction.options",
    "UnknownKeywordError": "qdesign.plugins",
}

__all__ = ["__version__", "register_all", "compile_unitary", "compile_circuit", "reduce_weight",
           "code_parameters", "make_agent", "memory_circuit", "logical_error_rate", "RLOptions",
           "SaboOptions", "HastingsOptions", "UnknownKeywordError"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qdesign' has no attribute {name!r}")


_moved.install()  # old module paths of 0.1 keep working for one release, with a warning
register_all()
