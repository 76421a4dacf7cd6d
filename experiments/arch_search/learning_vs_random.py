"""Is learning doing anything? The masked DQN beside a random masked agent, same budget and seeds.

For each seed both agents train on the same config (default ``lih_4q_3p4_dqn_fast.yaml`` since issue
13 item 4; tables made before it name ``lih_4q_3p4_dqn.yaml``) for the same number of env steps; the
random agent is ``experiments/custom_agent/random_agent.py`` (uniform over the legal actions). Reported
per (agent, seed), from the recorded training episodes (search: what the agent found while exploring)
and from greedy evaluation episodes (the trained policy):

* successes: training episodes whose best error reached chemical accuracy (1.6e-3 Ha), and how
  many of them happened during the DQN's random warm-up (``learning_starts``), before any update;
* actions to the first success after warm-up (env steps);
* greedy success: success rate of the policy's own rollouts at chemical accuracy (for the random
  agent: its random rollouts), ``eval_episodes`` episodes from seed 10000;
* best error found during training.

Run: ``python experiments/arch_search/learning_vs_random.py [--timesteps N] [--seeds 0 1 2]
[--agent-kwargs JSON] [--n-envs N] [--out FILE]``;
writes ``experiments/bench/results/arch_search_learning_vs_random.json`` (rendered in RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "custom_agent"))  # the random agent lives outside the package

from qdesign.config import config_from_dict, load_yaml  # noqa: E402
from qdesign.runs import RunDir, atomic_write_json  # noqa: E402
from qdesign.training import evaluate_run, train  # noqa: E402

CHEMICAL_ACCURACY = 1.6e-3
CONFIG = HERE.parent / "configs" / "arch_search" / "lih_4q_3p4_dqn_fast.yaml"
RANDOM = "random_agent:RandomMaskedAgent"


def one_run(data: dict, agent: str, seed: int, timesteps: int, eval_episodes: int, out: Path) -> dict:
    data = {**data, "total_timesteps": timesteps, "seed": seed, "eval_episodes": eval_episodes,
            "checkpoint_every_seconds": 1e9}
    warmup = int(data.get("agent_kwargs", {}).get("learning_starts", 0)) if agent != RANDOM else 0
    if agent == RANDOM:
        data.update({"agent": RANDOM, "agent_kwargs": {}})
    t0 = time.perf_counter()
    run, summary = train(config_from_dict(data), out=out, quiet=True)
    wall = time.perf_counter() - t0
    episodes = RunDir.open(run.path).episodes()
    hits = [e for e in episodes if e.get("episode_best_error", 1.0) < CHEMICAL_ACCURACY]
    after = [e["timestep"] for e in hits if e["timestep"] > warmup]
    greedy = evaluate_run(run.path, n_episodes=eval_episodes)
    return {"agent": "random_masked" if agent == RANDOM else agent, "seed": seed, "timesteps": timesteps,
            "episodes": len(episodes), "successes": len(hits),
            "successes_in_warmup": sum(e["timestep"] <= warmup for e in hits) if warmup else None,
            "warmup_steps": warmup,
            "actions_to_first_success_after_warmup": min(after) if after else None,
            "greedy_success_rate": greedy.get("success_rate"), "greedy_min_error": greedy.get("min_error"),
            "best_error": summary.get("best_error"), "wall_s": wall}


def main(timesteps: int, seeds: list[int], eval_episodes: int, config: Path, out: Path | None,
         agent_kwargs: dict | None = None, n_envs: int | None = None) -> dict:
    data = load_yaml(config)
    if n_envs is not None:  # both agents step the same number of envs (the config's vec_env)
        data["n_envs"] = n_envs
    if agent_kwargs:  # e.g. the DQN settings before a change, for an old-vs-new comparison
        data["agent_kwargs"] = {**data.get("agent_kwargs", {}), **agent_kwargs}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            for agent in (data["agent"], RANDOM):
                r = one_run(data, agent, seed, timesteps, eval_episodes, Path(tmp))
                rows.append(r)
                print(f"{r['agent']:14s} seed {seed}: {r['successes']:4d} successes "
                      f"(warm-up {r['successes_in_warmup']}), first after warm-up at "
                      f"{r['actions_to_first_success_after_warmup']}, greedy {r['greedy_success_rate']}, "
                      f"best err {r['best_error']:.2e} ({r['wall_s']:.0f} s)", flush=True)
            if out is not None:  # a partial file after every seed: a long run cut short still reports
                atomic_write_json(out, {**_result(rows, config, timesteps, eval_episodes, agent_kwargs,
                                                  data.get("n_envs", 1)), "partial": True})
    result = _result(rows, config, timesteps, eval_episodes, agent_kwargs, data.get("n_envs", 1))
    if out is not None:
        atomic_write_json(out, result)
    return result


def _result(rows: list[dict], config: Path, timesteps: int, eval_episodes: int,
            agent_kwargs: dict | None, n_envs: int = 1) -> dict:
    cols = ["agent", "seed", "timesteps", "episodes", "successes", "successes_in_warmup",
            "actions_to_first_success_after_warmup", "greedy_success_rate", "best_error"]
    override = f" with agent_kwargs {json.dumps(agent_kwargs)}" if agent_kwargs else ""
    override += f", n_envs {n_envs} (both agents)" if n_envs != 1 else ""
    result = {"config": config.name, "agent_kwargs_override": agent_kwargs or {}, "n_envs": n_envs,
              "seeds": sorted({r["seed"] for r in rows}),
              "chemical_accuracy": CHEMICAL_ACCURACY, "rows": rows,
              "tables": [{"title": f"Trained masked DQN vs random masked agent, {config.name}"
                                   f"{override}"
                                   f", {timesteps} "
                                   f"steps each, greedy evaluation over {eval_episodes} episodes (one row "
                                   "per agent and seed; successes = training episodes at chemical "
                                   "accuracy, i.e. search; greedy = the policy's own rollouts)",
                          "columns": cols, "rows": [[r[c] for c in cols] for r in rows]}],
              "notes": ["successes_in_warmup: successes while the DQN still acts uniformly at random "
                        "(before learning_starts), not learned"]}
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--timesteps", type=int, default=6000)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--eval-episodes", type=int, default=10)
    p.add_argument("--config", type=Path, default=CONFIG)
    p.add_argument("--out", type=Path,
                   default=HERE.parent / "bench" / "results" / "arch_search_learning_vs_random.json")
    p.add_argument("--agent-kwargs", type=json.loads, default=None,
                   help='JSON object merged into the config\'s agent_kwargs, e.g. \'{"train_freq": 1}\'')
    p.add_argument("--n-envs", type=int, default=None, help="envs per agent step for both agents "
                   "(default: the config's n_envs)")
    args = p.parse_args()
    main(args.timesteps, args.seeds, args.eval_episodes, args.config, args.out, args.agent_kwargs,
         args.n_envs)
