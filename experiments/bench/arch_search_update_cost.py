"""Where the arch-search learning loop's wall time goes, old DQN config vs the cheaper-update one, in one run.

Issue 13 item 4: DQN updates were most of the wall time of ``lih_4q_3p4_dqn.yaml`` (one gradient step
per env step). This bench trains, in ONE process and interleaved round by round (so both see the same
machine load), the old config and ``lih_4q_3p4_dqn_fast.yaml`` (one gradient step per 5 env steps,
learning rate 1e-3), plus variants that show why the knobs are set as they are:

* ``old`` / ``new``: the two YAML files as shipped (``num_threads: 1``); ``new`` takes one gradient step
  per 5 env steps;
* ``new_train_freq4``: one gradient step per 4 env steps (epsilon decay 0.998), which learned as well
  but whose update share was about half the wall time under load;
* ``new_train_freq4_batch32``: as ``new_train_freq4`` with batch 32 (learned worse at 30k steps);
* ``new_train_freq4_n_envs2``: as ``new_train_freq4`` on 2 envs stepped by the batched vector env,
  ``train_freq: 2`` vector steps (SB3 counts ``train_freq`` in vector steps; learned worse at 30k);
* ``old_batch32``: the old config with batch 32 instead of 64 (a cheaper batch, the same number of
  updates) -- on CPU an update has a large fixed cost, so this alone does not halve it;
* ``new_threads2``: the new config with ``num_threads: 2`` (torch and BLAS threads) -- the old config on
  2 threads is left out: its update-per-step loop ran several times slower on the shared 2-core box.

For each it reports the time inside env steps (``ArchSearchEnv.step`` / ``ArchSearchVectorEnv.step``),
inside DQN updates (``MaskedDQN.train``), inside action selection (``MaskedDQN._sample_action``), the
rest, each in seconds and as a share of wall time, env steps/s and updates/s. The learning side of the
change (same budget and seeds, beside a random masked agent) is
``experiments/arch_search/learning_vs_random.py --config .../lih_4q_3p4_dqn_fast.yaml``.

Run: ``python experiments/bench/arch_search_update_cost.py [--timesteps N] [--rounds R] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from qdesign.agents.dqn import MaskedDQN
from qdesign.config import config_from_dict, load_yaml
from qdesign.envs.arch_search.env import ArchSearchEnv
from qdesign.envs.arch_search.vector import ArchSearchVectorEnv
from qdesign.runs import atomic_write_json
from qdesign.training import train

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "arch_search"
OLD, NEW = CONFIGS / "lih_4q_3p4_dqn.yaml", CONFIGS / "lih_4q_3p4_dqn_fast.yaml"
# name -> (config file, agent_kwargs overrides, top-level overrides)
TF4 = {"train_freq": 4, "exploration_decay": 0.998}  # the same epsilon per env step as 0.9995 per step
VARIANTS = {
    "old": (OLD, {}, {}),
    "new": (NEW, {}, {}),
    "new_train_freq4": (NEW, TF4, {}),
    "new_train_freq4_batch32": (NEW, {**TF4, "batch_size": 32}, {}),
    "new_train_freq4_n_envs2": (NEW, {"train_freq": 2, "exploration_decay": 0.998},
                                {"n_envs": 2, "vec_env": "batched"}),
    "old_batch32": (OLD, {"batch_size": 32}, {}),
    "new_threads2": (NEW, {}, {"num_threads": 2}),
}


class Timers:
    """Accumulated seconds inside env steps, DQN updates and action selection (class-level wrappers)."""

    def __init__(self) -> None:
        self.env = self.update = self.act = 0.0
        self.updates = 0

    def _timed(self, fn, field: str, count=None):
        timers = self

        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                setattr(timers, field, getattr(timers, field) + time.perf_counter() - t0)
                if count is not None:
                    timers.updates += count(*args, **kwargs)
        return wrapper

    def __enter__(self) -> Timers:
        self._saved = (ArchSearchEnv.step, ArchSearchVectorEnv.step, MaskedDQN.train,
                       MaskedDQN._sample_action)
        ArchSearchEnv.step = self._timed(ArchSearchEnv.step, "env")
        ArchSearchVectorEnv.step = self._timed(ArchSearchVectorEnv.step, "env")
        MaskedDQN.train = self._timed(MaskedDQN.train, "update",
                                      count=lambda model, gradient_steps, batch_size=100: gradient_steps)
        MaskedDQN._sample_action = self._timed(MaskedDQN._sample_action, "act")
        return self

    def __exit__(self, *exc) -> None:
        (ArchSearchEnv.step, ArchSearchVectorEnv.step, MaskedDQN.train,
         MaskedDQN._sample_action) = self._saved


def run_variant(name: str, timesteps: int, seed: int) -> dict:
    path, agent_over, top_over = VARIANTS[name]
    data = load_yaml(path)
    data["agent_kwargs"] = {**data.get("agent_kwargs", {}), **agent_over}
    data.update({**top_over, "total_timesteps": timesteps, "seed": seed, "checkpoint_every_seconds": 1e9,
                 "eval_episodes": 0})
    config = config_from_dict(data)
    with tempfile.TemporaryDirectory() as tmp, Timers() as timers:
        t0 = time.perf_counter()
        _, summary = train(config, out=tmp, quiet=True)
        wall = time.perf_counter() - t0
    other = wall - timers.env - timers.update - timers.act
    ak = config.agent_kwargs
    return {"variant": name, "config": path.name, "train_freq": ak["train_freq"],
            "gradient_steps": ak["gradient_steps"], "batch_size": ak["batch_size"],
            "learning_rate": ak["learning_rate"], "num_threads": config.num_threads, "n_envs": config.n_envs,
            "timesteps": timesteps, "seed": seed, "wall_s": wall, "env_s": timers.env,
            "update_s": timers.update, "act_s": timers.act, "other_s": other,
            "env_share": timers.env / wall, "update_share": timers.update / wall,
            "act_share": timers.act / wall, "other_share": other / wall,
            "env_steps_per_s": timesteps / wall, "updates": timers.updates,
            "updates_per_s": timers.updates / wall,
            "ms_per_update": 1e3 * timers.update / max(timers.updates, 1),
            "best_error": summary.get("best_error")}


COLS = ["variant", "train_freq", "gradient_steps", "batch_size", "num_threads", "n_envs", "wall_s", "env_s",
        "update_s", "act_s", "other_s", "env_share", "update_share", "env_steps_per_s", "updates",
        "updates_per_s", "ms_per_update", "steps_per_s_vs_old"]
MEDIAN_KEYS = ["wall_s", "env_s", "update_s", "act_s", "other_s", "env_share", "update_share",
               "env_steps_per_s", "updates", "updates_per_s", "ms_per_update"]


def _summary(rows: list[dict], names: list[str]) -> list[dict]:
    out = []
    for name in names:
        mine = [r for r in rows if r["variant"] == name]
        med = {k: statistics.median(r[k] for r in mine) for k in MEDIAN_KEYS}
        out.append({**{k: mine[0][k] for k in ("variant", "config", "train_freq", "gradient_steps",
                                               "batch_size", "learning_rate", "num_threads", "n_envs")},
                    **med, "rounds": len(mine)})
    base = next(s for s in out if s["variant"] == "old")
    for s in out:
        s["steps_per_s_vs_old"] = s["env_steps_per_s"] / base["env_steps_per_s"]
    return out


def _result(rows: list[dict], names: list[str], timesteps: int, seed: int, rounds: int,
            partial: bool) -> dict:
    summary = _summary(rows, names)
    title = (f"Arch-search learning loop on LiH-4 3.4 A (lih_4q_3p4_dqn.yaml = old, lih_4q_3p4_dqn_fast.yaml "
             f"= new), {timesteps} env steps per run (learning starts at 500), seed {seed}; median over "
             f"{rounds} interleaved rounds in one process: seconds and share of wall time inside env steps "
             "and inside DQN updates (act = action selection, other = the rest of the loop)")
    per_round = [[r["round"]] + [r.get(c) for c in COLS[:-1]] for r in rows]
    return {"configs": [OLD.name, NEW.name], "seeds": [seed], "timesteps": timesteps, "rounds": rounds,
            "partial": partial, "rows": rows, "summary": summary,
            "tables": [{"title": title, "columns": COLS, "rows": [[s.get(c) for c in COLS] for s in summary]},
                       {"title": "The same, every run (round = interleaving round)", "columns": ["round"]
                        + COLS[:-1], "rows": per_round}],
            "notes": ["update share of the old and the new config measured in the same process, round by "
                      "round; the learning comparison of the new config is "
                      "arch_search_learning_vs_random_30k_fast_*.json"]}


def main(timesteps: int = 3000, seed: int = 0, rounds: int = 2, names: list[str] | None = None,
         out: Path | None = None) -> dict:
    names = names or list(VARIANTS)
    # a short discarded run first: one-time costs (torch's lazy imports, numba compiles) would otherwise
    # land in whichever variant runs first
    for warm in ("new", "new_train_freq4_n_envs2"):  # the batched vector env compiles its own kernels
        if warm in names:
            run_variant(warm, 100, seed)
    rows = []
    for rnd in range(rounds):
        for name in names:
            r = {**run_variant(name, timesteps, seed), "round": rnd}
            rows.append(r)
            print(f"round {rnd} {name:13s} {r['env_steps_per_s']:6.1f} steps/s  env {r['env_s']:5.1f} s "
                  f"({100 * r['env_share']:4.1f}%)  update {r['update_s']:5.1f} s "
                  f"({100 * r['update_share']:4.1f}%, {r['updates']} x {r['ms_per_update']:.2f} ms)  "
                  f"act {r['act_s']:4.1f} s  other {r['other_s']:4.1f} s", flush=True)
            if out is not None:
                done = sorted({x["variant"] for x in rows}, key=names.index)
                if "old" in done:
                    atomic_write_json(out / "arch_search_update_cost.json",
                                      _result(rows, done, timesteps, seed, rnd + 1, partial=True))
    result = _result(rows, names, timesteps, seed, rounds, partial=False)
    if out is not None:
        atomic_write_json(out / "arch_search_update_cost.json", result)
    for s in result["summary"]:
        print(f"{s['variant']:13s} update share {100 * s['update_share']:5.1f}%  env share "
              f"{100 * s['env_share']:5.1f}%  {s['env_steps_per_s']:6.1f} steps/s "
              f"({s['steps_per_s_vs_old']:.2f}x old)  {s['updates_per_s']:6.1f} updates/s")
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--timesteps", type=int, default=3000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=None)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = p.parse_args()
    main(args.timesteps, args.seed, args.rounds, args.variants, args.out)
