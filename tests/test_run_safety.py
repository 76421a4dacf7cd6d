"""Runs that survive anything (issue 16): checkpoint generations, one writer per run folder, signals.

Each test reproduces a way of losing or mixing data by killing or misusing processes started for the
purpose: ``kill -9`` in the middle of a checkpoint write, two processes on one run folder, SIGTERM,
truncated or garbled checkpoint files.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from qdesign import runs
from qdesign.cli import main
from qdesign.config import TrainConfig
from qdesign.runs import CheckpointError, RunDir, RunFolderBusy

TASK = "gate-compile"
FAST = ["--set", "agent_kwargs.n_steps=64", "--set", "agent_kwargs.batch_size=64",
        "--set", "progress_bar=false", "--set", "n_envs=1"]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "qdesign.cli", *args]


def _wait(pred, proc: subprocess.Popen | None = None, timeout: float = 90.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        if proc is not None and proc.poll() is not None:
            tail = proc.stderr.read().decode()[-2000:]
            raise AssertionError(f"process ended early ({proc.returncode}): {tail}")
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def _episodes(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "episodes.jsonl").read_text().splitlines()]


def _long_train(tmp_path: Path, name: str, *extra: str, env: dict | None = None) -> subprocess.Popen:
    """``qdesign train`` in its own process group, meant to be stopped by the test."""
    args = _cli("train", TASK, "--agent", "ppo", "--timesteps", "1000000", "--out", str(tmp_path),
                "--name", name, *FAST, *extra)
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _train_in_process(tmp_path: Path, name: str, *extra: str, timesteps: int = 256,
                      agent: str = "ppo") -> Path:
    code = main(["train", TASK, "--agent", agent, "--timesteps", str(timesteps), "--out", str(tmp_path),
                 "--name", name, *FAST, *extra])
    assert code == 0
    return tmp_path / TASK / name


# -- 1. kill -9 during a checkpoint write ------------------------------------------------------------
def test_kill_minus_9_during_checkpoint_write_resumes_from_a_whole_generation(tmp_path, capsys):
    """The writer pauses after every part (QDESIGN_CHECKPOINT_PAUSE); it is killed with the second
    generation half written. Resume uses the first generation whole, removes the half-written folder,
    cuts the episode log back, and reports no more steps than were trained."""
    run = tmp_path / TASK / "k"
    env = {**os.environ, "QDESIGN_CHECKPOINT_PAUSE": "0.3"}
    proc = _long_train(tmp_path, "k", "--set", "checkpoint_every_steps=64", env=env)
    ckpts = run / "checkpoints"
    try:
        def mid_write() -> bool:
            if not (ckpts / "latest").is_symlink():
                return False
            return any((t / "model.zip").is_file() and not (t / "manifest.json").exists()
                       for t in ckpts.glob(".tmp-gen-*"))
        _wait(mid_write, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert list(ckpts.glob(".tmp-gen-*")), "the kill should have left a half-written generation"
    assert json.loads((run / "meta.json").read_text())["status"] == "running"
    assert RunDir.open(run).meta["status"] == "interrupted"  # the writer is gone: said so
    good = RunDir(run).load_checkpoint()
    saved = good.num_timesteps
    manifest_steps = {p["num_timesteps"] for p in good.manifest["parts"].values()}
    assert manifest_steps == {saved}

    target = saved + 128
    assert main(["train", "--resume", str(run), "--timesteps", str(target)]) == 0
    assert not list(ckpts.glob(".tmp-gen-*")), "the interrupted temporary folder was not cleaned"
    summary = json.loads((run / "summary.json").read_text())
    assert target <= summary["num_timesteps"] <= target + 64  # n_steps=64, one env: at most one rollout over
    episodes = _episodes(run)
    assert [e["episode"] for e in episodes] == list(range(1, len(episodes) + 1))
    assert summary["episodes"] == len(episodes)
    assert all(e["timestep"] <= summary["num_timesteps"] for e in episodes)
    assert json.loads((run / "meta.json").read_text())["status"] == "complete"
    # TensorBoard was cut back to the checkpoint: no (tag, step) logged by both the killed and resumed run
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    points = [(v.tag, e.step) for f in (run / "tb").rglob("events.out.tfevents.*")
              for e in EventFileLoader(str(f)).Load() for v in e.summary.value]
    assert points and len(points) == len(set(points))


def test_a_failing_write_never_publishes_a_partial_generation(tmp_path, monkeypatch):
    run = _train_in_process(tmp_path, "h", "--set", "checkpoint_every_steps=64", timesteps=128)
    before = RunDir(run).load_checkpoint()

    def die(part, folder):
        if part == "rng.pkl":
            raise KeyboardInterrupt  # the writer dies between two parts
    monkeypatch.setattr(runs, "checkpoint_hook", die)
    with pytest.raises(KeyboardInterrupt):
        from stable_baselines3 import PPO

        RunDir(run).save_checkpoint(PPO.load(str(run / "model.zip")), 999, None, {})
    after = RunDir(run).load_checkpoint()
    assert after.path == before.path and after.num_timesteps == before.num_timesteps
    assert not list((run / "checkpoints").glob(".tmp-gen-*"))


# -- corrupt and mixed checkpoints -------------------------------------------------------------------
@pytest.mark.parametrize("part", ["model.zip", "replay_buffer.pkl", "rng.pkl", "state.json", "manifest.json"])
def test_damaged_latest_generation_falls_back_in_one_line(part, tmp_path, capsys):
    src = _dqn_run(tmp_path)
    run = tmp_path / f"copy-{part}"
    shutil.copytree(src, run, symlinks=True)
    latest = RunDir(run).checkpoint_dir
    previous = RunDir(run).generations()[1]
    f = latest / part
    f.write_bytes(f.read_bytes()[: max(f.stat().st_size // 2, 1)])  # truncated by a crash or a full disk
    ckpt = RunDir(run).load_checkpoint(warn=lambda m: print(m, file=sys.stderr))
    err = capsys.readouterr().err
    assert ckpt.path == previous
    assert len(err.strip().splitlines()) == 1 and part in err and previous.name in err
    target = ckpt.num_timesteps + 32
    assert main(["train", "--resume", str(run), "--timesteps", str(target)]) == 0
    assert json.loads((run / "summary.json").read_text())["num_timesteps"] >= target


@pytest.mark.parametrize("part", ["rng.pkl", "replay_buffer.pkl", "state.json", "model.zip"])
def test_no_usable_checkpoint_is_one_line_naming_the_file(part, tmp_path, capsys):
    src = _dqn_run(tmp_path)
    run = tmp_path / f"bad-{part}"
    shutil.copytree(src, run, symlinks=True)
    for gen in RunDir(run).generations():
        f = gen / part
        f.write_bytes(b"\x80garbage" if part != "state.json" else b"{not json")
    capsys.readouterr()
    code = main(["train", "--resume", str(run)])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "no usable checkpoint" in err and part in err


def test_legacy_checkpoint_with_garbled_state_names_the_file(tmp_path, capsys):
    """A pre-generation run folder (plain checkpoints/latest/, no manifest)."""
    run = _train_in_process(tmp_path, "old", "--set", "checkpoint_every_steps=64", timesteps=64, agent="ppo")
    ckpts = run / "checkpoints"
    gen = RunDir(run).checkpoint_dir
    (ckpts / "latest").unlink()
    shutil.copytree(gen, ckpts / "latest")
    for g in ckpts.glob("gen-*"):
        shutil.rmtree(g)
    (ckpts / "latest" / "manifest.json").unlink()
    (ckpts / "latest" / "rng.pkl").write_bytes(b"\x80\x04trunc")
    code = main(["train", "--resume", str(run), "--timesteps", "128"])
    err = capsys.readouterr().err
    assert code == 2 and "rng.pkl" in err and "corrupt" in err and len(err.strip().splitlines()) == 1
    (ckpts / "latest" / "state.json").write_text("")
    code = main(["train", "--resume", str(run), "--timesteps", "128"])
    err = capsys.readouterr().err
    assert code == 2 and "state.json" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_mixed_checkpoint_is_refused(tmp_path):
    """The failure of issue 16: a model from one save and a state from another. The manifest records
    every part's step count, so a mix is detected even when each file is whole."""
    run = _train_in_process(tmp_path, "mix", "--set", "checkpoint_every_steps=64", timesteps=192)
    new, old = RunDir(run).generations()[:2]
    shutil.copy(old / "model.zip", new / "model.zip")  # a whole file of the wrong generation
    with pytest.raises(CheckpointError, match="model.zip"):
        RunDir(run).verify_generation(new)
    manifest = json.loads((new / "manifest.json").read_text())
    manifest["parts"]["model.zip"] = json.loads((old / "manifest.json").read_text())["parts"]["model.zip"]
    (new / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match="mixed checkpoint"):
        RunDir(run).verify_generation(new)
    assert RunDir(run).load_checkpoint(warn=lambda m: None).path == old


