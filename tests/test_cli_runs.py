"""End to end through the CLI: bad input, a custom agent from this file, kill -9 and resume, sweeps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qdesign.cli import main

TASK = "gate-compile"  # the fastest family to train
FAST = ["--set", "agent_kwargs.n_steps=64", "--set", "agent_kwargs.batch_size=64",
        "--set", "progress_bar=false"]


def _run_cli(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("args,needle", [
    (["train", "no-such-task"], "unknown task 'no-such-task'; valid tasks: arch-search"),
    (["train", TASK, "--agent", "ppo3"], "unknown agent 'ppo3'; valid names"),
    (["train", TASK, "--set", "totl_timesteps=3"], "unknown config key(s) ['totl_timesteps']"),
    (["train", TASK, "--config", "/nonexistent.yaml"], "does not exist"),
    (["train", TASK, "--set", "env_id=qdesign/Nope-v0"], "unknown env id 'qdesign/Nope-v0'"),
    (["evaluate", "/nonexistent/run"], "does not exist"),
    (["train", "--resume", "/nonexistent/run"], "does not exist"),
])
def test_bad_input_is_one_clear_line(args, needle, capsys, tmp_path):
    code, out, err = _run_cli([*args, "--out", str(tmp_path)] if args[0] == "train" else args, capsys)
    assert code == 2
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not any(tmp_path.rglob("summary.json"))


def test_malformed_config_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("task: gate-compile\nagent: [unclosed\n")
    code, _, err = _run_cli(["train", TASK, "--config", str(bad), "--out", str(tmp_path)], capsys)
    assert code == 2 and "not valid YAML" in err


class CountingAgent:
    """A custom agent that exists only in this test file: picks the first valid action."""

    def __init__(self, env, seed=None):
        self.env, self.steps = env, 0

    def learn(self, total_timesteps, callback=None, **kwargs):
        self.env.reset()
        while self.steps < total_timesteps:
            masks = self.env.env_method("action_masks")
            self.env.step(np.array([int(np.flatnonzero(m)[0]) for m in masks]))
            self.steps += self.env.num_envs
        return self

    def predict(self, observation, state=None, episode_start=None, deterministic=False, action_masks=None):
        return np.array(int(np.flatnonzero(action_masks)[0])), None

    def save(self, path):
        Path(path).write_text(json.dumps({"steps": self.steps}))

    @classmethod
    def load(cls, path, env=None, **kwargs):
        agent = cls(env)
        agent.steps = json.loads(Path(path).read_text())["steps"]
        return agent


def test_custom_agent_trains_and_evaluates_through_cli(tmp_path, capsys):
    code, out, err = _run_cli(["train", TASK, "--agent", f"{__name__}:CountingAgent", "--timesteps", "60",
                               "--out", str(tmp_path), "--name", "custom"], capsys)
    assert code == 0, err
    run = tmp_path / TASK / "custom"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["agent"].endswith(":CountingAgent") and summary["episodes"] > 0
    assert json.loads((run / "model.zip").read_text())["steps"] >= 60
    code, out, err = _run_cli(["evaluate", str(run), "--episodes", "2"], capsys)
    assert code == 0, err
    assert json.loads((run / "evaluation.json").read_text())["episodes"] == 2


def test_run_folder_from_another_task_is_refused(tmp_path, capsys):
    code, _, err = _run_cli(["train", TASK, "--agent", f"{__name__}:CountingAgent", "--timesteps", "8",
                             "--out", str(tmp_path), "--name", "r"], capsys)
    assert code == 0, err
    code, _, err = _run_cli(["train", "arch-search", "--resume", str(tmp_path / TASK / "r")], capsys)
    assert code == 2 and "belongs to task 'gate-compile', not 'arch-search'" in err


@pytest.mark.parametrize("task", ["arch-search", "gate-compile", "weight-reduce"])
def test_example_custom_agent_on_every_family(task, tmp_path, capsys, monkeypatch):
    """experiments/custom_agent, outside the package, plugged in by module path on all families."""
    example = Path(__file__).resolve().parents[1] / "experiments" / "custom_agent"
    monkeypatch.syspath_prepend(str(example))
    code, _, err = _run_cli(["train", task, "--agent", "random_agent:RandomMaskedAgent", "--timesteps", "24",
                             "--out", str(tmp_path), "--name", "rnd"], capsys)
    assert code == 0, err
    summary = json.loads((tmp_path / task / "rnd" / "summary.json").read_text())
    assert summary["agent"] == "random_agent:RandomMaskedAgent" and summary["num_timesteps"] >= 24
    assert (tmp_path / task / "rnd" / "model.zip").is_file()


def test_custom_agent_run_extended_by_resume_takes_the_extra_steps(tmp_path, capsys, monkeypatch):
    """A finished custom-agent run resumed with a larger --timesteps steps on to the new total (the
    example agent once compared its restored count with the steps still to go, and stopped at once)."""
    example = Path(__file__).resolve().parents[1] / "experiments" / "custom_agent"
    monkeypatch.syspath_prepend(str(example))
    code, _, err = _run_cli(["train", TASK, "--agent", "random_agent:RandomMaskedAgent", "--timesteps", "200",
                             "--out", str(tmp_path), "--name", "rnd"], capsys)
    assert code == 0, err
    run = tmp_path / TASK / "rnd"
    code, _, err = _run_cli(["train", "--resume", str(run), "--timesteps", "500"], capsys)
    assert code == 0, err
    summary = json.loads((run / "summary.json").read_text())
    assert 500 <= summary["num_timesteps"] < 600
    last = json.loads((run / "episodes.jsonl").read_text().splitlines()[-1])
    assert last["timestep"] > 400


def test_custom_agent_gets_curriculum_checkpoints_and_tensorboard(tmp_path, capsys, monkeypatch):
    """Agents that ignore ``callback`` still get the run's callbacks, driven from the env steps."""
    example = Path(__file__).resolve().parents[1] / "experiments" / "custom_agent"
    monkeypatch.syspath_prepend(str(example))
    code, _, err = _run_cli(["train", "gate-compile", "--agent", "random_agent:RandomMaskedAgent",
                             "--timesteps", "400", "--out", str(tmp_path), "--name", "rnd",
                             "--set", "checkpoint_every_steps=64",
                             "--set", "curriculum.name=linear",
                             "--set", 'curriculum.kwargs={"start": 1, "end": 6, "timesteps": 200, '
                                      '"integer": true}'], capsys)
    assert code == 0, err
    run = tmp_path / "gate-compile" / "rnd"
    state = json.loads((run / "checkpoints" / "latest" / "state.json").read_text())
    assert state["num_timesteps"] >= 400 and state["curriculum"] is not None
    levels = [json.loads(line).get("level") for line in (run / "episodes.jsonl").read_text().splitlines()]
    assert levels and max(lv for lv in levels if lv is not None) > 1  # the curriculum advanced
    assert list((run / "tb").rglob("events.out.tfevents.*"))


