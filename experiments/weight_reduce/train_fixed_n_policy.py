"""Train the n-preserving Tanner-graph policy (``FixedNReduceEnv``) shipped as
``qdesign/api/models/fixed_n_reduce_policy.npz``.

``python experiments/weight_reduce/train_fixed_n_policy.py [--out-dir runs/fixed_n_policy]``

1. Demonstration (search, at training time only): ``anneal_fixed_n`` with ``record_moves`` on
   HGP(Hamming [7,4]) for anneal seeds 0, 1, ... until one reaches excess 0 (each anneal
   ``--iterations``), then shortened: stretches returning to an already visited code are cut (no
   state repeats) and single moves deleted while the replay still ends at excess 0 with every CNOT
   passing the distance check.
2. A MaskablePPO MLP on the env (``--net-arch``) is fitted to the demonstration: cross-entropy
   of the masked policy on the demo's (observation, action) pairs and the value head on the demo's
   discounted returns, until the greedy masked action equals the demo's on every state.
3. MaskablePPO fine-tuning (``--ppo-steps``, env reward: excess decrease + success bonus), in
   chunks; after each chunk the greedy rollout is evaluated and the last checkpoint whose greedy
   rollout still reaches excess 0 is exported (``save_fixed_n_policy``).

So the policy's knowledge comes from one search trajectory plus PPO; at inference
(``reduce_weight(method="policy")``) only the network runs.  ``train_log.json`` in ``--out-dir``
is rewritten after every stage.  ``--from-scratch``: the baseline without a demonstration
(MaskablePPO alone for ``--ppo-steps``; greedy and best training excess logged, nothing exported).
Shipped run (``qdesign/api/models/fixed_n_reduce_policy.json`` has its log): ``--demo
experiments/weight_reduce/fixed_n_demo.json --bc-epochs 3000 --net-arch 64 64 --ppo-steps 12288``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from qdesign.api.fixed_n_policy import save_fixed_n_policy
from qdesign.envs.weight_reduce.fixed_n_env import FixedNReduceEnv
from qdesign.reduction.anneal import anneal_fixed_n


def replay(env: FixedNReduceEnv, path: list[tuple[str, int, int]]) -> tuple[bool, list, list, list]:
    """Play the demo in ``env``: (reached excess 0 with no rejected move, observations, masks, actions)."""
    obs, _ = env.reset(seed=0)
    O, M, A = [], [], []
    for kind, i, j in path:
        a = env.encode(kind, i, j)
        O.append(obs)
        M.append(env.action_masks())
        A.append(a)
        obs, _, term, _, info = env.step(a)
        if info["rejected"]:
            return False, O, M, A
        if term:
            return True, O, M, A
    return env.excess == 0, O, M, A


def drop_cycles(env: FixedNReduceEnv, path: list) -> list:
    """Cut every stretch of moves that returns to a code already visited (from its first visit to its
    last), so no state of the demo repeats (a repeated state would need two different actions)."""
    env.reset(seed=0)
    states = [env.h_x.tobytes() + env.h_z.tobytes()]
    for kind, i, j in path:
        env.step(env.encode(kind, i, j))
        states.append(env.h_x.tobytes() + env.h_z.tobytes())
    last = {st: t for t, st in enumerate(states)}
    out, t = [], 0
    while t < len(path):
        t_next = last[states[t]]
        if t_next > t:  # jump over the cycle
            t = t_next
            continue
        out.append(path[t])
        t += 1
    return out


def shorten(env: FixedNReduceEnv, path: list, passes: int) -> list:
    """Drop cycles, then delete single moves (last to first) while the replay still succeeds."""
    path = drop_cycles(env, path)
    for _ in range(passes):
        before = len(path)
        i = len(path) - 1
        while i >= 0:
            cand = path[:i] + path[i + 1:]
            if replay(env, cand)[0]:
                path = cand
            i -= 1
        if len(path) == before:
            break
    return path


def greedy_eval(model, env: FixedNReduceEnv) -> dict:
    obs, _ = env.reset(seed=0)
    done, steps = False, 0
    while not done:
        a, _ = model.predict(obs, deterministic=True, action_masks=env.action_masks())
        obs, _, term, trunc, _ = env.step(int(a))
        steps += 1
        done = term or trunc
    return {"excess": int(env.excess), "best_excess": int(env.best_excess), "steps": steps,
            "success": bool(env.excess == 0)}


def from_scratch(args: argparse.Namespace, out: Path, log: dict, save_log) -> None:
    """MaskablePPO with no demonstration: greedy rollout and the best excess of the training episodes
    after every chunk (a baseline for the imitation start; nothing is exported)."""
    import torch
    from sb3_contrib import MaskablePPO
    from stable_baselines3.common.callbacks import BaseCallback

    class Track(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.best = None

        def _on_step(self) -> bool:
            for info in self.locals.get("infos", []):
                b = info.get("best_excess")
                if b is not None and (self.best is None or b < self.best):
                    self.best = int(b)
            return True

    t0 = time.time()
    torch.manual_seed(args.seed)
    env = FixedNReduceEnv("7,4", max_steps=args.max_steps)
    model = MaskablePPO("MlpPolicy", env, learning_rate=3e-4, n_steps=1024, batch_size=256, n_epochs=4,
                        gamma=0.99, ent_coef=0.01, seed=args.seed, device="cpu",
                        policy_kwargs={"net_arch": list(args.net_arch)})
    track, done_steps = Track(), 0
    while done_steps < args.ppo_steps:
        model.learn(total_timesteps=args.ppo_chunk, reset_num_timesteps=False, callback=track)
        done_steps += args.ppo_chunk
        log["stages"].append({"stage": "ppo from scratch", "timesteps": done_steps,
                              "greedy": greedy_eval(model, env), "best_excess_in_training": track.best,
                              "seconds": round(time.time() - t0, 1)})
        save_log()
        if args.results:
            rows = [[st["timesteps"], st["greedy"]["excess"], st["greedy"]["best_excess"],
                     st["best_excess_in_training"], st["seconds"]] for st in log["stages"]]
            res = {"seed": args.seed, "args": {k: v for k, v in vars(args).items() if k != "results"},
                   "excess_at_start": int(env.excess0),
                   "tables": [{"title": "MaskablePPO from scratch on FixedNReduceEnv (HGP(Hamming [7,4]), "
                                        "n-preserving moves, no demonstration), the baseline of the shipped "
                                        "n-preserving policy's imitation start: excess after the greedy "
                                        "rollout, lowest excess on it, lowest excess of any training "
                                        f"episode (start: {env.excess0}, target: 0)",
                               "columns": ["timesteps", "greedy final excess", "greedy best excess",
                                           "best excess in training", "seconds"],
                               "rows": rows, "seeds": {"training seed": [args.seed]}}],
                   "notes": [f"net_arch {list(args.net_arch)}, episode length {args.max_steps}, "
                             "learning rate 3e-4, n_steps 1024, batch 256, 4 epochs, ent_coef 0.01; "
                             "reward: excess decrease + 10 at excess 0; nothing exported."]}
            Path(args.results).write_text(json.dumps(res, indent=1) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default="runs/fixed_n_policy")
    ap.add_argument("--export", default=str(Path(__file__).parents[2]
                                            / "qdesign/api/models/fixed_n_reduce_policy.npz"))
    ap.add_argument("--iterations", type=int, default=100_000)
    ap.add_argument("--max-anneal-seeds", type=int, default=12)
    ap.add_argument("--prune-passes", type=int, default=2)
    ap.add_argument("--net-arch", type=int, nargs="+", default=[256, 256])
    ap.add_argument("--bc-epochs", type=int, default=3000)
    ap.add_argument("--ppo-steps", type=int, default=16_384)
    ap.add_argument("--ppo-chunk", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--from-scratch", action="store_true",
                    help="baseline: MaskablePPO alone, no demonstration (--ppo-steps, --max-steps), "
                         "nothing exported")
    ap.add_argument("--results", default=None, help="with --from-scratch: a benchmark JSON for RESULTS.md")
    ap.add_argument("--max-steps", type=int, default=200, help="episode length with --from-scratch")
    ap.add_argument("--demo", default=None, help="a demo.json of an earlier run (skips the anneal)")
    args = ap.parse_args()
    import torch
    from sb3_contrib import MaskablePPO

    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    log: dict = {"args": vars(args), "stages": []}

    def save_log() -> None:
        (out / "train_log.json").write_text(json.dumps(log, indent=1) + "\n")

    t0 = time.time()
    env = FixedNReduceEnv("7,4", max_steps=400)
    hx0, hz0 = env.start
    # 1. demonstration from the anneal (search at training time)
    if args.from_scratch:
        return from_scratch(args, out, log, save_log)
    demo, s = None, None
    if args.demo:
        d = json.loads(Path(args.demo).read_text())
        demo, s = [tuple(m) for m in d["moves"]], d["anneal_seed"]
    for s in range(args.max_anneal_seeds) if demo is None else []:
        res = anneal_fixed_n(hx0, hz0, 6, 3, d_min=3, iterations=args.iterations, seed=s, record_moves=True)
        log["stages"].append({"stage": "anneal", "seed": s, "excess": res.excess,
                              "iterations": res.iterations, "moves": len(res.moves or []),
                              "seconds": round(time.time() - t0, 1)})
        save_log()
        if res.excess == 0:
            demo = shorten(env, list(res.moves or []), args.prune_passes)
            break
    if demo is None:
        raise SystemExit("no anneal reached excess 0; nothing to train on")
    demo = drop_cycles(env, demo)
    ok, O, M, A = replay(env, demo)
    assert ok
    log["demo"] = {"anneal_seed": s, "moves": len(demo), "moves_by_kind": {k: sum(m[0] == k for m in demo)
                                                                           for k in ("ax", "az", "cnot")}}
    log["stages"].append({"stage": "shorten", "moves": len(demo), "seconds": round(time.time() - t0, 1)})
    save_log()
    (out / "demo.json").write_text(json.dumps({"anneal_seed": s, "moves": demo}) + "\n")

    # the episode length: the demo plus room
    max_steps = int(len(demo) * 1.25) + 10
    env = FixedNReduceEnv("7,4", max_steps=max_steps)
    ok, O, M, A = replay(env, demo)
    assert ok
    torch.manual_seed(args.seed)
    model = MaskablePPO("MlpPolicy", env, learning_rate=1e-4, n_steps=1024, batch_size=256, n_epochs=4,
                        gamma=0.99, ent_coef=0.0, clip_range=0.1, seed=args.seed, device="cpu",
                        policy_kwargs={"net_arch": list(args.net_arch)})
    # 2. fit the policy (and value head) to the demonstration
    gamma = 0.99
    rewards = []
    env.reset(seed=0)
    for a in A:
        _, r, _, _, _ = env.step(a)
        rewards.append(r)
    ret, G = np.zeros(len(A), dtype=np.float32), 0.0
    for t in range(len(A) - 1, -1, -1):
        G = rewards[t] + gamma * G
        ret[t] = G
    pol = model.policy
    obs_t = torch.as_tensor(np.array(O), dtype=torch.float32)
    act_t = torch.as_tensor(np.array(A), dtype=torch.long)
    mask_t = torch.as_tensor(np.array(M))
    ret_t = torch.as_tensor(ret)
    opt = torch.optim.Adam(pol.parameters(), lr=1e-3)
    acc, epochs_run = 0.0, 0
    for epoch in range(args.bc_epochs):
        epochs_run = epoch + 1
        features = pol.extract_features(obs_t, pol.pi_features_extractor)
        latent_pi, latent_vf = pol.mlp_extractor(features)
        logits = pol.action_net(latent_pi).masked_fill(~mask_t, -1e8)
        values = pol.value_net(latent_vf).flatten()
        ce = torch.nn.functional.cross_entropy(logits, act_t)
        loss = ce + 0.05 * ((values - ret_t) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        acc = float((logits.argmax(dim=1) == act_t).float().mean())
        if epoch % 100 == 0:
            print(f"imitation epoch {epoch}: accuracy {acc:.4f} cross-entropy {float(ce):.4f}", flush=True)
        if acc == 1.0 and float(ce) < 0.02:
            break
    ev = greedy_eval(model, env)
    log["stages"].append({"stage": "imitation", "epochs": epochs_run, "accuracy": acc,
                          "cross_entropy": float(ce), "greedy": ev,
                          "seconds": round(time.time() - t0, 1)})
    save_log()
    model.save(out / "model_imitation.zip")
    best_model_path = out / "model_imitation.zip" if ev["success"] else None
    # 3. MaskablePPO fine-tuning
    done_steps = 0
    while done_steps < args.ppo_steps:
        model.learn(total_timesteps=args.ppo_chunk, reset_num_timesteps=False)
        done_steps += args.ppo_chunk
        ev = greedy_eval(model, env)
        path = out / f"model_ppo_{done_steps}.zip"
        model.save(path)
        if ev["success"]:
            best_model_path = path
        log["stages"].append({"stage": "ppo", "timesteps": done_steps, "greedy": ev,
                              "seconds": round(time.time() - t0, 1)})
        save_log()
    if best_model_path is None:
        log["exported"] = None
        save_log()
        raise SystemExit("no checkpoint's greedy rollout reached excess 0; nothing exported")
    final = MaskablePPO.load(best_model_path, device="cpu")
    p = save_fixed_n_policy(final, env, args.export, "fixed_n_reduce_policy", extra={
        "trained_on": "HGP(Hamming [7,4]) (systematic seed)", "checkpoint": best_model_path.name,
        "demo": log["demo"], "reproduce": "python experiments/weight_reduce/train_fixed_n_policy.py",
        "training": "imitation of one shortened anneal_fixed_n trajectory, then MaskablePPO fine-tuning",
        "ppo_timesteps": done_steps if "ppo" in best_model_path.name else 0})
    log["exported"] = {"path": str(p), "checkpoint": best_model_path.name}
    log["seconds"] = round(time.time() - t0, 1)
    save_log()
    print("wrote", p)


if __name__ == "__main__":
    main()
