"""Run folders that lose nothing: atomic writes, periodic checkpoints, resume after a crash.

Layout of a run folder::

    config.yaml      the resolved TrainConfig
    command.txt      the exact command line
    meta.json        task, seed, package version, git revision, host, status
    tb/              TensorBoard logs
    episodes.jsonl   one JSON line per finished training episode
    checkpoints/
      gen-000007/    one complete checkpoint generation: model.zip, replay_buffer.pkl, rng.pkl,
                     state.json (timesteps, curriculum, episode-log offset) and manifest.json
                     (bytes, sha256 and step count of every part)
      gen-000006/    the previous generation, kept until the next one is published
      latest ->      symlink to the current generation, switched by one atomic rename
    .lock            held (fcntl.flock) by the one process writing this folder
    model.zip        the final model
    summary.json     written last: its presence means the run completed

A generation is written complete into ``checkpoints/.tmp-gen-*`` and only then renamed into place
and published, so a kill at any moment leaves either the old or the new generation current, never
a mix of the two; resume verifies the manifest and falls back to the previous generation.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
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
from qdesign.config import TrainConfig, config_from_dict, dump_yaml, load_yaml

CHECKPOINTS = Path("checkpoints")
CHECKPOINT = CHECKPOINTS / "latest"  # the pointer (a symlink) to the current generation
_GEN_PREFIX, _TMP_PREFIX = "gen-", ".tmp-gen-"
MANIFEST_FORMAT = 1

#: test hook: called as ``hook(part, folder)`` after each part of a checkpoint is written into its
#: temporary folder (tests kill or pause the writer there); ``QDESIGN_CHECKPOINT_PAUSE=<seconds>``
#: in the environment sleeps at the same points, so a subprocess can be killed mid-write.
checkpoint_hook: Any = None


class RunFolderBusy(ValueError):
    """Another live process holds the run folder's lock."""


class CheckpointError(ValueError):
    """No usable checkpoint (missing, incomplete or corrupt files), with the file named."""


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
    """Write ``obj`` as indented JSON with ``atomic_write_bytes`` (numpy values converted)."""
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
    """The installed source's git commit, or None outside a checkout (recorded in meta.json)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def rng_state() -> dict[str, Any]:
    """The global Python, NumPy and (if installed) torch RNG states, saved with a checkpoint."""
    state: dict[str, Any] = {"python": random.getstate(), "numpy": np.random.get_state()}
    try:
        import torch

        state["torch"] = torch.get_rng_state()
    except ImportError:  # pragma: no cover
        pass
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Put back the RNG states from ``rng_state`` so a resumed run continues the same random streams."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    if "torch" in state:
        import torch

        torch.set_rng_state(state["torch"])


class Checkpoint:
    """One verified checkpoint generation: its folder, ``state.json`` and ``manifest.json``."""

    def __init__(self, path: Path, state: dict[str, Any], manifest: dict[str, Any] | None) -> None:
        self.path, self.state, self.manifest = path, state, manifest

    @property
    def num_timesteps(self) -> int:
        """Environment steps the agent had taken when this generation was written."""
        return int(self.state["num_timesteps"])

    def file(self, name: str) -> Path | None:
        """Path of file ``name`` inside this generation, or None if it has no such file."""
        path = self.path / name
        return path if path.is_file() else None

    def load_pickle(self, name: str) -> Any:
        """Unpickle a part, or a ``CheckpointError`` naming the file (a truncated pickle)."""
        path = self.path / name
        try:
            return pickle.loads(path.read_bytes())
        except Exception as err:  # noqa: BLE001 -- any unpickling failure means a damaged file
            raise CheckpointError(f"checkpoint file {path} is corrupt or truncated "
                                  f"({type(err).__name__}: {err})") from err


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_json(path: Path, what: str) -> Any:
    """JSON from ``path`` or a ``CheckpointError`` that names the file (not a bare JSONDecodeError)."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as err:
        raise CheckpointError(f"{what} {path} is missing") from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise CheckpointError(f"{what} {path} is corrupt or truncated ({err})") from err


