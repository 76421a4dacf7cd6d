"""The generic trainer behind ``qdesign train``: config -> envs, agent, curriculum -> run folder.

Families plug in through their ``Task`` (``qdesign.tasks``); nothing here knows about chemistry,
compilation or codes.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.utils import set_random_seed
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecEnvWrapper

from qdesign.agents.factory import is_sb3_class, load_agent, make_agent, resolve_agent_class
from qdesign.agents.protocol import Agent
from qdesign.config import TrainConfig
from qdesign.curricula.callback import CurriculumCallback, apply_level
from qdesign.curricula.factory import make_curriculum
from qdesign.curricula.protocol import Curriculum
from qdesign.registry import check_env_id, episode_limit, vector_entry_point
from qdesign.rollouts import make_env, rollout_metrics
from qdesign.runs import Checkpoint, CheckpointError, RunDir, atomic_write_json, restore_rng_state
from qdesign.tasks import Task, load_task

__all__ = ["make_env", "rollout_metrics", "train", "resume", "evaluate_run"]

_SKIP_INFO = {"action_mask", "terminal_observation", "episode", "TimeLimit.truncated"}


# -- building blocks ------------------------------------------------------------------------------
def resolve_vec_env(config: TrainConfig, n_envs: int | None = None) -> str:
    """The concrete vectorisation of a run: ``"auto"`` is ``"batched"`` when ``n_envs > 1`` and the id has a
    batched vector env (architecture search), else ``"dummy"``."""
    n = n_envs or config.n_envs
    if config.vec_env != "auto":
        return config.vec_env
    return "batched" if n > 1 and vector_entry_point(check_env_id(config.env_id)) else "dummy"


def build_vec_env(config: TrainConfig, seed: int | None = None, n_envs: int | None = None) -> VecEnv:
    """The config's env as an SB3 VecEnv of ``n_envs`` copies, seeded, with the id's episode limit and no
    rendering: one batched Gymnasium ``VectorEnv`` behind an SB3 adapter (``vec_env: batched``), or SB3's
    Dummy/SubprocVecEnv over single envs."""
    env_id = check_env_id(config.env_id)
    n = n_envs or config.n_envs
    seed = config.seed if seed is None else seed
    limit = episode_limit(env_id, config.env_kwargs)
    kind = resolve_vec_env(config, n)
    if kind == "batched":
        if not vector_entry_point(env_id):
            raise ValueError(f"vec_env='batched' needs an env id with a batched vector env; {env_id!r} has "
                             "none (allowed: 'dummy', 'subproc' or 'auto' for it)")
        import gymnasium as gym
        from gymnasium.vector import AutoresetMode
        from stable_baselines3.common.vec_env import VecMonitor

        from qdesign.vec_adapter import SB3VectorAdapter

        venv = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point",
                            autoreset_mode=AutoresetMode.SAME_STEP, max_episode_steps=limit,
                            **config.env_kwargs)
        adapter = SB3VectorAdapter(venv)
        adapter.seed(seed)  # env i gets seed + i, as make_vec_env seeds Dummy/SubprocVecEnv
        return VecMonitor(adapter)
    vec_cls = SubprocVecEnv if (kind == "subproc" and n > 1) else DummyVecEnv
    vec_kwargs = {"start_method": "forkserver"} if vec_cls is SubprocVecEnv else None
    # "qdesign:<id>" makes workers started with spawn/forkserver import qdesign before gym.make
    return make_vec_env(f"qdesign:{env_id}", n_envs=n, seed=seed,
                        env_kwargs={"render_mode": None,  # frames only when asked for
                                    "max_episode_steps": limit,
                                    **config.env_kwargs},
                        vec_env_cls=vec_cls, vec_env_kwargs=vec_kwargs)


def build_curriculum(config: TrainConfig) -> Curriculum | None:
    """The config's curriculum, or None when it has none."""
    if config.curriculum is None:
        return None
    return make_curriculum(config.curriculum.name, **config.curriculum.kwargs)


