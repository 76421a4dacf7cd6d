"""Every environment id of the suite, gathered in one place and registered with Gymnasium.

Each family declares its ids in a light, import-cheap module ``qdesign.envs.<family>.presets``
(plain data, no heavy imports) as a list of :class:`~qdesign.envs.entries.EnvEntry`; training tasks
are listed in ``qdesign.tasks.TASKS``. ``register_all`` is idempotent and is called by
``import qdesign``.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import gymnasium as gym

from qdesign.envs.entries import NAMESPACE, EnvEntry

FAMILIES: tuple[str, ...] = ("arch_search", "gate_compile", "weight_reduce", "clifford_synth")


def family_entries(family: str) -> list[EnvEntry]:
    """The ids one family declares (imports only its ``presets`` module)."""
    module = importlib.import_module(f"qdesign.envs.{family}.presets")
    return list(module.ENTRIES)


def all_entries() -> list[EnvEntry]:
    """Every family's ids, in family order (a family without a ``presets`` module is skipped)."""
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
                vector_entry_point=entry.vector_entry_point,
            )
        ids.append(entry.id)
    return ids


__all__ = ["NAMESPACE", "FAMILIES", "EnvEntry", "all_entries", "check_env_id", "episode_limit",
           "family_entries", "qdesign_ids", "register_all", "vector_entry_point"]


def qdesign_ids() -> list[str]:
    """The registered ``qdesign/...`` ids, sorted."""
    return sorted(e.id for e in all_entries())


def check_env_id(env_id: str) -> str:
    """Return a usable id or raise a ``ValueError`` listing the valid ones."""
    bare = env_id.split(":", 1)[1] if ":" in env_id else env_id
    if bare not in qdesign_ids():
        raise ValueError(f"unknown env id {env_id!r}; valid ids: {', '.join(qdesign_ids())}")
    return bare


def vector_entry_point(env_id: str) -> str | None:
    """The batched ``VectorEnv`` entry point of a qdesign id (``gym.make_vec(..., vectorization_mode=
    "vector_entry_point")``), or None when the id only vectorises by copies."""
    bare = check_env_id(env_id)
    for entry in all_entries():
        if entry.id == bare:
            return entry.vector_entry_point
    return None


def episode_limit(env_id: str, env_kwargs: dict[str, Any] | None = None) -> int | None:
    """The ``max_episode_steps`` to give ``gym.make(env_id, **env_kwargs)``: the env's own limit.

    Registered ids carry the limit of their preset; when ``env_kwargs`` override the argument that sets
    it (``max_gates`` or ``max_steps``), pass the result as ``gym.make(..., max_episode_steps=...)`` so
    Gymnasium's ``TimeLimit`` does not cut episodes shorter than the env itself would.
    """
    bare = check_env_id(env_id)
    entry = next(e for e in all_entries() if e.id == bare)
    if entry.limit_kwarg is not None and (env_kwargs or {}).get(entry.limit_kwarg) is not None:
        return int(env_kwargs[entry.limit_kwarg])  # type: ignore[index]
    return entry.max_episode_steps
