"""The ``Task`` interface: what a family provides so ``qdesign train/evaluate/bench TASK`` works.

Each family defines ``TASK`` in ``qdesign.tasks.<family>`` (listed in ``qdesign.tasks.TASKS``).
The generic trainer (``qdesign.training``) builds envs, the agent and the curriculum from a
``TrainConfig``, records every finished episode through ``episode_record``, and at the end asks
``summarize`` for the task's metrics and artefacts (circuits, sequences, codes).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from qdesign.agents.protocol import Agent
from qdesign.config import TrainConfig


class Task:
    """A family's training task: its default config, what an episode record keeps, its summary,
    evaluation and benchmark; ``qdesign train/evaluate/bench`` call these and know nothing else."""

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
                  model: Agent | None) -> dict[str, Any]:
        """Task metrics for ``summary.json``; may also write artefacts into ``run_dir``."""
        return {}

    def evaluate(self, run_dir: Path, config: TrainConfig, model: Agent, n_episodes: int,
                 seed: int, level: Any = None) -> dict[str, Any]:
        """Metrics of the trained model on held-out instances (masks applied at predict time);
        ``level`` is the curriculum level the run reached, if it had a curriculum."""
        from qdesign.rollouts import rollout_metrics

        return rollout_metrics(config, model, n_episodes, seed, level=level)

    def add_commands(self, sub: Any) -> None:
        """Add the family's own ``qdesign`` subcommands to the CLI's subparsers (default: none)."""

    def bench_commands(self, out_dir: Path, quick: bool = False) -> list[list[str]]:
        """The family's benchmark scripts (paths under ``experiments/bench/``) and their arguments,
        each writing JSON into ``out_dir``; empty when the family has no benchmark."""
        return []

    def bench(self, out_dir: Path, quick: bool = False,
              experiments_dir: Path | None = None) -> dict[str, Any]:
        """Run the family's side-by-side benchmark (``qdesign bench <task>``) and return its JSON files.

        Benchmarks compare against baselines that live in the source checkout's ``experiments/``; they
        run as scripts in a subprocess, so installed code never imports them.
        """
        commands = self.bench_commands(Path(out_dir), quick)
        if not commands:
            raise ValueError(f"task {self.name!r} has no benchmark")
        bench_dir = find_bench_dir(experiments_dir)
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        for script, *args in commands:
            path = bench_dir / script
            if not path.is_file():
                raise ValueError(f"benchmark script {path} not found in {bench_dir}")
            done = subprocess.run([sys.executable, str(path), *args], check=False)
            if done.returncode != 0:
                raise RuntimeError(f"benchmark {script} {' '.join(args)} exited with {done.returncode}")
        return {p.name: json.loads(p.read_text()) for p in sorted(out_dir.glob("*.json"))}


def find_bench_dir(experiments_dir: Path | str | None = None) -> Path:
    """``<checkout>/experiments/bench``: from ``experiments_dir`` if given, else the current folder or
    one of its parents (benchmarks are not installed with the wheel)."""
    if experiments_dir is not None:
        candidates = [Path(experiments_dir) / "bench"]
    else:
        here = Path.cwd().resolve()
        candidates = [d / "experiments" / "bench" for d in (here, *here.parents)]
    for folder in candidates:
        if folder.is_dir():
            return folder
    raise ValueError("no experiments/bench folder found: run `qdesign bench` inside a source checkout "
                     "or pass --experiments PATH")
