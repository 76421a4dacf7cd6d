"""The ``weight-reduce`` training task: MaskablePPO on SeedReduce under a seed-size curriculum.

``summarize`` reduces every seed of the env with the trained policy (masks at predict time) and
the beam search over the same moves, keeps the better code per seed, and writes into run_dir:
``codes/<seed>.npz`` (H_X, H_Z, seed H), ``codes/<seed>_hx.alist`` / ``_hz.alist``,
``codes/<seed>.stim`` (code-capacity circuit for d_X) and ``codes/<seed>.json`` (parameters with
witness supports, independently re-checked).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qdesign.agents.protocol import Agent
from qdesign.config import CurriculumConfig, TrainConfig
from qdesign.tasks.base import Task


class WeightReduceTask(Task):
    """``qdesign train weight-reduce``: a policy edits seeds or Tanner graphs; codes kept with exact d."""

    name = "weight-reduce"
    description = "stabilizer-code weight reduction to (6,3) on classical seeds scored by HGP (He & Liu 2025)"

    def default_config(self) -> TrainConfig:
        """The Table I seeds with masked PPO at 30 moves per episode: a run of minutes."""
        return TrainConfig(
            task=self.name,
            env_id="qdesign/SeedReduce-TableI-v0",
            env_kwargs={"max_steps": 30},
            agent="maskable_ppo",
            agent_kwargs={"learning_rate": 3e-4, "n_steps": 256, "batch_size": 128, "gamma": 0.98,
                          "ent_coef": 0.01, "policy_kwargs": {"net_arch": [128, 128]}},
            total_timesteps=10_000,
            seed=0,
            n_envs=2,
            curriculum=CurriculumConfig(name="seed_size", kwargs={"n_seeds": 4, "window": 30,
                                                                   "threshold": 0.7}),
            eval_episodes=8,
            progress_bar=True,
        )

    def episode_record(self, info: dict[str, Any]) -> dict[str, Any]:
        """Scalar info fields of a finished episode."""
        return {k: v for k, v in info.items() if isinstance(v, (bool, int, float, str))}

    def summarize(self, run_dir: Path, config: TrainConfig, episodes: list[dict[str, Any]],
                  model: Agent | None) -> dict[str, Any]:
        """Per seed, the policy's and beam search's best codes with exact parameters, saved as npz, alist,
        Stim circuit and JSON."""
        from qdesign.agents.rollout import policy_rollout
        from qdesign.codes import io
        from qdesign.codes.css import CSSCode
        from qdesign.codes.distance import code_capacity_circuit
        from qdesign.codes.hgp import hgp_matrices
        from qdesign.codes.params import code_parameters
        from qdesign.reduction.beam import beam_search
        from qdesign.rollouts import make_env

        out_dir = Path(run_dir) / "codes"
        out_dir.mkdir(parents=True, exist_ok=True)
        env = make_env(config).unwrapped
        results: dict[str, Any] = {}
        if hasattr(env, "h_x"):  # WeightReduce-v0 (quantum Tanner graph): policy rollout per seed
            results = self._summarize_tanner(env, model, out_dir)
            env.seeds = []
        for idx, seed_name in enumerate(env.seeds):
            env.sample_seeds = False
            env.set_level(idx)
            env.reset(seed=0)
            n0 = env.n0
            cands = []
            if model is not None:
                H, s = policy_rollout(env, model, seed=0)
                cands.append(("policy", H, s))
                env.set_level(idx)
            env.reset(seed=0)
            H, s = beam_search(env.H, env.moves, env.goal, max_depth=env.max_steps)
            cands.append(("beam", H, s))
            engine, H, s = min(cands, key=lambda c: env.goal.key(c[2], c[1]))
            hx, hz = hgp_matrices(H)
            p = code_parameters(hx, hz, hgp_seeds=(H, H))
            tag = "seed_" + seed_name.replace(",", "_")
            io.save_npz(out_dir / f"{tag}.npz", hx, hz, seed_H=H)
            io.save_alist(out_dir / f"{tag}_hx.alist", hx)
            io.save_alist(out_dir / f"{tag}_hz.alist", hz)
            (out_dir / f"{tag}.stim").write_text(str(code_capacity_circuit(CSSCode(hx, hz), "X")))
            rec = {**p.to_dict(), "engine": engine, "base_n": n0, "seed": seed_name,
                   "met_target": bool(s["k"] == env.k0 and p.w <= env.max_check_weight
                                      and p.q <= env.max_qubit_degree and p.d >= env.d_goal),
                   "policy_met_target": any(c[0] == "policy" and c[2]["k"] == env.k0
                                            and c[2]["w"] <= env.max_check_weight
                                            and c[2]["q"] <= env.max_qubit_degree
                                            and c[2]["d"] >= env.d_goal for c in cands)}
            (out_dir / f"{tag}.json").write_text(json.dumps(rec, indent=1))
            results[seed_name] = {k: rec[k] for k in ("n", "k", "d", "w", "q", "base_n", "engine",
                                                      "met_target", "policy_met_target",
                                                      "witness_verified")}
        succ = [e.get("is_success", False) for e in episodes]
        return {"codes": results, "train_success_rate_last100": (sum(succ[-100:]) / max(len(succ[-100:]), 1))}

    @staticmethod
    def _summarize_tanner(env: Any, model: Any, out_dir: Path) -> dict[str, Any]:
        """Best code of a deterministic policy rollout per seed of a WeightReduce-v0 env, saved with
        its exact parameters (Stim MaxSAT, witnesses re-checked) as npz, alist and JSON."""
        from qdesign.agents.rollout import tanner_policy_rollout
        from qdesign.codes import io
        from qdesign.codes.params import code_parameters

        results: dict[str, Any] = {}
        for idx, seed_name in enumerate(env.seeds):
            if model is None:
                continue
            env.set_level(idx)
            hx, hz, s = tanner_policy_rollout(env, model, seed=0)
            p = code_parameters(hx, hz, exact=True)
            tag = "tanner_" + seed_name.replace(",", "_")
            io.save_npz(out_dir / f"{tag}.npz", hx, hz)
            io.save_alist(out_dir / f"{tag}_hx.alist", hx)
            io.save_alist(out_dir / f"{tag}_hz.alist", hz)
            rec = {**p.to_dict(), "engine": "policy", "base_n": env.n0, "seed": seed_name,
                   "met_target": bool(p.k == env.k0 and p.w <= env.max_check_weight
                                      and p.q <= env.max_qubit_degree and p.d >= env.d_goal)}
            (out_dir / f"{tag}.json").write_text(json.dumps(rec, indent=1))
            results[seed_name] = {k: rec[k] for k in ("n", "k", "d", "w", "q", "base_n", "engine",
                                                      "met_target", "witness_verified")}
        return results

    def bench_commands(self, out_dir: Path, quick: bool = False) -> list[list[str]]:
        """``experiments/bench/weight_reduce.py``: Table I codes against Sabo and Hastings."""
        return [["weight_reduce.py", "--out", str(out_dir)] + (["--quick"] if quick else [])]


TASK = WeightReduceTask()