def _dqn_run(tmp_path: Path) -> Path:
    """A small DQN run (it has a replay buffer) with two checkpoint generations."""
    run = _train_in_process(tmp_path, "dqn", "--set", "checkpoint_every_steps=48",
                            "--set", "agent_kwargs={}", "--set", "agent_kwargs.learning_starts=16",
                            "--set", "agent_kwargs.buffer_size=500", timesteps=100, agent="dqn")
    assert len(RunDir(run).generations()) == 2
    assert (RunDir(run).checkpoint_dir / "replay_buffer.pkl").is_file()
    return run


# -- 2. one writer per run folder --------------------------------------------------------------------
def test_second_process_on_a_run_folder_exits_at_once_naming_the_holder(tmp_path):
    run = tmp_path / TASK / "busy"
    proc = _long_train(tmp_path, "busy", "--set", "checkpoint_every_steps=64")
    try:
        _wait(lambda: (run / "checkpoints" / "latest").is_symlink(), proc)
        t0 = time.time()
        second = subprocess.run(_cli("train", "--resume", str(run)), capture_output=True, text=True,
                                timeout=60)
        assert second.returncode == 2
        err = second.stderr.strip()
        assert len(err.splitlines()) == 1 and "in use by process" in err and str(proc.pid) in err, err
        assert time.time() - t0 < 30
        assert RunDir.open(run).meta["status"] == "running"  # a live writer is not "interrupted"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    # the lock died with its holder (kill -9): now the folder can be taken
    other = RunDir(run)
    other.lock()
    other.unlock()