def _resolve_agent_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """YAML-friendly agent kwargs: activation functions may be given by name ("LeakyReLU")."""
    kwargs = dict(kwargs)
    policy_kwargs = dict(kwargs.get("policy_kwargs") or {})
    if isinstance(policy_kwargs.get("activation_fn"), str):
        import torch.nn

        name = policy_kwargs["activation_fn"]
        if not hasattr(torch.nn, name):
            raise ValueError(f"policy_kwargs.activation_fn {name!r} is not a torch.nn module")
        policy_kwargs["activation_fn"] = getattr(torch.nn, name)
    if policy_kwargs:
        kwargs["policy_kwargs"] = policy_kwargs
    return kwargs


def build_agent(config: TrainConfig, vec_env: VecEnv, tb_dir: Path | None) -> Agent:
    """Instantiate the config's agent on ``vec_env`` with the run's seed (and TensorBoard folder for SB3
    agents)."""
    cls = resolve_agent_class(config.agent)
    kwargs = _resolve_agent_kwargs(config.agent_kwargs)
    if is_sb3_class(cls):
        kwargs.setdefault("seed", config.seed)
        kwargs.setdefault("verbose", 0)
        if tb_dir is not None:
            kwargs.setdefault("tensorboard_log", str(tb_dir))
    elif "seed" in inspect.signature(cls).parameters:
        kwargs.setdefault("seed", config.seed)
    return make_agent(config.agent, vec_env, **kwargs)


