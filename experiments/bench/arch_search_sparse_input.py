"""Is an index-based first layer cheaper than the dense one on the one-hot circuit tensor? (issue 13 item 4)

The arch-search observation is the CRLQAS circuit tensor (arXiv:2402.13754, Sec. 3), flattened: 1120
one-hot entries on LiH-4 (40 moments x 7 rows x 4 qubits, at most one entry per gate) plus two energy
features. A dense ``nn.Linear(1122, 256)`` spends almost all its multiply-adds on zeros, so the same
product taken over the nonzero entries only (``F.embedding_bag`` on the transposed weight, the input
values as per-sample weights, indices found with numpy) does ~25x fewer multiply-adds.

This script takes real observations from random masked LiH-4 episodes, checks that both layers give
the same outputs and weight gradients (float summation order only), and times them side by side in
one process, interleaved, on one torch thread (the trainer's setting): the forward pass alone (batch 1:
acting; batch 64: a replay batch) and forward + backward (batch 64: the gradient update). It writes
``experiments/bench/results/arch_search_sparse_input.json``.

Run: ``python experiments/bench/arch_search_sparse_input.py [--repeats N] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch as th
from torch.nn import functional as F

import qdesign  # noqa: F401  (registers the ids)
from qdesign.runs import atomic_write_json

ENV_ID = "qdesign/ArchSearch-LiH4-v0"


class EmbeddingBagLinear(th.nn.Module):
    """``x @ W.T + b`` from the nonzero entries of ``x`` (weight stored as ``(in, out)``)."""

    def __init__(self, linear: th.nn.Linear) -> None:
        super().__init__()
        self.weight = th.nn.Parameter(linear.weight.detach().t().contiguous())
        self.bias = th.nn.Parameter(linear.bias.detach().clone())

    def forward(self, x: th.Tensor) -> th.Tensor:
        xn = x.numpy()
        rows, cols = np.nonzero(xn)
        offsets = np.searchsorted(rows, np.arange(xn.shape[0]))
        return F.embedding_bag(th.from_numpy(cols), self.weight, th.from_numpy(offsets), mode="sum",
                               per_sample_weights=th.from_numpy(xn[rows, cols])) + self.bias


def observations(n: int, seed: int) -> np.ndarray:
    """``n`` observations from random masked episodes (what the replay buffer holds early on)."""
    env = gym.make(ENV_ID, optimizer="adjoint_bfgs", max_gates=40)
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    out = []
    while len(out) < n:
        a = int(rng.choice(np.flatnonzero(env.unwrapped.action_masks())))
        obs, _, term, trunc, _ = env.step(a)
        out.append(obs)
        if term or trunc:
            obs, _ = env.reset()
    return np.asarray(out, dtype=np.float32)


def timed(fn, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return 1e3 * (time.perf_counter() - t0) / n


def main(repeats: int = 7, calls: int = 200, seed: int = 0, out: Path | None = None) -> dict:
    th.set_num_threads(1)
    th.manual_seed(seed)
    pool = observations(640, seed)
    rng = np.random.default_rng(seed)
    batch = th.from_numpy(pool[rng.choice(len(pool), 64, replace=False)])
    one = th.from_numpy(pool[:1])
    dense = th.nn.Linear(pool.shape[1], 256)
    sparse = EmbeddingBagLinear(dense)
    # equality: outputs and weight gradients of the same loss
    g = th.randn(64, 256)
    (dense(batch) * g).sum().backward()
    (sparse(batch) * g).sum().backward()
    with th.no_grad():
        out_diff = float((dense(batch) - sparse(batch)).abs().max())
    grad_diff = float((dense.weight.grad.t() - sparse.weight.grad).abs().max())
    cases = {"forward_batch1": (one, False), "forward_batch64": (batch, False),
             "forward_backward_batch64": (batch, True)}
    times: dict[str, dict[str, list[float]]] = {c: {"dense": [], "embedding_bag": []} for c in cases}
    for _ in range(repeats):  # interleaved, so load from other processes hits both alike
        for case, (x, backward) in cases.items():
            for name, layer in (("dense", dense), ("embedding_bag", sparse)):
                if backward:
                    def fn(layer=layer, x=x):
                        layer(x).sum().backward()
                else:
                    def fn(layer=layer, x=x):
                        with th.no_grad():
                            layer(x)
                times[case][name].append(timed(fn, calls))
    rows = []
    for case, t in times.items():
        d, s = float(np.median(t["dense"])), float(np.median(t["embedding_bag"]))
        rows.append({"case": case, "dense_ms": d, "embedding_bag_ms": s, "speedup": d / s})
    nnz = float((pool[:, :-2] != 0).sum(1).mean())
    print(f"observations: {pool.shape[1]} entries, {nnz:.1f} one-hot entries set on average; "
          f"max |out diff| {out_diff:.1e}, max |grad diff| {grad_diff:.1e}")
    print(f"{'case':26s} {'dense ms':>9s} {'emb-bag ms':>10s} {'speedup':>8s}")
    for r in rows:
        print(f"{r['case']:26s} {r['dense_ms']:9.3f} {r['embedding_bag_ms']:10.3f} {r['speedup']:8.2f}")
    cols = ["case", "dense_ms", "embedding_bag_ms", "speedup"]
    result = {"env_id": ENV_ID, "seed": seed, "seeds": [seed], "obs_size": int(pool.shape[1]),
              "mean_nonzeros": nnz, "max_abs_output_diff": out_diff, "max_abs_weight_grad_diff": grad_diff,
              "repeats": repeats, "calls_per_repeat": calls, "torch_threads": 1, "rows": rows,
              "tables": [{"title": "First layer 1122 -> 256 on LiH-4 observations: dense Linear vs "
                                   "embedding-bag over the nonzero entries (median ms per call, one torch "
                                   "thread, interleaved in one process)",
                          "columns": cols, "rows": [[r[c] for c in cols] for r in rows]}]}
    if out is not None:
        atomic_write_json(out / "arch_search_sparse_input.json", result)
    return result


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = p.parse_args()
    main(args.repeats, args.calls, args.seed, args.out)