def _gen_number(name: str) -> int:
    head = name[len(_TMP_PREFIX):] if name.startswith(_TMP_PREFIX) else name[len(_GEN_PREFIX):]
    try:
        return int(head.split("-")[0])
    except ValueError:
        return -1


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pause(part: str, folder: Path) -> None:
    if checkpoint_hook is not None:
        checkpoint_hook(part, folder)
    pause = os.environ.get("QDESIGN_CHECKPOINT_PAUSE")
    if pause:
        time.sleep(float(pause))


class RunDir:
    """A run folder on disk (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock_fd: int | None = None

    # -- creation --------------------------------------------------------------------------
    @classmethod
    def create(cls, out: str | Path, config: TrainConfig, name: str | None = None) -> RunDir:
        """A new run folder, locked by this process. ``mkdir`` without ``exist_ok`` picks the name, so
        two processes asking for the same name at the same moment get ``NAME`` and ``NAME-1``."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = Path(out) / config.task / (name or f"{stamp}-seed{config.seed}")
        base.parent.mkdir(parents=True, exist_ok=True)
        path, i = base, 1
        while True:
            try:
                path.mkdir()
                break
            except FileExistsError:
                path, i = base.with_name(f"{base.name}-{i}"), i + 1
        run = cls(path)
        run.lock()
        run.save_config(config)
        atomic_write_bytes(path / "command.txt", (" ".join(map(_quote, sys.argv)) + "\n").encode())
        run.write_meta(status="running", created=time.time(), pid=os.getpid())
        return run

    # -- one writer per folder ---------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        """The lock file whose ``flock`` makes this process the folder's one writer."""
        return self.path / ".lock"

    def lock(self) -> None:
        """Become the one writer of this folder, or raise ``RunFolderBusy`` naming the holder.

        ``fcntl.flock`` locks die with their process (``kill -9`` included), so a stale lock file never
        blocks a resume.
        """
        if self._lock_fd is not None:
            return
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
            raise RunFolderBusy(f"run folder {str(self.path)!r} is in use by {self._holder()}; "
                                "wait for it to finish or stop it first") from None
        info = {"pid": os.getpid(), "host": platform.node(), "started": time.time(),
                "command": " ".join(map(_quote, sys.argv))}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        self._lock_fd = fd

    def _holder(self) -> str:
        try:
            info = json.loads(self.lock_path.read_text())
            return f"process {info['pid']} on {info['host']} ({info['command']})"
        except (OSError, ValueError, KeyError):
            return "another process"

    def unlock(self) -> None:
        """Release the writer lock (no-op when not held)."""
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def is_locked_elsewhere(self) -> bool:
        """True while another process holds the folder's lock."""
        if self._lock_fd is not None or not self.lock_path.is_file():
            return False
        fd = os.open(self.lock_path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except OSError:
            return True
        finally:
            os.close(fd)

    # -- metadata --------------------------------------------------------------------------
    @property
    def meta(self) -> dict[str, Any]:
        """Contents of ``meta.json`` (status, seed, versions, hardware), empty before the first write."""
        file = self.path / "meta.json"
        return json.loads(file.read_text()) if file.is_file() else {}

    def write_meta(self, **fields: Any) -> None:
        """Update ``meta.json`` with ``fields``, creating it from the config and this machine on first
        call."""
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

    def save_config(self, config: TrainConfig) -> None:
        """Write ``config.yaml`` atomically (a resume that extends the run rewrites it)."""
        atomic_write_bytes(self.path / "config.yaml", dump_yaml(config).encode())

    def config(self) -> TrainConfig:
        """The run's ``config.yaml`` as a validated TrainConfig."""
        return config_from_dict(load_yaml(self.path / "config.yaml"), where=str(self.path / "config.yaml"))

    def reconcile_status(self) -> str | None:
        """A run whose meta says "running" but whose writer is gone (``kill -9``, power loss) is marked
        "interrupted"; returns the status."""
        meta = self.meta
        status = meta.get("status")
        if status == "running" and not self.is_locked_elsewhere() and self._lock_fd is None:
            try:
                self.lock()
            except RunFolderBusy:  # the writer came back between the two checks
                return status
            try:
                self.write_meta(status="interrupted")
            finally:
                self.unlock()
            status = "interrupted"
        return status

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
        try:
            run.reconcile_status()
        except (OSError, ValueError):  # read-only folder or damaged meta: evaluation may still work
            pass
        return run

    # -- checkpoints ------------------------------------------------------------------------
    @property
    def checkpoints_root(self) -> Path:
        """Folder holding the checkpoint generations and the ``latest`` pointer."""
        return self.path / CHECKPOINTS

    @property
    def checkpoint_dir(self) -> Path:
        """The current generation's folder (``checkpoints/latest`` resolved)."""
        latest = self.path / CHECKPOINT
        return latest.resolve() if latest.is_symlink() else latest

    def generations(self) -> list[Path]:
        """Published generation folders, newest first."""
        root = self.checkpoints_root
        if not root.is_dir():
            return []
        gens = [p for p in root.iterdir() if p.name.startswith(_GEN_PREFIX) and p.is_dir()]
        return sorted(gens, key=lambda p: _gen_number(p.name), reverse=True)

    def has_checkpoint(self) -> bool:
        """Whether any checkpoint generation (or a pre-generation ``latest`` folder) exists to resume from."""
        latest = self.path / CHECKPOINT
        return bool(self.generations()) or (latest.is_dir() and (latest / "state.json").is_file())

    def clean_stale(self) -> list[Path]:
        """Remove what interrupted writers left: temporary checkpoint folders, half-written files and
        generations older than the current one and its predecessor. Call it holding the lock."""
        removed: list[Path] = []
        root = self.checkpoints_root
        if root.is_dir():
            for p in root.iterdir():
                if p.name.startswith(_TMP_PREFIX) or p.name.startswith(".latest."):
                    shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
                    removed.append(p)
        for p in self.path.glob(".*.tmp*"):
            if p.is_file():
                p.unlink()
                removed.append(p)
        return removed

    def save_checkpoint(self, model: Any, num_timesteps: int, curriculum: Any, extra: dict[str, Any]
                        ) -> Path:
        """Write a complete new generation, then publish it with one atomic symlink switch.

        Parts: model, replay buffer (off-policy agents), RNG states, ``state.json`` (timesteps,
        curriculum, the byte length of ``episodes.jsonl``) and last ``manifest.json`` (bytes, sha256 and
        step count of each part). The previous generation stays until this one is current.
        """
        root = self.checkpoints_root
        root.mkdir(parents=True, exist_ok=True)
        self._adopt_legacy()
        previous = self.generations()
        number = (_gen_number(previous[0].name) + 1) if previous else 1
        name = f"{_GEN_PREFIX}{number:06d}"
        tmp = root / f"{_TMP_PREFIX}{number:06d}-{os.getpid()}"
        tmp.mkdir()
        steps = int(num_timesteps)
        try:
            model.save(str(tmp / "model.zip"))
            _pause("model.zip", tmp)
            if hasattr(model, "save_replay_buffer") and getattr(model, "replay_buffer", None) is not None:
                model.save_replay_buffer(str(tmp / "replay_buffer.pkl"))
                _pause("replay_buffer.pkl", tmp)
            (tmp / "rng.pkl").write_bytes(pickle.dumps(rng_state()))
            _pause("rng.pkl", tmp)
            log = self.path / "episodes.jsonl"
            state = {
                "num_timesteps": steps, "saved_at": time.time(), "generation": number,
                "curriculum": curriculum.state_dict() if curriculum is not None else None,
                "episodes_bytes": log.stat().st_size if log.is_file() else 0,
                **extra,
            }
            (tmp / "state.json").write_text(json.dumps(state, indent=2, default=_json_default) + "\n")
            _pause("state.json", tmp)
            parts = {}
            for f in sorted(tmp.iterdir()):
                _fsync_file(f)
                parts[f.name] = {"bytes": f.stat().st_size, "sha256": _sha256(f), "num_timesteps": steps}
            manifest = {"format": MANIFEST_FORMAT, "generation": number, "num_timesteps": steps,
                        "parts": parts}
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
            _fsync_file(tmp / "manifest.json")
            _fsync_dir(tmp)
            _pause("manifest.json", tmp)
            final = root / name
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._point_latest_to(name)
        keep = {name} | ({previous[0].name} if previous else set())
        for gen in previous:
            if gen.name not in keep:
                shutil.rmtree(gen, ignore_errors=True)
        return final

    def _point_latest_to(self, name: str) -> None:
        root = self.checkpoints_root
        link = root / f".latest.{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(name, link)
        os.replace(link, root / "latest")  # rename(2) over the old symlink: atomic
        _fsync_dir(root)

    def _adopt_legacy(self) -> None:
        """A run from before generations has a plain ``checkpoints/latest/`` folder: make it gen 0."""
        latest = self.path / CHECKPOINT
        if latest.is_dir() and not latest.is_symlink():
            os.rename(latest, self.checkpoints_root / f"{_GEN_PREFIX}{0:06d}")
            self._point_latest_to(f"{_GEN_PREFIX}{0:06d}")

    def verify_generation(self, folder: Path) -> Checkpoint:
        """The generation in ``folder`` if every part is present, the right size, the right checksum and
        of the same step count; else a ``CheckpointError`` naming the first bad file."""
        manifest_file = folder / "manifest.json"
        legacy = folder.name.startswith(_GEN_PREFIX) and _gen_number(folder.name) == 0
        if legacy and not manifest_file.is_file():
            state = _read_json(folder / "state.json", "checkpoint file")  # pre-manifest legacy checkpoint
            return Checkpoint(folder, state, None)
        manifest = _read_json(manifest_file, "checkpoint manifest")
        if not isinstance(manifest, dict) or "parts" not in manifest or "num_timesteps" not in manifest:
            raise CheckpointError(f"checkpoint manifest {manifest_file} is not a manifest")
        steps = int(manifest["num_timesteps"])
        for name, part in manifest["parts"].items():
            path = folder / name
            if not path.is_file():
                raise CheckpointError(f"checkpoint file {path} is missing")
            if path.stat().st_size != part["bytes"]:
                raise CheckpointError(f"checkpoint file {path} has {path.stat().st_size} bytes, the manifest "
                                      f"says {part['bytes']} (truncated or replaced)")
            if _sha256(path) != part["sha256"]:
                raise CheckpointError(f"checkpoint file {path} fails its checksum (corrupt or replaced)")
            if int(part["num_timesteps"]) != steps:
                raise CheckpointError(f"checkpoint file {path} is from step {part['num_timesteps']}, "
                                      f"the rest of {folder.name} from step {steps} (a mixed checkpoint)")
        if "state.json" not in manifest["parts"] or "model.zip" not in manifest["parts"]:
            raise CheckpointError(f"checkpoint manifest {manifest_file} lists no model.zip or state.json")
        state = _read_json(folder / "state.json", "checkpoint file")
        if int(state.get("num_timesteps", -1)) != steps:
            raise CheckpointError(f"checkpoint file {folder / 'state.json'} is from step "
                                  f"{state.get('num_timesteps')}, the manifest from step {steps}")
        return Checkpoint(folder, state, manifest)

    def load_checkpoint(self, warn: Any = None) -> Checkpoint:
        """The newest generation that verifies. Falling back past a damaged one is said in one line
        (``warn(message)``, default: stderr); none usable is a ``CheckpointError`` naming the files."""
        latest = self.path / CHECKPOINT
        candidates: list[Path] = []
        if latest.is_symlink() or latest.is_dir():
            candidates.append(latest.resolve() if latest.is_symlink() else latest)
        candidates += [g for g in self.generations() if g.resolve() not in {c.resolve() for c in candidates}]
        if not candidates:
            raise CheckpointError(f"run folder {str(self.path)!r} has no checkpoint to resume from")
        problems = []
        for folder in candidates:
            try:
                if folder == latest and not latest.is_symlink():  # legacy plain folder
                    ckpt = Checkpoint(folder, _read_json(folder / "state.json", "checkpoint file"), None)
                else:
                    ckpt = self.verify_generation(folder)
            except CheckpointError as err:
                problems.append(str(err))
                continue
            if problems:
                message = (f"qdesign: warning: {problems[0]}; using the previous checkpoint {ckpt.path.name} "
                           f"at {ckpt.num_timesteps} steps")
                (warn or (lambda m: print(m, file=sys.stderr)))(message)
            return ckpt
        raise CheckpointError(f"run folder {str(self.path)!r} has no usable checkpoint: "
                              + "; ".join(problems))

    def load_checkpoint_state(self) -> dict[str, Any]:
        """``state.json`` of the newest checkpoint that verifies."""
        return self.load_checkpoint().state

    # -- episodes ----------------------------------------------------------------------------
    def append_episodes(self, records: list[dict[str, Any]]) -> None:
        """Append episode records to ``episodes.jsonl`` and fsync, so a kill loses at most the last line."""
        if records:
            with open(self.path / "episodes.jsonl", "a") as fh:
                for rec in records:
                    fh.write(json.dumps(rec, default=_json_default) + "\n")
                fh.flush()
                os.fsync(fh.fileno())

    def episodes(self) -> list[dict[str, Any]]:
        """All records in ``episodes.jsonl``, skipping a last line cut by a kill mid-write."""
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

    def truncate_episodes(self, max_timestep: int, max_bytes: int | None = None) -> None:
        """On resume, drop episodes recorded after the checkpoint (they will be replayed): cut the log at
        the byte length the checkpoint recorded, then drop any line past its step."""
        file = self.path / "episodes.jsonl"
        if max_bytes is not None and file.is_file() and file.stat().st_size > max_bytes:
            with open(file, "r+b") as fh:
                fh.truncate(max_bytes)
                os.fsync(fh.fileno())
        kept = [e for e in self.episodes() if e.get("timestep", 0) <= max_timestep]
        atomic_write_bytes(file, "".join(json.dumps(e, default=_json_default) + "\n" for e in kept).encode())

    def truncate_tensorboard(self, max_step: int) -> int:
        """On resume, drop TensorBoard events logged after the checkpoint's step (the resumed run logs
        them again); returns how many were dropped. Files are rewritten atomically."""
        tb = self.path / "tb"
        files = sorted(tb.rglob("events.out.tfevents.*")) if tb.is_dir() else []
        if not files:
            return 0
        from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
        from tensorboard.compat.proto import event_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter

        dropped = 0
        for file in files:
            records = list(RawEventFileLoader(str(file)).Load())
            keep = [r for r in records if event_pb2.Event.FromString(r).step <= max_step]
            if len(keep) == len(records):
                continue
            dropped += len(records) - len(keep)
            tmp = file.with_name(f".{file.name}.tmp")
            with open(tmp, "wb") as fh:
                writer = RecordWriter(fh)
                for r in keep:
                    writer.write(r)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, file)
        return dropped

    def model_path(self) -> Path:
        """The best saved model: best_model.zip, else final model.zip, else the last checkpoint."""
        for candidate in (self.path / "best_model.zip", self.path / "model.zip",
                          self.checkpoint_dir / "model.zip"):
            if candidate.is_file():
                return candidate
        raise ValueError(f"run folder {str(self.path)!r} holds no model yet")

    def remove(self) -> None:
        """Release the lock and delete the run folder."""
        self.unlock()
        shutil.rmtree(self.path, ignore_errors=True)


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./:=," for c in arg) else repr(arg)