def warn_rollout_rounding(model: Any, timesteps: int) -> int:
    """Warn when an on-policy agent will train past ``timesteps``; returns the steps it will take.

    PPO-style agents collect whole rollouts of ``n_steps * n_envs`` before checking the budget, so
    ``--timesteps 3000`` with PPO's 2048-step rollouts trains 4096 steps.
    """
    from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm

    if not isinstance(model, OnPolicyAlgorithm) or timesteps <= 0:
        return timesteps
    chunk = int(model.n_steps * model.n_envs)
    actual = -(-timesteps // chunk) * chunk
    if actual != timesteps:
        warnings.warn(f"{type(model).__name__} collects whole rollouts of n_steps * n_envs = {chunk} steps, "
                      f"so {timesteps} timesteps become {actual}; give a multiple of {chunk} (or set "
                      f"agent_kwargs.n_steps) to train exactly", UserWarning, stacklevel=2)
    return actual


class EpisodeRecorder(VecEnvWrapper):
    """Records every finished episode (reward, length, task fields) whatever the agent is."""

    def __init__(self, venv: VecEnv, task: Task, num_timesteps: int = 0, episodes: int = 0) -> None:
        super().__init__(venv)
        self.task = task
        self.num_timesteps = num_timesteps
        self.num_episodes = episodes
        self.pending: list[dict[str, Any]] = []
        self.level: Any = None
        self.step_hook: Any = None  # called as hook(dones, infos) after every step (custom agents)

    def reset(self) -> Any:
        """Reset the wrapped envs."""
        return self.venv.reset()

    def step_wait(self) -> Any:
        """Step the wrapped envs and record each episode that ended."""
        obs, rewards, dones, infos = self.venv.step_wait()
        self.num_timesteps += self.num_envs
        for info, done in zip(infos, dones):
            if not done:
                continue
            self.num_episodes += 1
            clean = {k: v for k, v in info.items() if k not in _SKIP_INFO}
            record = {"episode": self.num_episodes, "timestep": self.num_timesteps}
            if "episode" in info:
                record.update(reward=float(info["episode"]["r"]), length=int(info["episode"]["l"]))
            record.update(self.task.episode_record(clean))
            if isinstance(self.level, (int, float, str)):
                record["level"] = self.level
            self.pending.append(record)
        if self.step_hook is not None:
            self.step_hook(dones, infos)
        return obs, rewards, dones, infos

    def pop(self) -> list[dict[str, Any]]:
        """The records gathered since the last call (handed to the run folder at each checkpoint)."""
        out, self.pending = self.pending, []
        return out


class RunCallback(BaseCallback):
    """Flushes episode records and writes a checkpoint every N seconds or steps; the first one comes
    after ``checkpoint_first_seconds`` (30 s by default) so that even a short run can be resumed.

    On-policy SB3 agents (PPO, A2C, MaskablePPO) keep no replay buffer, so a checkpoint taken mid-rollout
    would count steps the policy never learnt from (the partial rollout is lost on resume); for them a
    due checkpoint waits for the start of the next rollout, right after the policy update.
    """

    def __init__(self, run: RunDir, recorder: EpisodeRecorder, curriculum: Curriculum | None,
                 config: TrainConfig, wall_offset: float = 0.0) -> None:
        super().__init__()
        self.run, self.recorder, self.curriculum, self.config = run, recorder, curriculum, config
        self.started, self.wall_offset = time.monotonic(), wall_offset
        self.last_save_time = time.monotonic()
        self.last_save_step = recorder.num_timesteps
        self.saves = 0
        self.due = False
        self.on_policy = False
        self.wall_budget_reached = False

    def _init_callback(self) -> None:
        self.on_policy = (getattr(self.model, "rollout_buffer", None) is not None
                          and getattr(self.model, "replay_buffer", None) is None)

    def _steps(self) -> int:
        return int(getattr(self.model, "num_timesteps", self.num_timesteps))

    def _on_step(self) -> bool:
        if self.curriculum is not None:
            self.recorder.level = self.curriculum.level
        if len(self.recorder.pending) >= 20:
            self.run.append_episodes(self.recorder.pop())
        interval = self.config.checkpoint_every_seconds
        if self.saves == 0:
            interval = min(interval, self.config.checkpoint_first_seconds)
        by_time = time.monotonic() - self.last_save_time >= interval
        every = self.config.checkpoint_every_steps
        by_steps = every is not None and self._steps() - self.last_save_step >= every
        if by_time or by_steps:
            if self.on_policy:
                self.due = True
            else:
                self.checkpoint()
        limit = self.config.max_wall_seconds
        if limit is not None and self.wall_offset + time.monotonic() - self.started >= limit:
            self.wall_budget_reached = True
            return False  # SB3 stops learn(); custom agents are stopped by _drive_callbacks
        return True

    def _on_rollout_start(self) -> None:
        if self.due:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Flush episode records and publish a new checkpoint generation, unless nothing changed since the
        last."""
        self.due = False
        self.run.append_episodes(self.recorder.pop())
        steps = self._steps()
        if self.saves and steps == self.last_save_step:
            return  # nothing new since the last generation (e.g. the end of a run right after a save)
        wall = self.wall_offset + time.monotonic() - self.started
        self.run.save_checkpoint(self.model, steps, self.curriculum,
                                 {"episodes": self.recorder.num_episodes, "wall_time_s": wall})
        self.last_save_time = time.monotonic()
        self.last_save_step = steps
        self.saves += 1


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP (``kill``, a closed terminal, a batch scheduler) end training like Ctrl-C: a
    last checkpoint, ``meta.json`` status "interrupted", exit 130. Only the main thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


class CustomAgentView:
    """What SB3 callbacks expect of a model (``get_env``, ``logger``, ``num_timesteps``), around a
    custom agent: lets the same curriculum and checkpoint callbacks drive agents that do not call
    callbacks themselves. Everything else (``save``, ...) is the agent's own."""

    def __init__(self, agent: Agent, recorder: EpisodeRecorder, tb_dir: Path | None) -> None:
        from stable_baselines3.common.logger import Logger, configure

        self._agent, self._recorder = agent, recorder
        # no folder: a bare Logger (``configure(None)`` would leave an empty /tmp/SB3-<time> behind)
        self.logger = configure(str(tb_dir), ["tensorboard"]) if tb_dir is not None else Logger(None, [])

    def get_env(self) -> VecEnv:
        """The recording VecEnv the custom agent trains on."""
        return self._recorder

    @property
    def num_timesteps(self) -> int:
        """Environment steps taken so far, counted by the recorder."""
        return self._recorder.num_timesteps

    def __getattr__(self, name: str) -> Any:
        return getattr(self._agent, name)


def _drive_callbacks(model: Any, recorder: EpisodeRecorder, callbacks: CallbackList,
                     tb_dir: Path | None) -> None:
    """Hook ``callbacks`` into the recorder's steps for an agent that ignores its ``callback``."""
    view = CustomAgentView(model, recorder, tb_dir)
    callbacks.init_callback(view)  # type: ignore[arg-type]
    callbacks.on_training_start({}, {})

    def hook(dones: np.ndarray, infos: list[dict[str, Any]]) -> None:
        callbacks.update_locals({"dones": dones, "infos": infos})
        if not callbacks.on_step():  # e.g. max_wall_seconds: end the agent's learn() from its env
            raise _StopTraining
        if np.any(dones):  # callbacks record at episode ends; flush TensorBoard only then
            view.logger.dump(recorder.num_timesteps)

    recorder.step_hook = hook


class _StopTraining(Exception):
    """Raised from a custom agent's env step when a callback asks training to stop."""


# -- the run -------------------------------------------------------------------------------------
def check_kwargs(config: TrainConfig) -> None:
    """Unknown ``env_kwargs`` / ``agent_kwargs`` keys are a one-line ``ValueError`` naming the key and the
    valid ones, before any folder is made (not a ``TypeError`` traceback from deep inside a build)."""
    import gymnasium as gym

    from qdesign.plugins import resolve_object

    spec = gym.spec(check_env_id(config.env_id))
    entry = spec.entry_point
    env_cls = resolve_object(entry, {}, "env entry point") if isinstance(entry, str) else entry
    _check_names(config.env_kwargs, env_cls, "env_kwargs", {"render_mode"})
    _check_names(config.agent_kwargs, resolve_agent_class(config.agent), "agent_kwargs",
                 {"env", "policy"})


def _check_names(kwargs: dict[str, Any], target: Any, where: str, reserved: set[str]) -> None:
    try:
        params = inspect.signature(target).parameters
    except (TypeError, ValueError):  # builtins / C extensions: nothing to check against
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    valid = sorted(n for n, p in params.items() if n not in reserved and n != "self"
                   and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY))
    unknown = sorted(set(kwargs) - set(valid))
    if unknown:
        name = getattr(target, "__name__", str(target))
        raise ValueError(f"{where}.{unknown[0]} is not a parameter of {name}"
                         + (f" (nor {', '.join(unknown[1:])})" if unknown[1:] else "")
                         + f"; valid: {', '.join(valid)}")


