"""Packaging and CLI output a new user meets first: version, extras, presets, tables that show
everything, and messages that say what really happened."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import qdesign
from qdesign.cli import main, metric_rows

ROOT = Path(__file__).resolve().parents[1]
CHEM = ["pyscf", "qiskit_nature", "qiskit_aer", "numba"]
CODES = ["stim", "ldpc", "pysat"]


def _blocked(modules: list[str], code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter where importing any of ``modules`` fails (not installed)."""
    prelude = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in modules)
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)


def test_version_has_one_source(capsys):
    from importlib.metadata import version

    assert version("qdesign") == qdesign.__version__
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"qdesign {qdesign.__version__}"
    pyproject = (ROOT / "pyproject.toml").read_text()  # dynamic, read from the package
    assert not re.search(r"^version\s*=\s*\"", pyproject, re.M) and 'dynamic = ["version"]' in pyproject


def test_license_and_typed_marker_ship():
    assert "Apache License" in (ROOT / "LICENSE").read_text()
    assert (Path(qdesign.__file__).parent / "py.typed").is_file()
    assert (ROOT / "CHANGELOG.md").read_text().count(qdesign.__version__) >= 1


def test_compiler_path_needs_neither_chemistry_nor_code_solvers():
    """What a ``pip install qdesign`` (core only) user runs: gate compilation end to end."""
    done = _blocked(CHEM + CODES, """
import gymnasium as gym, numpy as np, qdesign
env = gym.make("qdesign/GateCompile-CliffordT1q-v0", render_mode="rgb_array")
env.reset(seed=0); env.step(0); assert env.render().shape[2] == 3
from qiskit.quantum_info import random_unitary
qc = qdesign.compile_unitary(random_unitary(2, seed=1).data, epsilon=0.1, method="optimal")
import qdesign.tasks.gate_compile, qdesign.training, qdesign.cli
print("ok", qc.size())
""")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok")


@pytest.mark.parametrize("blocked, code, extra", [
    (CODES, "import gymnasium as gym, qdesign; gym.make('qdesign/WeightReduce-v0')", "codes"),
    (CHEM, "import gymnasium as gym, qdesign; gym.make('qdesign/ArchSearch-v0', molecule='LiH', "
           "bond_distance=1.91)", "chem"),
])
def test_missing_extra_is_named(blocked, code, extra):
    done = _blocked(blocked, code)
    assert done.returncode != 0
    assert "MissingExtraError" in done.stderr and f'pip install "qdesign[{extra}]"' in done.stderr


def test_shipped_hamiltonians_need_no_chemistry_stack():
    done = _blocked(CHEM, "import gymnasium as gym, qdesign\n"
                          "env = gym.make('qdesign/ArchSearch-H2-2q-v0'); env.reset(seed=0); env.step(0)\n")
    assert done.returncode == 0, done.stderr[-2000:]


def test_list_fits_80_columns_and_shows_presets(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    for env_id in qdesign.registry.qdesign_ids():
        assert re.search(rf"\b{re.escape(env_id)}\b", out), env_id  # whole, on one line
    for preset in ("h2_4q_dqn", "clifford_t_1q_maskable_ppo", "factored_maskable_ppo"):
        assert preset in out


def test_config_by_preset_name_or_path():
    from qdesign.tasks import find_config, preset_configs, resolve_train_config

    presets = preset_configs("arch-search")
    assert "h2_4q_dqn" in presets and presets["h2_4q_dqn"].is_file()
    by_name = resolve_train_config("arch-search", "h2_4q_dqn", None, None, None)
    path = ROOT / "experiments" / "configs" / "arch_search" / "h2_4q_dqn.yaml"
    by_path = resolve_train_config("arch-search", str(path), None, None, None)
    assert by_name == by_path
    with pytest.raises(ValueError, match="presets: .*h2_4q_dqn"):
        find_config("arch-search", "h2_4q")


def test_readme_paths_exist():
    """Every ``experiments/...`` path and ``qdesign/...`` id the README names is real."""
    text = (ROOT / "README.md").read_text()
    for path in set(re.findall(r"experiments/[\w/.-]+\.(?:yaml|py|json)", text)):
        assert (ROOT / path).is_file(), path
    ids = set(qdesign.registry.qdesign_ids())
    named = set(re.findall(r"`(qdesign/[\w.-]+-v\d+)`", text))
    assert named <= ids and ids <= named, (ids ^ named)


def test_end_of_run_table_shows_dict_metrics():
    rows = dict((k, v) for k, v in metric_rows({
        "episodes": 3, "codes": {"7,4": {"n": 58, "k": 16, "d": 3, "engine": "beam"}},
        "best_actions": [1, 2, 3], "curve": list(range(50))}))
    assert rows["codes.7,4.n"] == 58 and rows["codes.7,4.k"] == 16 and rows["codes.7,4.d"] == 3
    assert rows["best_actions"] == [1, 2, 3] and rows["curve"] == "[50 items]" and rows["episodes"] == 3


def test_ppo_rounding_is_warned():
    import gymnasium as gym
    from stable_baselines3 import PPO

    from qdesign.training import warn_rollout_rounding

    model = PPO("MlpPolicy", gym.make("qdesign/GateCompile-CliffordT1q-v0"), n_steps=64, batch_size=32,
                device="cpu")
    with pytest.warns(UserWarning, match="3000 timesteps become 3008"):
        assert warn_rollout_rounding(model, 3000) == 3008
    assert warn_rollout_rounding(model, 3008) == 3008  # a multiple trains exactly: no warning


def test_ctrl_c_names_the_run_folder(monkeypatch, capsys, tmp_path):
    from qdesign import training

    def interrupted(*args, **kwargs):
        err = KeyboardInterrupt()
        err.run_dir = str(tmp_path / "run-7")
        raise err

    monkeypatch.setattr(training, "train", interrupted)
    assert main(["train", "gate-compile", "--timesteps", "10"]) == 130
    assert f"qdesign train --resume {tmp_path / 'run-7'}" in capsys.readouterr().err


def test_bench_prints_a_table_not_a_json_dump(monkeypatch, capsys, tmp_path):
    import qdesign.cli as cli

    class FakeTask:
        def add_commands(self, sub):
            pass

        def bench(self, out, quick=False, experiments_dir=None):
            (out / "old.json").write_text("{}")
            import os

            os.utime(out / "old.json", (0, 0))  # written by an earlier run: not listed
            (out / "fresh.json").write_text(json.dumps({"rows": ["x" * 5000], "ratio": 2.0}))
            return {p.name: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}

    monkeypatch.setattr(cli, "load_task", lambda name: FakeTask())
    assert main(["bench", "gate-compile", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "fresh.json" in out and "old.json" not in out and "x" * 100 not in out
