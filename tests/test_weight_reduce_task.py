"""weight-reduce task, seed-size curriculum and the saved artefacts (no training: model=None)."""

from __future__ import annotations

import json

import numpy as np

from qdesign.codes import io
from qdesign.codes.css import CSSCode
from qdesign.config import config_from_dict, load_yaml
from qdesign.curricula.factory import make_curriculum
from qdesign.tasks import load_task


def test_seed_size_curriculum_advances_on_success() -> None:
    cur = make_curriculum("seed_size", n_seeds=3, window=4, threshold=0.75)
    assert cur.level == 0
    cur.update([{"is_success": True}] * 4, 100)
    assert cur.level == 1
    cur.update([{"is_success": False}] * 4, 200)
    assert cur.level == 1
    tight = make_curriculum("seed_size", n_seeds=2, tighten=True)
    assert tight.levels[0] == {"seed": 0, "max_check_weight": 8, "max_qubit_degree": 4}
    assert tight.levels[-1] == {"seed": 1, "max_check_weight": 6, "max_qubit_degree": 3}


def test_configs_load() -> None:
    for name in ("default", "tighten", "policy", "policy_kd2n"):
        cfg = config_from_dict(load_yaml(f"experiments/configs/weight_reduce/{name}.yaml"))
        assert cfg.task == "weight-reduce"
    task = load_task("weight-reduce")
    assert task.default_config().validate().env_id == "qdesign/SeedReduce-TableI-v0"


def test_summarize_writes_verified_codes(tmp_path) -> None:
    task = load_task("weight-reduce")
    cfg = task.default_config()
    out = task.summarize(tmp_path, cfg, [{"is_success": True}], model=None)
    assert set(out["codes"]) == {"6,3", "7,2", "7,3", "7,4"}
    for seed, rec in out["codes"].items():
        assert rec["witness_verified"] and rec["w"] <= 6 and rec["q"] <= 3 and rec["met_target"]
        tag = "seed_" + seed.replace(",", "_")
        hx, hz = io.load_npz(tmp_path / "codes" / f"{tag}.npz")
        code = CSSCode(hx, hz)
        assert (code.n, code.k) == (rec["n"], rec["k"])
        assert np.array_equal(io.load_alist(tmp_path / "codes" / f"{tag}_hx.alist"), hx)
        saved = json.loads((tmp_path / "codes" / f"{tag}.json").read_text())
        w = np.zeros(code.n, dtype=np.uint8)
        w[saved["witness_x"]] = 1
        assert code.is_x_logical(w) and w.sum() == saved["d_x"]
        assert (tmp_path / "codes" / f"{tag}.stim").read_text().count("DETECTOR") == hz.shape[0]
    # Table I: no qubit overhead where the paper's RL row has none, except [7,4] (see README/report)
    codes = out["codes"]
    assert codes["7,2"]["n"] <= 74 and codes["7,3"]["n"] <= 65 and codes["6,3"]["n"] <= 45


def test_factored_tanner_config_summarizes_a_policy(tmp_path) -> None:
    """The factored WeightReduce preset trains with MaskablePPO (MultiDiscrete masks) and its run
    summary saves the rollout's code with exact, re-checked parameters."""
    from sb3_contrib import MaskablePPO

    from qdesign.training import make_env

    task = load_task("weight-reduce")
    cfg = config_from_dict(load_yaml("experiments/configs/weight_reduce/factored_maskable_ppo.yaml"))
    cfg.env_kwargs = {**cfg.env_kwargs, "max_steps": 4}
    env = make_env(cfg)
    model = MaskablePPO("MlpPolicy", env, n_steps=16, batch_size=16, seed=0)
    model.learn(16)
    out = task.summarize(tmp_path, cfg, [], model=model)
    rec = out["codes"]["7,4"]
    assert rec["witness_verified"] and rec["k"] == 16 and rec["d"] >= 1 and rec["engine"] == "policy"
    hx, hz = io.load_npz(tmp_path / "codes" / "tanner_7_4.npz")
    assert CSSCode(hx, hz).n == rec["n"]