def train(config: TrainConfig, out: str | Path = "runs", run_name: str | None = None,
          quiet: bool = False) -> tuple[RunDir, dict[str, Any]]:
    """Train from scratch into a new run folder; returns the folder and its summary."""
    config.validate()
    check_env_id(config.env_id)
    task = load_task(config.task)
    resolve_agent_class(config.agent)  # fail before creating a folder
    check_kwargs(config)
    curriculum = build_curriculum(config)
    run = RunDir.create(out, config, run_name)
    try:
        return run, _learn(run, config, task, curriculum, resume_state=None, quiet=quiet)
    except BaseException as err:
        # a run that never reached its first checkpoint is removed, so nothing half-made looks complete
        if not run.has_checkpoint() and not isinstance(err, KeyboardInterrupt):
            run.remove()
        raise
    finally:
        run.unlock()


def resume(run_dir: str | Path, total_timesteps: int | None = None, quiet: bool = False,
           max_wall_seconds: float | None = None) -> tuple[RunDir, dict[str, Any]]:
    """Continue a run from its last good checkpoint (after a crash, ``kill -9``, Ctrl-C or SIGTERM).

    ``total_timesteps`` and ``max_wall_seconds`` extend the run: they are new totals for the whole run
    (wall time counts the earlier legs too), written back to ``config.yaml`` so a later resume keeps them.

    Takes the folder's lock first (a second process on the same folder stops with one line), removes
    what an interrupted checkpoint write left, verifies the checkpoint's manifest (falling back to the
    previous generation when the latest is damaged) and cuts ``episodes.jsonl`` and TensorBoard back
    to the checkpoint's step.
    """
    run = RunDir.open(run_dir)
    run.lock()
    try:
        config = run.config()
        if total_timesteps is not None or max_wall_seconds is not None:
            if total_timesteps is not None:
                config.total_timesteps = int(total_timesteps)
            if max_wall_seconds is not None:
                config.max_wall_seconds = float(max_wall_seconds)
            config.validate()
            run.save_config(config)
        run.clean_stale()
        ckpt = run.load_checkpoint()
        state = dict(ckpt.state)
        task = load_task(config.task)
        curriculum = build_curriculum(config)
        if curriculum is not None and state.get("curriculum") is not None:
            curriculum.load_state_dict(state["curriculum"])
        run.truncate_episodes(state["num_timesteps"], state.get("episodes_bytes"))
        run.truncate_tensorboard(state["num_timesteps"])
        state["checkpoint"] = ckpt
        run.write_meta(status="running", pid=os.getpid(), resumed=time.time())
        return run, _learn(run, config, task, curriculum, resume_state=state, quiet=quiet)
    finally:
        run.unlock()


