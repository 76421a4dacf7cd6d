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
