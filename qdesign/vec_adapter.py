"""``SB3VectorAdapter``: a Gymnasium ``VectorEnv`` (e.g. the batched architecture-search env) seen as a
Stable-Baselines3 ``VecEnv``, so SB3, sb3-contrib's MaskablePPO and qdesign's MaskedDQN train on it.

SB3 resets a finished env inside ``step`` and hands the last observation over in
``info["terminal_observation"]``: that is Gymnasium's ``"SameStep"`` autoreset, which the wrapped
env must use. Infos become one dict per env (SB3's list form); ``action_masks`` (method or
``env_method("action_masks")``) gives the (N, A) legal-action masks; ``env_method("set_level", x)``
reaches the curriculum hook of the vector env.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from stable_baselines3.common.vec_env import VecEnv


def _unbatch_info(info: dict[str, Any], i: int) -> dict[str, Any]:
    """Env ``i``'s entries of a Gymnasium vector info (keys whose ``_key`` mask is set)."""
    out: dict[str, Any] = {}
    for key, value in info.items():
        if key.startswith("_") or key in ("final_obs", "final_info"):
            continue
        mask = info.get(f"_{key}")
        if mask is not None and not bool(mask[i]):
            continue
        if isinstance(value, dict):
            out[key] = _unbatch_info(value, i)
            continue
        item = value[i]
        out[key] = item.item() if isinstance(item, np.generic) else item
    return out


class SB3VectorAdapter(VecEnv):
    """Wrap a ``"SameStep"``-autoresetting Gymnasium ``VectorEnv`` as an SB3 ``VecEnv``."""

    def __init__(self, venv: VectorEnv):
        mode = venv.metadata.get("autoreset_mode")
        if mode != AutoresetMode.SAME_STEP:
            raise ValueError(f"venv has autoreset_mode={mode!r}; allowed: {AutoresetMode.SAME_STEP!r} (SB3 "
                             "resets finished envs inside step)")
        self.venv = venv
        super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)
        self._actions: np.ndarray | None = None

    # -- the VecEnv protocol ------------------------------------------------------------------
    def reset(self) -> np.ndarray:
        """Reset all envs with the seeds given by ``seed()`` (if any), as SB3's own VecEnvs do."""
        seeds = list(self._seeds)
        seed = seeds if any(s is not None for s in seeds) else None
        obs, info = self.venv.reset(seed=seed)
        self.reset_infos = [_unbatch_info(info, i) for i in range(self.num_envs)]
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        """Remember the actions; the batched step runs in ``step_wait``."""
        self._actions = np.asarray(actions).reshape(self.num_envs)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """One batched step; finished envs report their final info and ``terminal_observation``."""
        obs, rewards, terminated, truncated, info = self.venv.step(self._actions)
        dones = np.logical_or(terminated, truncated)
        infos = []
        for i in range(self.num_envs):
            if dones[i]:
                item = _unbatch_info(info["final_info"], i)
                item["terminal_observation"] = info["final_obs"][i]
                item["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
                self.reset_infos[i] = _unbatch_info(info, i)
            else:
                item = _unbatch_info(info, i)
            infos.append(item)
        return obs, np.asarray(rewards, dtype=np.float32), dones, infos

    def close(self) -> None:
        """Close the wrapped vector env."""
        self.venv.close()

    def action_masks(self) -> np.ndarray:
        """(num_envs, n_actions) bool legal-action masks."""
        return np.asarray(self.venv.action_masks(), dtype=bool)  # type: ignore[attr-defined]

    def _ids(self, indices: None | int | Sequence[int]) -> list[int]:
        return list(self._get_indices(indices))

    def env_method(self, method_name: str, *method_args: Any, indices: None | int | Sequence[int] = None,
                   **method_kwargs: Any) -> list[Any]:
        """``action_masks`` (one row per env) and ``set_level`` (the curriculum hook), per env."""
        ids = self._ids(indices)
        if method_name == "action_masks":
            masks = self.action_masks()
            return [masks[i] for i in ids]
        if method_name == "set_level":
            self.venv.set_level(*method_args, indices=ids, **method_kwargs)  # type: ignore[attr-defined]
            return [None] * len(ids)
        raise AttributeError(f"env_method({method_name!r}) is not available on the batched vector env; "
                             "allowed: 'action_masks', 'set_level' (use vec_env='dummy' for others)")

    def get_attr(self, attr_name: str, indices: None | int | Sequence[int] = None) -> list[Any]:
        """``curriculum_level`` per env; other attributes are those every env shares (problem, table, ...)."""
        ids = self._ids(indices)
        if attr_name == "curriculum_level":
            levels = self.venv.curriculum_levels()  # type: ignore[attr-defined]
            return [levels[i] for i in ids]
        if attr_name == "render_mode":
            return [None] * len(ids)
        value = getattr(self.venv.template, attr_name)  # type: ignore[attr-defined]
        return [value] * len(ids)

    def set_attr(self, attr_name: str, value: Any, indices: None | int | Sequence[int] = None) -> None:
        """Not supported: the envs share one configuration."""
        raise AttributeError(f"set_attr({attr_name!r}) is not supported by the batched vector env (its envs "
                             "share one configuration)")

    def env_is_wrapped(self, wrapper_class: type, indices: None | int | Sequence[int] = None) -> list[bool]:
        """No per-env Gymnasium wrappers exist (episode statistics come from ``VecMonitor``)."""
        return [False] * len(self._ids(indices))

    def get_images(self) -> Sequence[np.ndarray | None]:
        """The batched env does not render."""
        return [None] * self.num_envs
