"""Run folders that lose nothing: atomic writes, periodic checkpoints, resume after a crash.

Layout of a run folder::

    config.yaml      the resolved TrainConfig
    command.txt      the exact command line
    meta.json        task, seed, package version, git revision, host, status
    tb/              TensorBoard logs
    episodes.jsonl   one JSON line per finished training episode
    checkpoints/latest/  model.zip, replay_buffer.pkl, state.json (timesteps, curriculum), rng.pkl
    model.zip        the final model
    summary.json     written last: its presence means the run completed
"""

from __future__ import annotations

import json
import os
import pickle
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import qdesign
from qdesign.config import TrainConfig, config_from_dict, load_yaml, save_yaml

CHECKPOINT = Path("checkpoints") / "latest"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename: a kill never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=_json_default) + "\n").encode())


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


def git_revision() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"python": random.getstate(), "numpy": np.random.get_state()}
    try:
        import torch

        state["torch"] = torch.get_rng_state()
    except ImportError:  # pragma: no cover
        pass
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    if "torch" in state:
        import torch

        torch.set_rng_state(state["torch"])


class RunDir:
    """A run folder on disk (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    # -- creation --------------------------------------------------------------------------
    @classmethod
    def create(cls, out: str | Path, config: TrainConfig, name: str | None = None) -> RunDir:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = Path(out) / config.task / (name or f"{stamp}-seed{config.seed}")
        path, i = base, 1
        while path.exists():
            path, i = base.with_name(f"{base.name}-{i}"), i + 1
        path.mkdir(parents=True)
        run = cls(path)
        save_yaml(config, path / "config.yaml")
        atomic_write_bytes(path / "command.txt", (" ".join(map(_quote, sys.argv)) + "\n").encode())
        run.write_meta(status="running", created=time.time())
        return run

    # -- metadata --------------------------------------------------------------------------
    @property
    def meta(self) -> dict[str, Any]:
        file = self.path / "meta.json"
        return json.loads(file.read_text()) if file.is_file() else {}

    def write_meta(self, **fields: Any) -> None:
        meta = self.meta
        if not meta:
            cfg = self.config()
            meta = {
                "task": cfg.task, "env_id": cfg.env_id, "agent": cfg.agent, "seed": cfg.seed,
                "qdesign_version": qdesign.__version__, "git_revision": git_revision(),
                "python": platform.python_version(), "host": platform.node(),
                "cpu_count": os.cpu_count(), "platform": platform.platform(),
            }
        meta.update(fields)
        atomic_write_json(self.path / "meta.json", meta)

    def config(self) -> TrainConfig:
        return config_from_dict(load_yaml(self.path / "config.yaml"), where=str(self.path / "config.yaml"))

    # -- validation for evaluate / resume ------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, task: str | None = None) -> RunDir:
        """An existing run folder, or a ``ValueError`` saying why it is not one."""
        run = cls(path)
        if not run.path.is_dir():
            raise ValueError(f"run folder {str(path)!r} does not exist")
        if not (run.path / "config.yaml").is_file():
            raise ValueError(f"{str(path)!r} is not a qdesign run folder (no config.yaml)")
        cfg = run.config()
        if task is not None and cfg.task != task:
            raise ValueError(f"run folder {str(path)!r} belongs to task {cfg.task!r}, not {task!r}")
        return run

    # -- checkpoints ------------------------------------------------------------------------
    @property
    def checkpoint_dir(self) -> Path:
        return self.path / CHECKPOINT

    def has_checkpoint(self) -> bool:
        return (self.checkpoint_dir / "state.json").is_file()

    def save_checkpoint(self, model: Any, num_timesteps: int, curriculum: Any, extra: dict[str, Any]
                        ) -> None:
        """Model, replay buffer, curriculum and RNG states; ``state.json`` is written last."""
        ckpt = self.checkpoint_dir
        ckpt.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=ckpt) as tmp:
            model.save(str(Path(tmp) / "model.zip"))
            os.replace(Path(tmp) / "model.zip", ckpt / "model.zip")
            if hasattr(model, "save_replay_buffer") and getattr(model, "replay_buffer", None) is not None:
                model.save_replay_buffer(str(Path(tmp) / "replay_buffer.pkl"))
                os.replace(Path(tmp) / "replay_buffer.pkl", ckpt / "replay_buffer.pkl")
        atomic_write_bytes(ckpt / "rng.pkl", pickle.dumps(rng_state()))
        state = {
            "num_timesteps": int(num_timesteps), "saved_at": time.time(),
            "curriculum": curriculum.state_dict() if curriculum is not None else None,
            **extra,
        }
        atomic_write_json(ckpt / "state.json", state)

    def load_checkpoint_state(self) -> dict[str, Any]:
        if not self.has_checkpoint():
            raise ValueError(f"run folder {str(self.path)!r} has no checkpoint to resume from")
        return json.loads((self.checkpoint_dir / "state.json").read_text())

    # -- episodes ----------------------------------------------------------------------------
    def append_episodes(self, records: list[dict[str, Any]]) -> None:
        if records:
            with open(self.path / "episodes.jsonl", "a") as fh:
                for rec in records:
                    fh.write(json.dumps(rec, default=_json_default) + "\n")
                fh.flush()
                os.fsync(fh.fileno())

    def episodes(self) -> list[dict[str, Any]]:
        file = self.path / "episodes.jsonl"
        if not file.is_file():
            return []
        out = []
        for line in file.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut by a kill mid-write
                continue
        return out

    def truncate_episodes(self, max_timestep: int) -> None:
        """On resume, drop episodes recorded after the checkpoint (they will be replayed)."""
        kept = [e for e in self.episodes() if e.get("timestep", 0) <= max_timestep]
        atomic_write_bytes(self.path / "episodes.jsonl",
                           "".join(json.dumps(e, default=_json_default) + "\n" for e in kept).encode())

    def model_path(self) -> Path:
        """The best saved model: best_model.zip, else final model.zip, else the last checkpoint."""
        for candidate in (self.path / "best_model.zip", self.path / "model.zip",
                          self.checkpoint_dir / "model.zip"):
            if candidate.is_file():
                return candidate
        raise ValueError(f"run folder {str(self.path)!r} holds no model yet")

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./:=," for c in arg) else repr(arg)
