"""Distil the exact MITM solver into a MaskablePPO policy (behaviour cloning + DAgger), optionally followed by
MaskablePPO fine-tuning with the exact-regret reward of ``OptimalLengthShaping``.

    nice -n 10 python experiments/gate_compile/distill_policy.py --targets 3000 --dagger 2 \
        --out experiments/results/agents/gate_compile_distilled.zip

Data: for Haar targets U the solver returns an optimal word w; every state along it (residual
``U W(w[:j])^dag`` with j gates written) is labelled with the next gate w[j] (any sub-word of an optimal
word is optimal, so one solve labels ~31 states). DAgger rounds roll the current policy out on fresh
targets for up to ``--dagger-steps`` gates and label the states it actually visits with a new solve.
The policy sees exactly the env's observation (phase-canonical residual + remaining budget) and mask.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch as th

from qdesign.api.agent_compile import rollout_word
from qdesign.envs.gate_compile.env import GateCompileEnv
from qdesign.envs.gate_compile.targets import allowed_after
from qdesign.quantum.gatesets import build_gate_set
from qdesign.quantum.unitary import canonical_phase, haar_unitary
from qdesign.synthesis.mitm import get_solver


def observe(residual: np.ndarray, written: int, max_gates: int) -> np.ndarray:
    """The env's observation (``GateCompileEnv._obs``) for a Haar episode with ``written`` gates."""
    c = canonical_phase(residual)
    rem = (max_gates - written) / max_gates
    return np.clip(np.concatenate([c.real.ravel(), c.imag.ravel(), [rem]]), -1, 1).astype(np.float32)


def label_path(solver: Any, gs: Any, u: np.ndarray, eps: float, prefix: list[int], max_gates: int,
               whole_path: bool) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(obs, mask, optimal next gate) for the state after ``prefix`` (and, with ``whole_path``, every
    state along the optimal completion)."""
    r = u @ gs.word_unitary(prefix).conj().T
    sol = solver.solve(r, eps, extend=2)
    if sol is None or not sol.word:
        return []
    out, last = [], prefix[-1] if prefix else -1
    for j, a in enumerate(sol.word if whole_path else sol.word[:1]):
        out.append((observe(r, len(prefix) + j, max_gates), allowed_after(gs, last), int(a)))
        r = r @ gs.matrices[a].conj().T
        last = a
    return out


def fit(model: Any, data: list, epochs: int, lr: float, batch: int, seed: int) -> float:
    """Masked cross-entropy of the policy head on the labels; returns the final training accuracy."""
    obs = th.as_tensor(np.stack([d[0] for d in data]))
    masks = th.as_tensor(np.stack([d[1] for d in data]))
    acts = th.as_tensor(np.array([d[2] for d in data]))
    pol = model.policy
    opt = th.optim.Adam(pol.parameters(), lr=lr)
    gen = th.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = th.randperm(len(acts), generator=gen)
        for i in range(0, len(perm), batch):
            idx = perm[i:i + batch]
            dist = pol.get_distribution(obs[idx], action_masks=masks[idx].numpy())
            loss = -dist.log_prob(acts[idx]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    with th.no_grad():
        dist = pol.get_distribution(obs, action_masks=masks.numpy())
        return float((dist.distribution.probs.argmax(-1) == acts).float().mean())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gate-set", default="clifford_t")
    ap.add_argument("--eps", type=float, default=1e-2)
    ap.add_argument("--targets", type=int, default=3000, help="Haar targets for the optimal-path data")
    ap.add_argument("--dagger", type=int, default=2, help="DAgger rounds")
    ap.add_argument("--dagger-targets", type=int, default=1000)
    ap.add_argument("--dagger-steps", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--net", type=int, nargs="+", default=[256, 256, 256])
    ap.add_argument("--max-gates", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("gate_compile_distilled.zip"))
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    import torch

    torch.set_num_threads(1)  # small MLPs: intra-op threads only contend on a shared 2-core machine
    from sb3_contrib import MaskablePPO

    t0 = time.time()
    th.manual_seed(args.seed)
    gs = build_gate_set(args.gate_set)
    solver = get_solver(gs, None, args.eps)
    rng = np.random.default_rng(args.seed + 1000)  # disjoint from the benchmark seeds (1, 7, 19)
    env = GateCompileEnv(gate_set=args.gate_set, epsilon=args.eps, max_gates=args.max_gates, target="haar",
                         scramble_depth=0)
    model = MaskablePPO("MlpPolicy", env, seed=args.seed, device="cpu",
                        policy_kwargs={"net_arch": {"pi": list(args.net), "vf": [128, 128]}})
    data: list = []
    for _ in range(args.targets):
        data += label_path(solver, gs, haar_unitary(2, rng, special=True), args.eps, [], args.max_gates, True)
    log = {"optimal_path_states": len(data)}
    acc = fit(model, data, args.epochs, args.lr, 512, args.seed)
    log["rounds"] = [{"states": len(data), "train_accuracy": acc, "seconds": time.time() - t0}]
    print(log, flush=True)
    for _ in range(args.dagger):
        for _ in range(args.dagger_targets):
            u = haar_unitary(2, rng, special=True)
            word = rollout_word(model, u, gs, args.eps, args.max_gates, exact_gates=args.dagger_steps)
            for k in range(len(word)):
                data += label_path(solver, gs, u, args.eps, word[:k], args.max_gates, False)
        acc = fit(model, data, max(3, args.epochs // 2), args.lr / 2, 512, args.seed)
        log["rounds"].append({"states": len(data), "train_accuracy": acc, "seconds": time.time() - t0})
        print(log["rounds"][-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    log |= {"args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "wall_seconds": time.time() - t0}
    args.out.with_suffix(".log.json").write_text(json.dumps(log, indent=1))
    print(f"wrote {args.out} ({log['wall_seconds']:.0f} s)")
    return log


if __name__ == "__main__":
    main()