def test_kill_minus_9_then_resume(tmp_path):
    """A run killed hard mid-training resumes from its last checkpoint and completes."""
    cmd = [sys.executable, "-m", "qdesign.cli", "train", TASK, "--timesteps", "1000000",
           "--out", str(tmp_path), "--name", "killed", "--set", "checkpoint_every_steps=128", *FAST]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    state = tmp_path / TASK / "killed" / "checkpoints" / "latest" / "state.json"
    deadline = time.time() + 120
    while time.time() < deadline and not state.is_file():
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        time.sleep(0.5)
    assert state.is_file(), "no checkpoint written in time"
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    run = tmp_path / TASK / "killed"
    assert not (run / "summary.json").exists()
    saved = json.loads(state.read_text())["num_timesteps"]
    target = saved + 256
    code = main(["train", "--resume", str(run), "--timesteps", str(target)])
    assert code == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["resumed"] and summary["num_timesteps"] >= target
    episodes = [json.loads(line) for line in (run / "episodes.jsonl").read_text().splitlines()]
    assert [e["episode"] for e in episodes] == sorted(e["episode"] for e in episodes)
    assert json.loads((run / "meta.json").read_text())["status"] == "complete"


def test_two_seed_local_sweep(tmp_path, capsys):
    code, out, err = _run_cli(["sweep", TASK, "--seeds", "2", "--timesteps", "128", "--backend", "local",
                               "--out", str(tmp_path), "--set", "n_envs=1", *FAST], capsys)
    assert code == 0, err
    sweep = json.loads(next(tmp_path.rglob("sweep.json")).read_text())
    assert [t["status"] for t in sweep["trials"]] == ["complete", "complete"]
    assert sorted(t["seed"] for t in sweep["trials"]) == [0, 1]


