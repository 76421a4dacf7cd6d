"""MaskablePPO fine-tuning of a (distilled) compiling policy with the exact-regret reward.

    nice -n 10 python experiments/gate_compile/finetune_policy.py --init gate_compile_distilled.zip \
        --steps 40000 --horizon 16 --out gate_compile_distilled_ppo.zip

The env is ``OptimalLengthShaping`` (Haar targets, reward = minus each gate's regret against the exact
optimal remaining length, truncation after ``--horizon`` gates), i.e. the prefix role the policy plays
before the exact finisher. The critic is warmed up first with the actor frozen (``--critic-steps``), so
the first policy updates do not follow the advantages of an untrained value head.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np


def make_env(eps: float, horizon: int, gate_set: str) -> Any:
    from stable_baselines3.common.monitor import Monitor

    from qdesign.envs.gate_compile.shaping import OptimalLengthShaping

    return Monitor(OptimalLengthShaping(horizon=horizon, gate_set=gate_set, epsilon=eps, max_gates=64))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--init", required=True, help="policy to start from (MaskablePPO zip)")
    ap.add_argument("--gate-set", default="clifford_t")
    ap.add_argument("--eps", type=float, default=1e-2)
    ap.add_argument("--horizon", type=int, default=16)
    ap.add_argument("--steps", type=int, default=40_000)
    ap.add_argument("--critic-steps", type=int, default=8_192)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--n-envs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("gate_compile_distilled_ppo.zip"))
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    import torch

    torch.set_num_threads(1)  # small MLPs: intra-op threads only contend on a shared 2-core machine
    from sb3_contrib import MaskablePPO
    from stable_baselines3.common.vec_env import DummyVecEnv

    t0 = time.time()
    venv = DummyVecEnv([lambda: make_env(args.eps, args.horizon, args.gate_set)] * args.n_envs)
    venv.seed(args.seed + 2000)
    model = MaskablePPO.load(args.init, env=venv, device="cpu", n_steps=512, batch_size=256, n_epochs=5,
                             gamma=1.0, gae_lambda=0.95, ent_coef=0.0, clip_range=0.1, vf_coef=1.0,
                             learning_rate=args.lr, seed=args.seed)
    actor = [p for n, p in model.policy.named_parameters() if "value_net" not in n and "vf" not in n]
    for p in actor:
        p.requires_grad_(False)
    model.learn(args.critic_steps, reset_num_timesteps=True)
    for p in actor:
        p.requires_grad_(True)
    episodes: list[float] = []

    from stable_baselines3.common.callbacks import BaseCallback

    class Regret(BaseCallback):
        def _on_step(self) -> bool:
            for info, done in zip(self.locals["infos"], self.locals["dones"]):
                if done and "episode" in info:
                    episodes.append(float(info["episode"]["r"]))
            return True

    model.learn(args.steps, reset_num_timesteps=False, callback=Regret())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    log = {"args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
           "episodes": len(episodes),
           "mean_total_regret_first_100": float(-np.mean(episodes[:100])) if episodes else None,
           "mean_total_regret_last_100": float(-np.mean(episodes[-100:])) if episodes else None,
           "wall_seconds": time.time() - t0}
    args.out.with_suffix(".log.json").write_text(json.dumps(log, indent=1))
    print(json.dumps(log))
    return log


if __name__ == "__main__":
    main()