def _learn(run: RunDir, config: TrainConfig, task: Task, curriculum: Curriculum | None,
           resume_state: dict[str, Any] | None, quiet: bool) -> dict[str, Any]:
    import torch
    from threadpoolctl import threadpool_limits

    # small batched numerics (inner optimisers, tiny networks) run slower with threads fighting
    # over 2 cores than with one; sweeps already parallelise across processes
    torch.set_num_threads(config.num_threads)
    with threadpool_limits(limits=config.num_threads):
        return _learn_inner(run, config, task, curriculum, resume_state, quiet)


def _learn_inner(run: RunDir, config: TrainConfig, task: Task, curriculum: Curriculum | None,
                 resume_state: dict[str, Any] | None, quiet: bool) -> dict[str, Any]:
    set_random_seed(config.seed)
    started = time.time()
    wall_offset = float((resume_state or {}).get("wall_time_s", 0.0))
    done_steps = resume_state["num_timesteps"] if resume_state else 0
    vec_env = EpisodeRecorder(build_vec_env(config), task, num_timesteps=done_steps,
                              episodes=resume_state.get("episodes", 0) if resume_state else 0)
    if curriculum is not None:
        apply_level(vec_env, curriculum.level)
    cls = resolve_agent_class(config.agent)
    sb3 = is_sb3_class(cls)
    if resume_state is not None:
        model = _load_checkpoint_model(cls, sb3, resume_state, vec_env, run)
    else:
        model = build_agent(config, vec_env, run.path / "tb")
    remaining = max(config.total_timesteps - done_steps, 0)
    warn_rollout_rounding(model, remaining)
    run_cb = RunCallback(run, vec_env, curriculum, config, wall_offset) if remaining > 0 else None
    status = "complete"
    try:
        with _signals_interrupt():
            if run_cb is not None:
                callbacks: list[BaseCallback] = [run_cb]
                if curriculum is not None:
                    callbacks.insert(0, CurriculumCallback(curriculum))
                if sb3:
                    model.learn(total_timesteps=remaining, callback=CallbackList(callbacks),
                                progress_bar=config.progress_bar and not quiet,
                                reset_num_timesteps=resume_state is None, tb_log_name="run")
                else:  # custom agents: the same callbacks, driven from the env steps
                    cbl = CallbackList(callbacks)
                    _drive_callbacks(model, vec_env, cbl, run.path / "tb" / "run_1")
                    try:
                        model.learn(total_timesteps=remaining)
                    except _StopTraining:
                        pass
                    vec_env.step_hook = None
                    cbl.on_training_end()
    except KeyboardInterrupt as err:
        with _ignore_signals():  # a second Ctrl-C / SIGTERM must not cut the last checkpoint short
            if run_cb is not None:
                run_cb.checkpoint()
            run.write_meta(status="interrupted", stopped_by=str(err) or "SIGINT", stopped=time.time())
        vec_env.close()
        err.run_dir = str(run.path)  # type: ignore[attr-defined]  # the CLI's resume hint names it
        raise
    except BaseException as err:
        if run.has_checkpoint():
            run.write_meta(status="interrupted", error=f"{type(err).__name__}: {err}", stopped=time.time())
        vec_env.close()
        raise
    run.append_episodes(vec_env.pop())
    _save_model(model, run.path / "model.zip")
    if run_cb is not None:
        run_cb.checkpoint()
    episodes = run.episodes()
    summary = generic_summary(config, episodes, curriculum)
    trained = getattr(model, "num_timesteps", None)
    if isinstance(trained, (int, np.integer)):
        summary["num_timesteps"] = int(trained)
    else:
        summary["num_timesteps"] = max(summary["num_timesteps"], vec_env.num_timesteps)
    summary.update(task.summarize(run.path, config, episodes, model))
    summary["wall_time_s"] = round(wall_offset + time.time() - started, 2)
    summary["resumed"] = resume_state is not None
    if run_cb is not None and run_cb.wall_budget_reached:
        summary["stopped_by"] = f"max_wall_seconds={config.max_wall_seconds:g}"
    plot_learning_curves(episodes, run.path / "learning_curves.png")
    atomic_write_json(run.path / "summary.json", summary)
    run.write_meta(status=status, finished=time.time())
    vec_env.close()
    return summary