def test_sweep_grid_over_unknown_parameter(tmp_path, capsys):
    code, _, err = _run_cli(["sweep", TASK, "--grid", "learning_rate=1,2", "--out", str(tmp_path)], capsys)
    assert code == 2 and "unknown parameter 'learning_rate'" in err


def test_sweep_unreachable_ray_address(tmp_path, capsys):
    pytest.importorskip("ray")
    code, _, err = _run_cli(["sweep", TASK, "--backend", "ray", "--address", "127.0.0.1:1", "--out",
                             str(tmp_path)], capsys)
    assert code == 2 and "unreachable" in err


def test_two_seed_sweep_on_embedded_ray(tmp_path, capsys, monkeypatch):
    pytest.importorskip("ray")
    import shutil
    import tempfile

    # Ray's session files go to a short private folder (its socket paths must stay short), removed after
    ray_tmp = tempfile.mkdtemp(prefix="qr", dir="/tmp")
    monkeypatch.setenv("RAY_TMPDIR", ray_tmp)
    try:
        code, out, err = _run_cli(["sweep", TASK, "--seeds", "2", "--timesteps", "64", "--backend", "ray",
                                   "--out", str(tmp_path), "--set", "n_envs=1", *FAST], capsys)
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert code == 0, err
    sweep = json.loads(next(tmp_path.rglob("sweep.json")).read_text())
    assert sweep["backend"] == "ray"
    assert [t["status"] for t in sweep["trials"]] == ["complete", "complete"]


def test_train_costtogo_then_compile_with_the_model_file(tmp_path, capsys, monkeypatch):
    """`qdesign train-costtogo` writes a model file that `compile_unitary(..., heuristic=path)` uses; the
    circuit is re-verified with qiskit's Operator (independent of the search)."""
    from qiskit.quantum_info import Operator

    import qdesign
    from qdesign.quantum.unitary import haar_unitary, phase_invariant_distance

    monkeypatch.setenv("QDESIGN_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "ctg.pt"
    code, out, _ = _run_cli(["train-costtogo", "hrc3", "--labels", "exact", "--samples", "40", "--minutes",
                             "0.01", "--epsilon", "0.1", "--out", str(path)], capsys)
    assert code == 0 and path.is_file() and "held-out MSE" in out
    u = haar_unitary(2, np.random.default_rng(4), special=True)
    qc = qdesign.compile_unitary(u, gate_set="hrc3", epsilon=0.1, heuristic=str(path), finisher=2)
    assert phase_invariant_distance(Operator(qc).data, u) <= 0.1 + 1e-9
    with pytest.raises(ValueError, match="trained for gate set 'hrc3'"):
        qdesign.compile_unitary(u, gate_set="hrc6", epsilon=0.1, heuristic=str(path))
    code, _, err = _run_cli(["train-costtogo", "no_such_set"], capsys)
    assert code == 2 and "gate_set must be one of" in err and "Traceback" not in err


def test_max_wall_seconds_stops_a_run_and_extends_it_on_resume(tmp_path, capsys):
    """``--max-wall-seconds`` caps a new run; on ``--resume`` it is the new total over all legs and is
    written to config.yaml, so a later resume keeps it."""
    code, _, err = _run_cli(["train", TASK, "--agent", f"{__name__}:CountingAgent",
                             "--timesteps", "100000000", "--max-wall-seconds", "1",
                             "--out", str(tmp_path), "--name", "w"], capsys)
    assert code == 0, err
    run = tmp_path / TASK / "w"
    first = json.loads((run / "summary.json").read_text())
    assert first["stopped_by"] == "max_wall_seconds=1" and first["num_timesteps"] < 100_000_000
    code, _, err = _run_cli(["train", "--resume", str(run), "--max-wall-seconds", "2.5"], capsys)
    assert code == 0, err
    second = json.loads((run / "summary.json").read_text())
    assert second["stopped_by"] == "max_wall_seconds=2.5"
    assert second["num_timesteps"] > first["num_timesteps"] and 2.5 <= second["wall_time_s"] < 10
    assert "max_wall_seconds: 2.5" in (run / "config.yaml").read_text()
    code, _, err = _run_cli(["train", "--resume", str(run), "--max-wall-seconds", "0"], capsys)
    assert code == 2 and "--max-wall-seconds must be > 0, got 0" in err
