"""qdesign: Gymnasium environments where RL agents design quantum circuits, gate sequences and codes.

``import qdesign`` registers every ``qdesign/...`` environment id. The public one-call functions
(``compile_unitary``, ``compile_circuit``, ``reduce_weight``, ``code_parameters``, ``make_agent``) are
loaded lazily so that importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from qdesign import _moved
from qdesign.registry import register_all

__version__ = "0.2.0"

_LAZY = {
    "compile_unitary": "qdesign.api.compile",
    "compile_circuit": "qdesign.api.circuit",
    "reduce_weight": "qdesign.api.reduce",
    "code_parameters": "qdesign.codes.params",
    "make_agent": "qdesign.agents.factory",
}

__all__ = ["__version__", "register_all", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'qdesign' has no attribute {name!r}")


_moved.install()  # old module paths of 0.1 keep working for one release, with a warning
register_all()