def test_lock_in_process_and_release(tmp_path):
    a, b = RunDir(tmp_path), RunDir(tmp_path)
    a.lock()
    with pytest.raises(RunFolderBusy, match=f"process {os.getpid()}"):
        b.lock()
    assert b.is_locked_elsewhere()
    a.unlock()
    b.lock()
    b.unlock()


def test_run_folder_creation_never_races(tmp_path):
    config = TrainConfig(task=TASK, env_id="qdesign/GateCompile-v0")
    made, errors = [], []
    barrier = threading.Barrier(12)

    def create():
        barrier.wait()
        try:
            run = RunDir.create(tmp_path, config, "same")
            made.append(run.path)
            run.unlock()
        except Exception as err:  # noqa: BLE001
            errors.append(err)
    threads = [threading.Thread(target=create) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(made)) == 12


# -- 3. a checkpoint soon after the start; "interrupted" on signals ---------------------------------
def test_first_checkpoint_comes_early_whatever_the_interval(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(runs, "checkpoint_hook",
                        lambda part, folder: seen.append(json.loads((folder / "state.json").read_text()))
                        if part == "state.json" else None)
    _train_in_process(tmp_path, "early", "--set", "checkpoint_first_seconds=0.001", timesteps=256)
    steps = [s["num_timesteps"] for s in seen]
    assert len(steps) >= 2 and steps[0] < 256  # one early checkpoint, one at the end


def test_on_policy_checkpoints_fall_on_rollout_boundaries(tmp_path, monkeypatch):
    """PPO keeps no replay buffer: a checkpoint mid-rollout would count steps it never learnt from."""
    seen = []
    monkeypatch.setattr(runs, "checkpoint_hook",
                        lambda part, folder: seen.append(json.loads((folder / "state.json").read_text()))
                        if part == "state.json" else None)
    _train_in_process(tmp_path, "roll", "--set", "checkpoint_every_steps=50", timesteps=256)
    steps = [s["num_timesteps"] for s in seen]
    assert steps == [64, 128, 192, 256]  # n_steps=64, one env; never 50, 100, ...


def test_default_jobs_checkpoint_within_30_seconds():
    from qdesign.tasks import TASKS, load_task

    for name in TASKS:
        cfg = load_task(name).default_config()
        assert min(cfg.checkpoint_first_seconds, cfg.checkpoint_every_seconds) <= 30, name


def test_sigterm_leaves_a_checkpoint_and_status_interrupted(tmp_path):
    run = tmp_path / TASK / "term"
    proc = _long_train(tmp_path, "term")
    try:
        _wait(lambda: (run / "episodes.jsonl").is_file(), proc)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert code == 130
    meta = json.loads((run / "meta.json").read_text())
    assert meta["status"] == "interrupted" and "SIGTERM" in meta["stopped_by"]
    assert RunDir(run).load_checkpoint().num_timesteps > 0


def test_tensorboard_is_cut_back_to_the_checkpoint(tmp_path):
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    run = _train_in_process(tmp_path, "tb", timesteps=256)
    files = list((run / "tb").rglob("events.out.tfevents.*"))

    def steps() -> list[int]:
        return [e.step for f in files for e in EventFileLoader(str(f)).Load() if e.summary.value]
    assert max(steps()) > 128
    dropped = RunDir(run).truncate_tensorboard(128)
    assert dropped > 0 and steps() and max(steps()) <= 128


# -- 4, 5, 6: results where the user says, no silent wrong results, one-line errors -----------------
def _one_line(code: int, err: str, needle: str) -> None:
    assert code == 2, err
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("args,needle", [
    (["--n-envs", "0"], "--n-envs must be >= 1, got 0"),
    (["--n-envs", "-3"], "--n-envs must be >= 1, got -3"),
    (["--set", "env_kwargs.foo=1"], "env_kwargs.foo is not a parameter of GateCompileEnv"),
    (["--set", "agent_kwargs.learning_rat=0.1"],
     "agent_kwargs.learning_rat is not a parameter of MaskablePPO"),
    (["--set", "checkpoint_every_steps=0"], "checkpoint_every_steps must be >= 1"),
])
def test_bad_train_flags_are_one_line(args, needle, tmp_path, capsys):
    code = main(["train", TASK, "--timesteps", "8", "--out", str(tmp_path), *args])
    _one_line(code, capsys.readouterr().err, needle)
    assert not (tmp_path / TASK).exists() or not any((tmp_path / TASK).iterdir())


def test_resume_refuses_flags_it_would_ignore(tmp_path, capsys):
    run = _train_in_process(tmp_path, "r", timesteps=64)
    capsys.readouterr()
    code = main(["train", "--resume", str(run), "--n-envs", "2", "--seed", "3"])
    _one_line(code, capsys.readouterr().err, "--seed, --n-envs cannot change a run on --resume")


def test_sweep_unknown_agent_kwarg_is_one_line(tmp_path, capsys):
    code = main(["sweep", TASK, "--seeds", "1", "--out", str(tmp_path),
                 "--set", "agent_kwargs.learning_rat=0.1"])
    _one_line(code, capsys.readouterr().err, "agent_kwargs.learning_rat is not a parameter")


class FailingAgent:
    """An agent whose training always fails (to make every sweep trial fail)."""

    def __init__(self, env, **kwargs):
        self.env = env

    def learn(self, total_timesteps, callback=None, **kwargs):
        raise RuntimeError("this agent always fails")

    def predict(self, observation, state=None, episode_start=None, deterministic=False, action_masks=None):
        raise NotImplementedError

    def save(self, path):
        raise NotImplementedError

    @classmethod
    def load(cls, path, env=None, **kwargs):
        raise NotImplementedError


def test_sweep_shows_progress_and_fails_when_trials_fail(tmp_path, capsys):
    code = main(["sweep", TASK, "--seeds", "2", "--timesteps", "16", "--out", str(tmp_path),
                 "--max-parallel", "1", "--set", f"agent={__name__}:FailingAgent"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "[1/2] seed0: failed: RuntimeError: this agent always fails" in out
    assert "[2/2] seed1: failed" in out
    assert "2 of 2 trials failed" in err


def test_bench_writes_outside_the_package_source_by_default(tmp_path, tmp_path_factory, monkeypatch):
    """`qdesign bench` run from a checkout wrote into the committed experiments/bench/results."""
    import qdesign.cli as cli

    written = {}

    def fake_bench(self, out_dir, quick=False, experiments_dir=None):
        written["out"] = Path(out_dir).resolve()
        return {}
    monkeypatch.setattr(type(cli.load_task(TASK)), "bench", fake_bench)
    checkout = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(checkout)
    assert main(["bench", TASK, "--quick", "--out", str(tmp_path / "b")]) == 0
    assert written["out"] == (tmp_path / "b").resolve()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments" / "bench" / "results").mkdir(parents=True)
    assert main(["bench", TASK, "--quick"]) == 0
    assert written["out"] == (tmp_path / "runs" / "bench" / TASK).resolve()
    assert main(["bench", TASK, "--quick", "--update-results"]) == 0
    assert written["out"] == (tmp_path / "experiments" / "bench" / "results").resolve()
    assert main(["bench", TASK, "--update-results", "--out", str(tmp_path / "x")]) == 2
    empty = tmp_path_factory.mktemp("elsewhere")  # no experiments/bench here or above
    monkeypatch.chdir(empty)
    assert main(["bench", TASK, "--quick"]) == 2  # not a checkout: nothing is made
    assert not any(empty.iterdir())


def test_learn_without_a_log_folder_leaves_nothing_in_tmp():
    """Issue 16 item 7: `.learn()` without a log folder left empty /tmp/SB3-<time> folders."""
    import tempfile

    import gymnasium as gym
    from stable_baselines3 import PPO

    tmp = Path(tempfile.gettempdir())
    before = set(tmp.glob("SB3-*"))
    env = gym.make("qdesign/GateCompile-v0")
    PPO("MlpPolicy", env, n_steps=32, batch_size=32, n_epochs=1, verbose=0).learn(32)
    assert set(tmp.glob("SB3-*")) == before
    assert os.environ["SB3_LOGDIR"].startswith(str(tmp))  # inside pytest's own temporary area


def test_evaluate_a_finished_run_whose_checkpoints_are_damaged(tmp_path, capsys):
    run = _train_in_process(tmp_path, "ev", timesteps=64)
    for gen in RunDir(run).generations():
        (gen / "state.json").write_text("{")
    capsys.readouterr()
    assert main(["evaluate", str(run), "--episodes", "1"]) == 0
    err = capsys.readouterr().err
    assert "state.json" in err and "without the curriculum level" in err and "Traceback" not in err
