"""Training tasks (harness layer): one ``Task`` per family and the one ``TASKS`` table of them.

``qdesign train/evaluate/bench TASK`` and ``qdesign list`` read ``TASKS``; a family's task module is
imported only when that task runs, so ``import qdesign`` stays cheap.
"""

from __future__ import annotations

import importlib
from importlib import resources
from pathlib import Path
from typing import Any

from qdesign.config import TrainConfig, load_yaml, merge
from qdesign.registry import check_env_id
from qdesign.tasks.base import Task, find_bench_dir

#: task name (as typed on the CLI) -> module defining ``TASK``
TASKS: dict[str, str] = {
    "arch-search": "qdesign.tasks.arch_search",
    "gate-compile": "qdesign.tasks.gate_compile",
    "weight-reduce": "qdesign.tasks.weight_reduce",
    "clifford-synth": "qdesign.tasks.clifford_synth",
}


def check_task(task: str) -> str:
    """``task`` if it names a task, else a ``ValueError`` listing the valid ones."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; valid tasks: {', '.join(TASKS)}")
    return task


def load_task(task: str) -> Task:
    """The task object behind a CLI task name (``qdesign.tasks.<family>:TASK``)."""
    return importlib.import_module(TASKS[check_task(task)]).TASK


def preset_configs(task: str) -> dict[str, Path]:
    """The training presets shipped for ``task``: ``{name: YAML path}`` (``qdesign.configs``)."""
    family = check_task(task).replace("-", "_")
    try:
        root = resources.files("qdesign.configs") / family
    except ModuleNotFoundError:  # pragma: no cover - an install without its package data
        return {}
    return {Path(str(f)).stem: Path(str(f)) for f in sorted(root.iterdir(), key=lambda f: f.name)
            if f.name.endswith(".yaml")} if root.is_dir() else {}


def find_config(task: str, config: str) -> Path:
    """A config given as a YAML path, or as the name of a shipped preset (``h2_4q_dqn``)."""
    path = Path(config)
    if path.is_file():
        return path
    presets = preset_configs(task)
    name = path.name.removesuffix(".yaml")
    if name in presets and (path.parent == Path(".") or not path.parent.is_dir()):
        return presets[name]
    raise ValueError(f"config file {config!r} does not exist and is not a preset of task {task!r}; "
                     f"presets: {', '.join(presets) or '(none installed)'}")


def resolve_train_config(task: str, config_file: str | None, seed: int | None, timesteps: int | None,
                         agent: str | None, overrides: dict[str, Any] | None = None) -> TrainConfig:
    """The TrainConfig for ``qdesign train``: task default, then the YAML file, then flags."""
    task_obj = load_task(task)
    config = task_obj.default_config()
    if config_file:
        config_file = str(find_config(task, config_file))
        data = load_yaml(config_file)
        if data.get("task", task) != task:
            raise ValueError(f"config file {config_file!r} is for task {data['task']!r}, not {task!r}")
        if data.get("agent", config.agent) != config.agent:
            config.agent_kwargs = {}  # the default's kwargs belong to the default's agent
        config = merge(config, data, where=str(config_file))
    flags: dict[str, Any] = dict(overrides or {})
    if seed is not None:
        flags["seed"] = seed
    if timesteps is not None:
        flags["total_timesteps"] = timesteps
    if agent is not None and agent != config.agent:
        # the config's agent_kwargs belong to its own agent; a different --agent starts from its defaults
        config = merge(config, {"agent": agent}, where="--agent")
        config.agent_kwargs = {}
    if flags:
        config = merge(config, flags, where="command-line flags")
    check_env_id(config.env_id)
    return config


__all__ = ["TASKS", "Task", "check_task", "find_bench_dir", "find_config", "load_task", "preset_configs",
           "resolve_train_config"]
