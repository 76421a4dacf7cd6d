"""The whole arch-search learning loop (env + DQN), old inner optimizer vs new, in one run.

Trains ``experiments/configs/arch_search/lih_4q_3p4_dqn.yaml`` for the same number of timesteps and
seed with each variant and reports env steps/s of the whole loop, the time spent inside env steps
and inside DQN gradient updates (measured by wrapping ``ArchSearchEnv.step`` and
``MaskedDQN.train``), and their ratios against the old variant:

* ``old``: ``optimizer=lbfgs`` (scipy BFGS on parameter-shift gradients, the default before issue 13)
  and the DQN as it was before issue 13 (one gradient step per env step, Adam's per-tensor loop);
* ``new_env``: ``optimizer=adjoint_bfgs`` with one perturbed restart (compiled BFGS on adjoint
  gradients, the new env default), the old DQN settings: the env step is fast, updates dominate;
* ``new``: the config as shipped: adjoint BFGS and the fused Adam step (the same algorithm as
  ``new_env``, a cheaper update), one gradient step per env step;
* ``new_train_freq4``: as ``new`` with one gradient step per 4 env steps (``train_freq=4``) and the
  epsilon decay per update raised to 0.9995**4 so that epsilon per env step is unchanged. It cuts
  the update time per env step 4x, but it is a different learning algorithm and it learned worse on
  this config at 15k steps (``experiments/arch_search/learning_vs_random.py``: greedy success in 0
  of 3 seeds against 2 of 3 with ``train_freq=1``), so it is not the default;
* ``new_train_freq2``: as ``new`` with one gradient step per 2 env steps and the epsilon decay per
  update 0.999 (about 0.9995**2, the same epsilon per env step): half the updates per env step. At
  30k steps it learned worse than ``train_freq=1`` on the same seeds (greedy success in 3 of 5 seeds;
  ``arch_search_learning_vs_random_30k_5seeds_train_freq*.json``), so it is not the default either.

All variants run with ``num_threads=1`` (the config default): ``torch.set_num_threads(1)`` is set
by the trainer because a 64 x 1122 -> 256 MLP update is too small to split across 2 shared cores
(measured on this box: 5.9 ms per fused update on 1 thread, 31 ms on 2).

The cheaper-update config that followed (``lih_4q_3p4_dqn_fast.yaml``: one gradient step per 4 env
steps at learning rate 1e-3, which did learn at 30k steps) is measured against this one by
``arch_search_update_cost.py``.

Run: ``python experiments/bench/arch_search_learning_loop.py [--timesteps N] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from qdesign.agents.dqn import MaskedDQN
from qdesign.config import config_from_dict, load_yaml
from qdesign.envs.arch_search.env import ArchSearchEnv
from qdesign.runs import atomic_write_json
from qdesign.training import train

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "arch_search" / "lih_4q_3p4_dqn.yaml"
NEW_KWARGS = {"maxiter": 200, "restarts": 1}  # the presets' default since issue 13
# the DQN before issue 13 item 4: a gradient step per env step, Adam without the fused kernel
OLD_DQN = {"train_freq": 1, "gradient_steps": 1, "exploration_decay": 0.9995, "optimizer_kwargs": {}}
NEW_ENV = {"optimizer": "adjoint_bfgs", "optimizer_kwargs": NEW_KWARGS}
VARIANTS = {
    "old": ({"optimizer": "lbfgs", "optimizer_kwargs": {"maxiter": 200}}, OLD_DQN),
    "new_env": (NEW_ENV, OLD_DQN),
    "new": (NEW_ENV, {}),
    "new_train_freq2": (NEW_ENV, {"train_freq": 2, "exploration_decay": 0.999}),
    "new_train_freq4": (NEW_ENV, {"train_freq": 4, "exploration_decay": 0.998}),
}


class Timers:
    """Accumulated seconds inside env steps and DQN updates (class-level wrappers, undone after)."""

    def __init__(self) -> None:
        self.env = self.update = 0.0
        self.steps = self.updates = 0

    def __enter__(self) -> Timers:
        self._step, self._train = ArchSearchEnv.step, MaskedDQN.train
        timers = self

        def step(env, action):
            t0 = time.perf_counter()
            try:
                return timers._step(env, action)
            finally:
                timers.env += time.perf_counter() - t0
                timers.steps += 1

        def train_(model, gradient_steps, batch_size=100):
            t0 = time.perf_counter()
            try:
                return timers._train(model, gradient_steps, batch_size)
            finally:
                timers.update += time.perf_counter() - t0
                timers.updates += gradient_steps

        ArchSearchEnv.step, MaskedDQN.train = step, train_
        return self

    def __exit__(self, *exc) -> None:
        ArchSearchEnv.step, MaskedDQN.train = self._step, self._train


def run_variant(name: str, timesteps: int, seed: int) -> dict:
    env_over, agent_over = VARIANTS[name]
    data = load_yaml(CONFIG)
    data["env_kwargs"] = {**data.get("env_kwargs", {}), **env_over}
    agent_over = dict(agent_over)
    agent_kwargs = {**data.get("agent_kwargs", {}), **agent_over}
    if "optimizer_kwargs" in agent_over:  # an optimizer_kwargs given (even empty) disables the default
        agent_kwargs.pop("optimizer_kwargs")
        agent_kwargs["policy_kwargs"] = {**agent_kwargs.get("policy_kwargs", {}),
                                         "optimizer_kwargs": agent_over["optimizer_kwargs"]}
    data["agent_kwargs"] = agent_kwargs
    data.update({"total_timesteps": timesteps, "seed": seed, "checkpoint_every_seconds": 1e9,
                 "eval_episodes": 0})
    config = config_from_dict(data)
    with tempfile.TemporaryDirectory() as tmp, Timers() as timers:
        t0 = time.perf_counter()
        _, summary = train(config, out=tmp, quiet=True)
        wall = time.perf_counter() - t0
    return {"variant": name, "timesteps": timesteps, "seed": seed, "wall_s": wall,
            "env_steps_per_s": timesteps / wall, "env_s": timers.env, "update_s": timers.update,
            "env_share": timers.env / wall, "update_share": timers.update / wall,
            "ms_per_env_step": 1e3 * timers.env / max(timers.steps, 1),
            "ms_per_update": 1e3 * timers.update / max(timers.updates, 1), "updates": timers.updates,
            "ms_update_per_env_step": 1e3 * timers.update / timesteps,
            "best_error": summary.get("best_error")}


def main(timesteps: int = 2000, seed: int = 0, out: Path | None = None) -> dict:
    # a short discarded run first: one-time costs (torch's lazy imports on the first optimizer, numba
    # compiles) would otherwise land in whichever variant runs first
    run_variant("new", 100, seed)
    rows = []
    for name in VARIANTS:
        r = run_variant(name, timesteps, seed)
        rows.append(r)
        print(f"{name:16s} {r['env_steps_per_s']:7.1f} steps/s  env {r['ms_per_env_step']:6.2f} ms/step "
              f"({100 * r['env_share']:4.1f}% of wall)  {r['updates']:5d} updates x "
              f"{r['ms_per_update']:6.2f} ms "
              f"= {r['ms_update_per_env_step']:5.2f} ms/env step ({100 * r['update_share']:4.1f}% of wall)",
              flush=True)
    base = rows[0]
    for r in rows:
        r["loop_speedup_vs_old"] = r["env_steps_per_s"] / base["env_steps_per_s"]
        r["env_step_speedup_vs_old"] = base["ms_per_env_step"] / r["ms_per_env_step"]
        r["update_ms_per_env_step_vs_old"] = base["ms_update_per_env_step"] / r["ms_update_per_env_step"]
    print(f"\n{'variant':16s} {'loop x':>7s} {'env step x':>10s} {'update/env step x':>18s} "
          f"{'env share':>9s} {'update share':>12s}")
    for r in rows:
        print(f"{r['variant']:16s} {r['loop_speedup_vs_old']:7.2f} {r['env_step_speedup_vs_old']:10.1f} "
              f"{r['update_ms_per_env_step_vs_old']:18.2f} {100 * r['env_share']:8.1f}% "
              f"{100 * r['update_share']:11.1f}%")
    result = {"config": str(CONFIG.name), "seeds": [seed], "rows": rows}
    if out is not None:
        atomic_write_json(out / "arch_search_learning_loop.json", result)
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--timesteps", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = p.parse_args()
    main(args.timesteps, args.seed, args.out)
