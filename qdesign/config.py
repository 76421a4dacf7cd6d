"""Typed training configs, loaded from YAML with strict keys (a typo is an error, not a default)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass
class CurriculumConfig:
    """``name`` is a built-in curriculum name or ``"package.module:Class"``; ``kwargs`` go to it."""

    name: str = "fixed"
    kwargs: dict[str, Any] = field(default_factory=dict)


#: how ``n_envs`` envs are stepped together (``qdesign.training.build_vec_env``)
VEC_ENVS = ("auto", "batched", "dummy", "subproc")


@dataclass
class TrainConfig:
    """Everything one training run needs; saved resolved into the run folder."""

    task: str
    env_id: str
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    agent: str = "maskable_ppo"
    agent_kwargs: dict[str, Any] = field(default_factory=dict)
    total_timesteps: int = 10_000
    seed: int = 0
    n_envs: int = 1
    #: "auto" (batched when n_envs > 1 and the id has a batched vector env, else dummy) | "batched" |
    #: "dummy" | "subproc"
    vec_env: str = "auto"
    curriculum: CurriculumConfig | None = None
    eval_episodes: int = 5
    checkpoint_every_seconds: float = 120.0
    checkpoint_every_steps: int | None = None
    #: the first checkpoint comes this soon, so a short run (or the default job) can always be resumed
    checkpoint_first_seconds: float = 30.0
    progress_bar: bool = True
    #: BLAS/OpenMP and torch threads per training process; 1 avoids oversubscribing small machines
    num_threads: int = 1
    #: stop after this much wall time (resumed runs count their earlier time), like the papers'
    #: "N episodes or T hours"; the run then ends normally (evaluation, summary, status "complete")
    max_wall_seconds: float | None = None

    def validate(self) -> TrainConfig:
        """Check the fields' ranges and choices; raises a ValueError naming the field, returns self."""
        if self.total_timesteps < 1:
            raise ValueError(f"total_timesteps must be >= 1, got {self.total_timesteps}")
        if self.n_envs < 1:
            raise ValueError(f"n_envs must be >= 1, got {self.n_envs}")
        if self.vec_env not in VEC_ENVS:
            raise ValueError(f"vec_env must be one of {VEC_ENVS}, got {self.vec_env!r}")
        if self.num_threads < 1:
            raise ValueError(f"num_threads must be >= 1, got {self.num_threads}")
        if self.checkpoint_every_seconds <= 0:
            raise ValueError(f"checkpoint_every_seconds must be > 0, got {self.checkpoint_every_seconds}")
        if self.checkpoint_first_seconds <= 0:
            raise ValueError(f"checkpoint_first_seconds must be > 0, got {self.checkpoint_first_seconds}")
        if self.max_wall_seconds is not None and not self.max_wall_seconds > 0:
            raise ValueError(f"max_wall_seconds must be > 0 or null, got {self.max_wall_seconds}")
        if self.checkpoint_every_steps is not None and self.checkpoint_every_steps < 1:
            raise ValueError(f"checkpoint_every_steps must be >= 1 or null, "
                             f"got {self.checkpoint_every_steps}")
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of all fields (what ``config.yaml`` in a run folder holds)."""
        return dataclasses.asdict(self)


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(data).__name__}")
    names = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ValueError(f"{where}: unknown config key(s) {unknown}; valid keys: {sorted(names)}")
    values = dict(data)
    if cls is TrainConfig and isinstance(values.get("curriculum"), dict):
        values["curriculum"] = _build(CurriculumConfig, values["curriculum"], f"{where}.curriculum")
    missing = [n for n, f in names.items() if n not in values and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ValueError(f"{where}: missing required key(s) {missing}")
    return cls(**values)


def config_from_dict(data: dict[str, Any], where: str = "config") -> TrainConfig:
    """Build and validate a TrainConfig from a dict; ``where`` names the source in error messages."""
    return _build(TrainConfig, data, where).validate()


def merge(base: TrainConfig, overrides: dict[str, Any], where: str = "config") -> TrainConfig:
    """``base`` updated by a (partial) mapping; nested dicts (env/agent kwargs) merge key by key."""
    data = base.to_dict()
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict) and key != "curriculum":
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return config_from_dict(data, where)


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping from ``path``; ValueError if the file is missing, invalid or not a mapping."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"config file {str(path)!r} does not exist")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ValueError(f"config file {str(path)!r} is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"config file {str(path)!r} must hold a mapping at top level")
    return data


def dump_yaml(config: TrainConfig) -> str:
    """``config`` as YAML text, fields in declaration order."""
    return yaml.safe_dump(config.to_dict(), sort_keys=False)


def save_yaml(config: TrainConfig, path: str | Path) -> None:
    """Write ``config`` to ``path`` as YAML (``dump_yaml``)."""
    Path(path).write_text(dump_yaml(config))