@contextlib.contextmanager
def _ignore_signals() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    old = {sig: signal.signal(sig, signal.SIG_IGN) for sig in sigs}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


def _load_checkpoint_model(cls: Any, sb3: bool, state: dict[str, Any], vec_env: VecEnv, run: RunDir) -> Any:
    """Model, replay buffer and RNG states of a verified checkpoint generation; any file that still fails
    to load is a one-line ``CheckpointError`` naming it."""
    ckpt: Checkpoint = state["checkpoint"]
    model_file = ckpt.path / "model.zip"
    try:
        model = cls.load(str(model_file), env=vec_env,
                         **({"tensorboard_log": str(run.path / "tb")} if sb3 else {}))
    except Exception as err:  # noqa: BLE001 -- a damaged zip fails in many ways
        raise CheckpointError(f"checkpoint file {model_file} cannot be loaded ({type(err).__name__}: {err})"
                              ) from err
    steps = getattr(model, "num_timesteps", None)
    if sb3 and isinstance(steps, (int, np.integer)) and int(steps) != ckpt.num_timesteps:
        raise CheckpointError(f"checkpoint file {model_file} holds a model at {steps} steps but "
                              f"{ckpt.path / 'state.json'} says {ckpt.num_timesteps} (a mixed checkpoint)")
    buffer = ckpt.file("replay_buffer.pkl")
    if buffer is not None and hasattr(model, "load_replay_buffer"):
        try:
            model.load_replay_buffer(str(buffer))
        except Exception as err:  # noqa: BLE001
            raise CheckpointError(f"checkpoint file {buffer} is corrupt or truncated "
                                  f"({type(err).__name__}: {err})") from err
    if ckpt.file("rng.pkl") is not None:
        restore_rng_state(ckpt.load_pickle("rng.pkl"))
    return model


