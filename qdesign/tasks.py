"""The ``Task`` interface: what a family provides so ``qdesign train/evaluate/bench TASK`` works.

Each family defines ``TASK`` in ``qdesign.envs.<family>.task``. The generic trainer
(``qdesign.training``) builds envs, the agent and the curriculum from a ``TrainConfig``, records
every finished episode through ``episode_record``, and at the end asks ``summarize`` for the task's
metrics and artefacts (circuits, sequences, codes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qdesign.config import TrainConfig


class Task:
    #: the CLI name, e.g. "arch-search"
    name: str = ""
    #: one line for ``qdesign list``
    description: str = ""

    def default_config(self) -> TrainConfig:
        """The config of ``qdesign train <task>`` without ``--config`` (a short run, minutes)."""
        raise NotImplementedError

    def episode_record(self, info: dict[str, Any]) -> dict[str, Any]:
        """JSON-safe fields kept from a finished episode's final ``info`` (default: scalars)."""
        return {k: v for k, v in info.items() if isinstance(v, (bool, int, float, str))}

    def summarize(self, run_dir: Path, config: TrainConfig, episodes: list[dict[str, Any]],
                  model: Any) -> dict[str, Any]:
        """Task metrics for ``summary.json``; may also write artefacts into ``run_dir``."""
        return {}

    def evaluate(self, run_dir: Path, config: TrainConfig, model: Any, n_episodes: int,
                 seed: int, level: Any = None) -> dict[str, Any]:
        """Metrics of the trained model on held-out instances (masks applied at predict time);
        ``level`` is the curriculum level the run reached, if it had a curriculum."""
        from qdesign.training import rollout_metrics

        return rollout_metrics(config, model, n_episodes, seed, level=level)

    def bench(self, out_dir: Path, quick: bool = False) -> dict[str, Any]:
        """The family's side-by-side benchmark (``qdesign bench <task>``)."""
        raise NotImplementedError(f"task {self.name!r} has no benchmark yet")

    @staticmethod
    def bench_script(filename: str) -> Any:
        """Import ``experiments/bench/<filename>`` from the source checkout (benchmarks are not
        installed with the wheel; they compare against baselines that need the source tree)."""
        import importlib
        import sys

        path = Path(__file__).resolve().parents[1] / "experiments" / "bench" / filename
        if not path.is_file():
            raise ValueError(f"benchmark script {path} not found: run `qdesign bench` from a source checkout")
        # imported by name from its folder, so worker processes (spawn) can import it again
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        return importlib.import_module(path.stem)
