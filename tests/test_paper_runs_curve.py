"""paper_runs.py --curve: best error and successes after the first N env steps of a run folder."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module():
    path = ROOT / "experiments" / "arch_search" / "paper_runs.py"
    spec = importlib.util.spec_from_file_location("paper_runs", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _random_h2_episode(seed: int, n_actions: int):
    """An H2-4q env after ``n_actions`` random legal actions, and its circuit as a run's episode record."""
    import gymnasium as gym
    import numpy as np

    import qdesign  # noqa: F401  (registers the envs)

    env = gym.make("qdesign/ArchSearch-H2-4q-v0", optimizer="adjoint_bfgs", max_gates=40,
                   halting="off").unwrapped
    env.set_level(1e-12)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(n_actions):
        env.step(int(rng.choice(np.flatnonzero(env.action_masks()))))
    err = abs(env._energy - env.ground_energy)
    episode = {"episode": 1, "episode_best_error": err, "best_actions": list(env._actions),
               "best_angles": [float(x) for x in env._thetas]}
    return env, episode, err


def test_curve_counts_only_episodes_within_each_step_mark(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    config = ROOT / "experiments" / "configs" / "arch_search" / "lih_4q_3p4_dqn_fast.yaml"
    shutil.copy(config, run / "config.yaml")
    episodes = [(50, 1e-2, False), (100, 1e-3, True), (150, 5e-3, True), (200, 2e-4, False)]
    (run / "episodes.jsonl").write_text("".join(
        json.dumps({"timestep": t, "episode_best_error": e, "is_success": s}) + "\n" for t, e, s in episodes))
    c = _module().curve(run, [40, 100, 199, 200])
    assert [p["steps"] for p in c] == [40, 100, 199, 200]
    assert c[0]["best_error"] is None and c[0]["successes_threshold"] == 0
    assert c[1]["best_error"] == pytest.approx(1e-3) and c[1]["successes_chemical_accuracy"] == 1
    assert c[2]["successes_threshold"] == 2 and c[2]["successes_chemical_accuracy"] == 1
    assert c[3]["best_error"] == pytest.approx(2e-4) and c[3]["successes_chemical_accuracy"] == 2


def test_grown_target_keeps_the_budget_and_is_rechecked_in_qiskit():
    """paper_runs --grow: the best circuit fitting the budget is grown within it and checked in qiskit."""
    env, episode, err = _random_h2_episode(2, 6)
    too_long = {"episode": 2, "episode_best_error": err / 2, "best_actions": list(env._actions) * 3,
                "best_angles": [float(x) for x in env._thetas] * 3}
    assert env.gate_counts(too_long["best_actions"], too_long["best_angles"])["n_gates_effective"] > 10
    entry = _module().grown_target(env, [episode, too_long], ("t", err / 10, "gates", 10), top=2,
                                   time_limit=60)
    assert entry["grown"] == 1 and entry["from_episode"] == 1  # the 18-gate circuit does not fit
    assert entry["gates"] <= 10 and entry["error"] < err
    final = entry.get("pruned_error", entry["error"])
    assert entry["error_qiskit"] == pytest.approx(final, abs=1e-9)
    assert entry["reached"] == (entry["error_qiskit"] < err / 10)


def test_grown_targets_with_the_same_budget_share_one_growth(monkeypatch):
    """Two targets that differ only in their error bound grow the same circuits once (the cache);
    each still gets its own pruning and qiskit check."""
    from qdesign.envs.arch_search import prune

    env, episode, err = _random_h2_episode(3, 5)
    calls = []
    real = prune.grow_ansatz
    monkeypatch.setattr(prune, "grow_ansatz", lambda *a, **k: calls.append(a) or real(*a, **k))
    mod, cache = _module(), {}
    loose = mod.grown_target(env, [episode], ("loose", err * 10, "gates", 10), 1, 60, cache=cache)
    tight = mod.grown_target(env, [episode], ("tight", err / 10, "gates", 10), 1, 60, cache=cache)
    assert len(calls) == 1
    assert loose["error"] == tight["error"] and loose["target"] == "loose" and tight["target"] == "tight"
    assert loose["reached"] and loose["error_qiskit"] < err * 10
    assert tight["reached"] == (tight["error_qiskit"] < err / 10)
    mod.grown_target(env, [episode], ("control", err, "gates", 10), 1, 60, control=True, cache=cache)
    assert len(calls) == 2  # the control is its own growth


def test_run_row_marks_successes_during_the_dqn_warm_up(tmp_path):
    """Successes before learning_starts (the DQN still acting at random) are counted apart."""
    import yaml

    run = tmp_path / "run"
    run.mkdir()
    config = ROOT / "experiments" / "configs" / "arch_search" / "lih_4q_3p4_dqn_fast.yaml"
    data = yaml.safe_load(config.read_text())
    data["agent_kwargs"]["learning_starts"] = 100
    (run / "config.yaml").write_text(yaml.safe_dump(data))
    (run / "meta.json").write_text(json.dumps({"status": "complete"}))
    episodes = [(50, 1e-3), (90, 1e-2), (120, 2e-3), (150, 1e-3), (200, 5e-4)]
    (run / "episodes.jsonl").write_text("".join(
        json.dumps({"timestep": t, "episode_best_error": e}) + "\n" for t, e in episodes))
    row = _module().run_row(run, budget=180)
    assert row["warmup_steps"] == 100 and row["successes_chemical_accuracy"] == 2
    assert row["successes_in_warmup"] == 1 and row["first_chemical_accuracy_step"] == 50
    assert row["first_chemical_accuracy_step_after_warmup"] == 150
