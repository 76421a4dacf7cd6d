"""The one SB3 callback that drives any ``Curriculum`` on training and evaluation envs."""

from __future__ import annotations

from typing import Any

from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import VecEnv


def apply_level(vec_env: VecEnv | None, level: Any) -> None:
    """Tell every env of ``vec_env`` the new level; it takes effect at each env's next reset."""
    if vec_env is not None:
        vec_env.env_method("set_level", level)


class CurriculumCallback(BaseCallback):
    """Feeds final infos of finished episodes to ``curriculum.update`` and, when the level changes,
    calls ``set_level`` on the training env and on ``eval_env`` through ``env_method``.

    The curriculum's ``state_dict`` is saved by the run's checkpoints (``qdesign.runs``), so a
    resumed run starts from the same level: ``_on_training_start`` re-applies it.
    """

    def __init__(self, curriculum: Any, eval_env: VecEnv | None = None, verbose: int = 0) -> None:
        super().__init__(verbose)
        self.curriculum = curriculum
        self.eval_env = eval_env
        self.changes = 0

    def _apply(self, level: Any) -> None:
        apply_level(self.training_env, level)
        apply_level(self.eval_env, level)

    def _on_training_start(self) -> None:
        self._apply(self.curriculum.level)

    def _on_step(self) -> bool:
        dones = self.locals.get("dones")
        infos = self.locals.get("infos", [])
        if dones is None:
            return True
        finished = [info for info, done in zip(infos, dones) if done]
        if finished:
            before = self.curriculum.level
            level = self.curriculum.update(finished, self.num_timesteps)
            if level != before:
                self.changes += 1
                self._apply(level)
                if self.verbose:
                    print(f"curriculum: level {before!r} -> {level!r} at step {self.num_timesteps}")
            if isinstance(level, (int, float)):
                self.logger.record("curriculum/level", float(level))
        return True
