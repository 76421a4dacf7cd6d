"""Plug-in lookup shared by every layer: a built-in name or a ``"package.module:Attr"`` path.

Agents, curricula and optimizers are all chosen this way, so a user plugs in their own class without
changing the package. It sits in the core layer because it imports nothing of qdesign.
"""

from __future__ import annotations

import importlib
from typing import Any


def resolve_object(name: str, builtins: dict[str, str], kind: str) -> Any:
    """A built-in name from ``builtins`` (values are ``"module:Attr"``) or a ``"package.module:Attr"``
    path, imported; errors name the valid choices."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"{kind} must be a non-empty string, got {name!r}")
    target = builtins.get(name)
    if target is None:
        if ":" not in name:
            raise ValueError(f"unknown {kind} {name!r}; valid names: {', '.join(sorted(builtins))}, "
                             "or a 'package.module:Class' path")
        target = name
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"{kind} {name!r}: cannot import module {module_name!r} ({err})") from err
    try:
        return getattr(module, attr)
    except AttributeError as err:
        raise ValueError(f"{kind} {name!r}: module {module_name!r} has no attribute {attr!r}") from err


class UnknownKeywordError(TypeError, ValueError):
    """An unexpected keyword argument, named in the message.

    A ``TypeError`` (Python's convention for unexpected keywords) and a ``ValueError`` (the house rule
    for bad input) at once, so callers catching either keep working, in every public function.
    """


#: optional dependency (import name) -> the ``pip install "qdesign[...]"`` extra that brings it
EXTRAS: dict[str, str] = {
    "pyscf": "chem", "qiskit_nature": "chem", "qiskit_aer": "chem", "numba": "chem",
    "stim": "codes", "ldpc": "codes", "pysat": "codes", "rl_zoo3": "zoo",
}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra that installs it."""


def import_extra(module_name: str, purpose: str) -> Any:
    """Import an optional dependency, or raise :class:`MissingExtraError` naming the extra to install.

    The families' heavy dependencies (the chemistry stack, the code-distance solvers) are extras, so a
    user who only compiles gates never installs PySCF; whoever reaches for one of them learns which
    ``pip install "qdesign[...]"`` brings it instead of reading a bare ``ModuleNotFoundError``.
    """
    top = module_name.split(".", 1)[0]
    try:
        return importlib.import_module(module_name)
    except ImportError as err:
        if err.name is not None and err.name.split(".", 1)[0] != top:
            raise  # the package is there but one of its own imports failed: show that error as it is
        extra = EXTRAS.get(top, "all")
        raise MissingExtraError(f"{purpose} needs the optional package {top!r}, which is not installed; "
                                f"install it with: pip install \"qdesign[{extra}]\"", name=top) from err
