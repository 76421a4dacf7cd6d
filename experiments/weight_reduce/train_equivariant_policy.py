"""Train the permutation-equivariant n-preserving policy (``qdesign.agents.equivariant_reduce``) from
reward, with a reverse curriculum, on ``FixedNReduceEnv`` from HGP(Hamming [7,4]) towards (6, 3).

``python experiments/weight_reduce/train_equivariant_policy.py [--episodes 600 --out-dir runs/equiv]``

* Policy: one shared MLP (``--hidden``) over per-action features (``FEATURES``): every move is scored
  from row / column aggregates of the Tanner graph, so relabelling qubits or checks relabels the
  actions; it starts from a seeded random initialisation (no imitation).
* Reward: the env's own (excess decrease, +``success_bonus`` at excess 0, ``invalid_penalty`` for a
  rejected CNOT).  The excess is deceptive from the seed (no single move lowers it), so episodes start
  on a reverse curriculum: from states of a search trajectory (``fixed_n_demo.json``: one
  ``anneal_fixed_n`` trajectory, states only, its actions are not used) ``k`` moves before its end,
  ``k`` growing through ``--stages`` when the success rate of the last ``--window`` episodes at the
  stage reaches ``--advance``; the last stage starts at the seed itself.  A share ``--seed-share`` of
  episodes always starts at the seed.
* Update: REINFORCE with a per-stage running-mean baseline on discounted returns, PPO-style clipped
  ratio over ``--epochs`` passes per batch of ``--batch`` episodes; entropy bonus ``--entropy``.
  States are stored as matrices and features recomputed at update time.

``train_log.json`` and the actor (``policy.npz`` + ``.json``, loadable by
``qdesign.api.fixed_n_policy.load_fixed_n_policy``) are rewritten after every batch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from qdesign.agents.equivariant_reduce import FEATURES, N_FEATURES, EquivariantActor, action_features
from qdesign.envs.weight_reduce.fixed_n_env import FixedNReduceEnv
from qdesign.reduction.anneal import excess

DEMO = Path(__file__).resolve().parent / "fixed_n_demo.json"


class Scorer(nn.Module):
    """logit(action) = MLP(features) + linear(features), shared over actions; the MLP's last layer
    starts at zero, so the initial policy is the (random) linear path."""

    def __init__(self, hidden: list[int]) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        d = N_FEATURES
        for h in hidden:
            layers += [nn.Linear(d, h), nn.Tanh()]
            d = h
        last = nn.Linear(d, 1)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        layers.append(last)
        self.mlp = nn.Sequential(*layers)
        self.lin = nn.Linear(N_FEATURES, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(x) + self.lin(x)


def make_net(hidden: list[int], seed: int) -> Scorer:
    torch.manual_seed(seed)
    return Scorer(hidden)


def load_into(net: Scorer, path: Path) -> None:
    """Copy the weights of a saved actor (``policy.npz``) into ``net``."""
    with np.load(path) as z:
        lin = [m for m in net.mlp if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for i, m in enumerate(lin):
                m.weight.copy_(torch.as_tensor(z[f"W{i}"]))
                m.bias.copy_(torch.as_tensor(z[f"b{i}"]))
            net.lin.weight.copy_(torch.as_tensor(z["L0"]))
            net.lin.bias.copy_(torch.as_tensor(z["l0"]))


def to_actor(net: Scorer, env: FixedNReduceEnv) -> EquivariantActor:
    lin = [m for m in net.mlp if isinstance(m, nn.Linear)]
    return EquivariantActor([(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in lin],
                            env.R, env.N, env.w, env.q,
                            linear=(net.lin.weight.detach().numpy(), net.lin.bias.detach().numpy()))


def trajectory_states(env: FixedNReduceEnv, path: list) -> list[tuple[np.ndarray, np.ndarray]]:
    env.reset(seed=0)
    out = [(env.h_x.copy(), env.h_z.copy())]
    for kind, i, j in path:
        env.step(env.encode(kind, i, j))
        out.append((env.h_x.copy(), env.h_z.copy()))
    return out


def set_state(env: FixedNReduceEnv, hx: np.ndarray, hz: np.ndarray, max_steps: int) -> None:
    env.reset(seed=0)
    env.h_x, env.h_z = hx.copy(), hz.copy()
    env.excess = env.best_excess = excess(hx, hz, env.w, env.q)
    env.max_steps = max_steps


def run_episode(env: FixedNReduceEnv, actor: EquivariantActor, rng: np.random.Generator,
                start: tuple[np.ndarray, np.ndarray] | None, max_steps: int) -> dict:
    if start is None:
        set_state(env, env.start[0], env.start[1], max_steps)
    else:
        set_state(env, start[0], start[1], max_steps)
    mask = env.action_masks()
    states, actions, rewards = [], [], []
    best = env.excess
    done = False
    while not done:
        p = actor.probabilities_for(env.h_x, env.h_z, mask)
        a = int(rng.choice(p.size, p=p))
        states.append((env.h_x.copy(), env.h_z.copy()))
        actions.append(a)
        _, r, term, trunc, _ = env.step(a)
        rewards.append(r)
        best = min(best, env.excess)
        done = term or trunc
    return {"states": states, "actions": actions, "rewards": rewards, "success": env.excess == 0,
            "best": int(best), "final": int(env.excess), "steps": len(actions)}


def log_probs(net: Scorer, feats: np.ndarray, mask: torch.Tensor, A_t: torch.Tensor,
              idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Log-probabilities of the taken actions and the entropies at the states ``idx``."""
    z = net(torch.as_tensor(feats[idx]))[..., 0].masked_fill(~mask, -1e9)
    lp = torch.log_softmax(z, 1)
    ent = -(lp.exp() * lp.masked_fill(~mask, 0.0)).sum(1)
    return lp[torch.arange(len(idx)), A_t[idx]], ent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--episodes", type=int, default=600, help="training episodes (the budget)")
    ap.add_argument("--max-env-steps", type=int, default=200_000, help="hard cap on env steps")
    ap.add_argument("--stages", type=int, nargs="+", default=[8, 16, 32, 64, 128, 256, -1],
                    help="curriculum: start k moves before the trajectory's end (-1 = the seed)")
    ap.add_argument("--episode-len", type=int, default=1000, help="episode length from the seed")
    ap.add_argument("--schedule", choices=["stages", "linear"], default="linear",
                    help="linear: start states drawn from a window of the trajectory's last k states, k "
                         "growing linearly from --stages[0] to all of them")
    ap.add_argument("--ramp", type=float, default=0.6, help="linear: share of episodes to reach the seed")
    ap.add_argument("--start-episode-len", type=int, default=150)
    ap.add_argument("--seed-episode-len", type=int, default=400)
    ap.add_argument("--window", type=int, default=16)
    ap.add_argument("--advance", type=float, default=0.5)
    ap.add_argument("--seed-share", type=float, default=0.3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--gamma", type=float, default=0.95)
    ap.add_argument("--entropy", type=float, default=0.003)
    ap.add_argument("--hidden", type=int, nargs="+", default=[16, 16])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", type=Path, default=None,
                    help="continue from a policy.npz written by this script (same --hidden)")
    ap.add_argument("--out-dir", type=Path, default=Path("runs/equivariant_policy"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    env = FixedNReduceEnv(max_steps=args.episode_len)
    path = json.loads(DEMO.read_text())["moves"]
    traj = trajectory_states(env, path)
    T = len(traj) - 1
    net = make_net(args.hidden, args.seed)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    stage = 0
    hist: dict[int, list[bool]] = {}
    baseline: dict[int, float] = {}
    log: dict = {"command": "python " + " ".join(sys.argv), "args": {
        k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "trajectory": {"source": DEMO.name, "moves": T}, "batches": []}
    prior = {"episodes": 0, "env_steps": 0}
    if args.init is not None:
        load_into(net, args.init)
        log["init"] = str(args.init)
        init_meta = args.init.with_suffix(".json")
        if init_meta.is_file():
            m = json.loads(init_meta.read_text())
            prior = {"episodes": int(m.get("episodes", 0)), "env_steps": int(m.get("env_steps", 0))}
    ep = env_steps = 0

    def save() -> None:
        actor = to_actor(net, env)
        np.savez_compressed(args.out_dir / "policy.npz", **actor.arrays())
        meta = {"name": "equivariant_fixed_n_policy", "kind": "fixed_n", "arch": "equivariant",
                "r_max": env.R, "n_max": env.N, "max_steps": args.episode_len, "d_min": env.d_min,
                "target": [env.w, env.q], "features": list(FEATURES),
                "hidden": args.hidden, "linear_path": True,
                "training": "policy gradient from reward, reverse curriculum over states of one "
                            "anneal_fixed_n trajectory (states only), random init, no imitation",
                "episodes": prior["episodes"] + ep, "env_steps": prior["env_steps"] + env_steps,
                "stage": stage, "init": str(args.init) if args.init else None, "seed": args.seed}
        (args.out_dir / "policy.json").write_text(json.dumps(meta, indent=1) + "\n")
        log["seconds"] = round(time.time() - t0, 1)
        (args.out_dir / "train_log.json").write_text(json.dumps(log, indent=1) + "\n")

    while ep < args.episodes and env_steps < args.max_env_steps:
        actor = to_actor(net, env)
        batch = []
        for _ in range(args.batch):
            if args.schedule == "linear":
                # the window of start states grows from the trajectory's last ``k0`` states to all of
                # them over the first ``ramp`` share of the episodes; then a ``seed_share`` of seed starts
                frac = min(1.0, ep / max(1.0, args.ramp * args.episodes))
                k = int(round(args.stages[0] + (T - args.stages[0]) * frac))
                from_seed = frac >= 1.0 and rng.random() < args.seed_share
                st_key = -1 if from_seed else min(7, int(8 * k / (T + 1)))
                if from_seed:
                    start, L = None, args.seed_episode_len
                else:
                    start, L = traj[int(rng.integers(max(0, T - k), T))], args.start_episode_len
            else:
                k = args.stages[stage]
                from_seed = k < 0 or k >= T or rng.random() < args.seed_share
                st_key = -1 if from_seed else k
                if from_seed:
                    start, L = None, args.episode_len
                else:
                    start, L = traj[T - k], min(args.episode_len, 3 * k + 30)
            res = run_episode(env, actor, rng, start, L)
            res["stage_key"] = st_key
            res["from_seed"] = bool(from_seed)
            batch.append(res)
            ep += 1
            env_steps += res["steps"]
            if not from_seed or k < 0:
                hist.setdefault(stage, []).append(bool(res["success"]))
        # returns and advantages
        # baseline: the batch's mean return at the same step index and start-window key (removes the
        # strong dependence of the return on how many steps remain), plus a running mean per key
        S, A, ADV = [], [], []
        rets_all = []
        for res in batch:
            G, rets = 0.0, []
            for r in reversed(res["rewards"]):
                G = r + args.gamma * G
                rets.append(G)
            rets_all.append(np.asarray(rets[::-1]))
        L_max = max(len(r) for r in rets_all)
        tot = np.zeros(L_max)
        cnt = np.zeros(L_max)
        for r in rets_all:
            tot[: len(r)] += r
            cnt[: len(r)] += 1
        step_mean = tot / np.maximum(cnt, 1)
        for res, rets in zip(batch, rets_all, strict=True):
            key = res["stage_key"]
            baseline[key] = 0.9 * baseline.get(key, float(rets.mean())) + 0.1 * float(rets.mean())
            for t, (s, a) in enumerate(zip(res["states"], res["actions"], strict=True)):
                S.append(s)
                A.append(a)
                ADV.append(rets[t] - (step_mean[t] if cnt[t] > 1 else baseline[key]))
        adv = np.asarray(ADV)
        adv = adv / (adv.std() + 1e-6)
        feats = np.stack([action_features(hx, hz, env.w, env.q, env.R, env.N).astype(np.float32)
                          for hx, hz in S])
        mask = torch.as_tensor(env.action_masks())
        A_t = torch.as_tensor(A)
        adv_t = torch.as_tensor(adv, dtype=torch.float32)

        n_chunks = max(1, len(S) // 64)
        with torch.no_grad():
            old_lp = torch.cat([log_probs(net, feats, mask, A_t, c)[0]
                                for c in np.array_split(np.arange(len(S)), n_chunks)])
        for _ in range(args.epochs):
            for chunk in np.array_split(rng.permutation(len(S)), n_chunks):
                lp, ent = log_probs(net, feats, mask, A_t, chunk)
                ratio = torch.exp(lp - old_lp[chunk])
                at = adv_t[chunk]
                pg = -torch.min(ratio * at, torch.clamp(ratio, 0.8, 1.2) * at)
                loss = (pg - args.entropy * ent).mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
        recent = hist.get(stage, [])[-args.window:]
        rate = float(np.mean(recent)) if recent else 0.0
        entry = {"episodes": ep, "env_steps": env_steps, "stage": stage, "k": k,
                 "start_excess": [int(excess(*r["states"][0], env.w, env.q)) for r in batch],
                 "success": [bool(r["success"]) for r in batch], "best": [r["best"] for r in batch],
                 "steps": [r["steps"] for r in batch], "window_rate": round(rate, 3),
                 "from_seed": [r["from_seed"] for r in batch],
                 "seconds": round(time.time() - t0, 1)}
        log["batches"].append(entry)
        print(json.dumps(entry), flush=True)
        if len(recent) >= args.window and rate >= args.advance and stage < len(args.stages) - 1:
            stage += 1
        save()
    save()


if __name__ == "__main__":
    main()
