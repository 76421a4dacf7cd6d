"""Every environment id, preset and training task of the suite, gathered in one place.

Each family declares its ids in a light, import-cheap module ``qdesign.envs.<family>.presets``
(plain data, no heavy imports) as a list of :class:`EnvEntry`; its training task lives in
``qdesign.envs.<family>.task`` and is only imported when a task is run. ``register_all`` is
idempotent and is called by ``import qdesign``.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

NAMESPACE = "qdesign"
FAMILIES: tuple[str, ...] = ("arch_search", "gate_compile", "weight_reduce")
#: training task name (as typed on the CLI) -> family package
TASKS: dict[str, str] = {
    "arch-search": "arch_search",
    "gate-compile": "gate_compile",
    "weight-reduce": "weight_reduce",
}


@dataclass(frozen=True)
class EnvEntry:
    """One registered id: ``qdesign/<name>-v<version>`` plus the kwargs that define its preset."""

    name: str
    entry_point: str
    description: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    max_episode_steps: int | None = None

    @property
    def id(self) -> str:
        return f"{NAMESPACE}/{self.name}-v{self.version}"


def family_entries(family: str) -> list[EnvEntry]:
    """The ids one family declares (imports only its ``presets`` module)."""
    module = importlib.import_module(f"qdesign.envs.{family}.presets")
    return list(module.ENTRIES)


def all_entries() -> list[EnvEntry]:
    entries: list[EnvEntry] = []
    for family in FAMILIES:
        try:
            entries += family_entries(family)
        except ModuleNotFoundError as err:  # a family still being written has no presets module
            if err.name != f"qdesign.envs.{family}.presets":
                raise
    return entries


def register_all() -> list[str]:
    """Register every id with Gymnasium (idempotent); returns the ids."""
    ids = []
    for entry in all_entries():
        json.dumps(entry.kwargs)  # make kwargs must stay JSON-safe (EnvSpec.to_json)
        if entry.id not in gym.registry:
            gym.register(
                id=entry.id,
                entry_point=entry.entry_point,
                kwargs=dict(entry.kwargs),
                max_episode_steps=entry.max_episode_steps,
                disable_env_checker=True,
            )
        ids.append(entry.id)
    return ids


def qdesign_ids() -> list[str]:
    return sorted(e.id for e in all_entries())


def check_env_id(env_id: str) -> str:
    """Return a usable id or raise a ``ValueError`` listing the valid ones."""
    bare = env_id.split(":", 1)[1] if ":" in env_id else env_id
    if bare not in qdesign_ids():
        raise ValueError(f"unknown env id {env_id!r}; valid ids: {', '.join(qdesign_ids())}")
    return bare


def check_task(task: str) -> str:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; valid tasks: {', '.join(TASKS)}")
    return task


def resolve_object(name: str, builtins: dict[str, str], kind: str) -> Any:
    """A built-in name from ``builtins`` or a ``"package.module:Attr"`` path, imported.

    Shared by agents and curricula so users plug either in the same way; errors name the choices.
    """
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


def load_task(task: str) -> Any:
    """The family's training task object (``qdesign.envs.<family>.task:TASK``)."""
    family = TASKS[check_task(task)]
    return importlib.import_module(f"qdesign.envs.{family}.task").TASK