def _save_model(model: Any, path: Path) -> None:
    tmp = path.with_name(".model.tmp.zip")
    model.save(str(tmp))
    tmp.replace(path)


def generic_summary(config: TrainConfig, episodes: list[dict[str, Any]],
                    curriculum: Curriculum | None) -> dict[str, Any]:
    """Task-independent summary: ids, seed, budget, episodes, success rate and mean reward over the last
    100, first success, curriculum level."""
    last = episodes[-100:]
    successes = [e for e in episodes if e.get("is_success")]
    return {
        "task": config.task, "env_id": config.env_id, "agent": config.agent, "seed": config.seed,
        "total_timesteps": config.total_timesteps,
        "num_timesteps": episodes[-1]["timestep"] if episodes else 0,
        "episodes": len(episodes),
        "success_rate_last_100": float(np.mean([bool(e.get("is_success")) for e in last])) if last else 0.0,
        "mean_reward_last_100": float(np.mean([e.get("reward", 0.0) for e in last])) if last else None,
        "episodes_to_first_success": successes[0]["episode"] if successes else None,
        "timesteps_to_first_success": successes[0]["timestep"] if successes else None,
        "curriculum_level": curriculum.level if curriculum is not None else None,
    }


def plot_learning_curves(episodes: list[dict[str, Any]], path: Path) -> None:
    """Reward, success rate, curriculum level and (where present) error against timesteps."""
    if not episodes:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = np.array([e["timestep"] for e in episodes])
    panels = [("reward", "episode reward"), ("is_success", "success rate (rolling 50)"),
              ("level", "curriculum level"), ("error", "error")]
    panels = [p for p in panels if any(p[0] in e for e in episodes)]
    fig, axes = plt.subplots(len(panels), 1, figsize=(7, 2.2 * len(panels)), sharex=True, squeeze=False)
    for ax, (key, label) in zip(axes[:, 0], panels):
        vals = np.array([float(e.get(key, np.nan)) for e in episodes])
        if key == "is_success":
            vals = np.convolve(vals, np.ones(50) / 50, mode="full")[: len(vals)] * 50 / np.minimum(
                np.arange(1, len(vals) + 1), 50)
        ax.plot(t, vals, lw=0.8)
        if key == "error" and np.nanmin(vals) > 0:
            ax.set_yscale("log")
        ax.set_ylabel(label, fontsize=8)
    axes[-1, 0].set_xlabel("timesteps")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- evaluation ----------------------------------------------------------------------------------
def load_model(run: RunDir, config: TrainConfig, env: Any = None) -> Agent:
    """Load the run's saved model (``RunDir.model_path``) with the agent's own loader."""
    return load_agent(config.agent, str(run.model_path()), env=env)


def evaluate_run(run_dir: str | Path, n_episodes: int | None = None, seed: int = 10_000) -> dict[str, Any]:
    """Evaluate a finished run's model with its task (at the curriculum level it reached), writing
    evaluation.json."""
    run = RunDir.open(run_dir)
    config = run.config()
    task = load_task(config.task)
    model = load_model(run, config)
    level = None
    state: dict[str, Any] = {}
    if run.has_checkpoint():
        try:
            state = run.load_checkpoint().state
        except CheckpointError as err:  # the final model may still be fine; only the level is unknown
            print(f"qdesign: warning: {err}; evaluating without the curriculum level", file=sys.stderr)
    if state:
        curriculum = build_curriculum(config)
        if curriculum is not None and state.get("curriculum") is not None:
            curriculum.load_state_dict(state["curriculum"])
            level = curriculum.level
    n = n_episodes or config.eval_episodes
    sig = inspect.signature(task.evaluate)
    kwargs = {"level": level} if "level" in sig.parameters else {}
    metrics = task.evaluate(run.path, config, model, n, seed, **kwargs)
    metrics["model"] = str(run.model_path())
    atomic_write_json(run.path / "evaluation.json", metrics)
    return metrics
