"""RL Baselines3 Zoo on qdesign ids: masked PPO registered, shipped hyperparameters used."""

from __future__ import annotations

import subprocess
import sys

import yaml

import qdesign
from qdesign.zoo import zoo_argv, zoo_config


def test_zoo_argv_adds_package_and_shipped_config():
    argv = zoo_argv("train", ["--algo", "ppo_mask", "--env", "qdesign/GateCompile-CliffordT1q-v0"])
    assert argv[-4:] == ["--gym-packages", "qdesign", "-conf", str(zoo_config("ppo_mask"))]
    own = zoo_argv("train", ["--algo", "ppo_mask", "-conf", "mine.yml", "--gym-packages", "x"])
    assert own == ["--algo", "ppo_mask", "-conf", "mine.yml", "--gym-packages", "x"]
    assert "-conf" not in zoo_argv("train", ["--algo", "ppo"])  # the zoo's own file for its algos
    assert zoo_argv("record_video", ["--algo", "ppo_mask"]) == ["--algo", "ppo_mask"]  # no such option there


def test_shipped_zoo_hyperparameters_name_real_ids_with_consistent_limits():
    params = yaml.safe_load(zoo_config().read_text().replace("!!float ", ""))
    ids = set(qdesign.registry.qdesign_ids())
    for env_id, hp in params.items():
        assert env_id in ids and hp["policy"] == "MlpPolicy"
        kwargs = dict(hp.get("env_kwargs", {}))
        limit = kwargs.pop("max_episode_steps", None)
        assert limit in (None, qdesign.registry.episode_limit(env_id, kwargs)), env_id


def test_zoo_trains_masked_ppo_and_records_a_video(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "qdesign.zoo", "train", "--algo", "ppo_mask",
         "--env", "qdesign/GateCompile-CliffordT1q-v0", "-n", "128", "--eval-freq", "-1", "-f", str(tmp_path),
         "--hyperparams", "n_envs:2", "n_steps:32", "batch_size:32", "--seed", "0", "--verbose", "0"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = list((tmp_path / "ppo_mask").glob("qdesign-GateCompile-CliffordT1q-v0_*"))
    assert len(runs) == 1 and (runs[0] / "qdesign-GateCompile-CliffordT1q-v0.zip").is_file()
    config = yaml.unsafe_load((runs[0] / "qdesign-GateCompile-CliffordT1q-v0" / "config.yml").read_text())
    assert dict(config)["env_kwargs"] == {"scramble_depth": 2}  # from the shipped file
    # rl_zoo3's video recorder on the trained agent: rgb_array frames become an mp4
    done = subprocess.run(
        [sys.executable, "-m", "qdesign.zoo", "record_video", "--algo", "ppo_mask", "--env",
         "qdesign/GateCompile-CliffordT1q-v0", "-f", str(tmp_path), "-n", "8", "-o", str(tmp_path / "video")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [v.stat().st_size > 1000 for v in (tmp_path / "video").glob("*.mp4")] == [True]
