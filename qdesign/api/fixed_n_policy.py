"""The n-preserving Tanner-graph policy: a trained ``FixedNReduceEnv`` policy as a code producer.

``reduce_weight(..., method="policy")`` runs it beside the seed-level policy (``seed_policy``) on codes
that fit its padding: the SeedReduce moves change the classical seed, so they cannot reach a code
whose size no hypergraph product has (Table I's [[58,16,3]](6,3) from HGP(Hamming [7,4])); this
policy edits the quantum code itself with row additions and distance-checked CNOTs
(``qdesign.envs.weight_reduce.fixed_n_env``), so n and k are kept and d stays >= ``d_min``.

A policy file whose settings say ``"arch": "equivariant"`` is a permutation-equivariant per-action
scorer (``qdesign.agents.equivariant_reduce.EquivariantActor``, trained from reward by
``experiments/weight_reduce/train_equivariant_policy.py``); relabelling qubits or checks relabels its
actions, so it acts the same on every relabelled copy of a code.

The shipped policy (``models/fixed_n_reduce_policy.npz`` + ``.json``) is the actor of a MaskablePPO
network (same ``ActorNet`` format as the seed-level policy: float32 arrays, no torch to run it),
trained by ``experiments/weight_reduce/train_fixed_n_policy.py`` (see its docstring: the network is
first fitted to a search trajectory, then fine-tuned by MaskablePPO; at inference no search runs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qdesign.api.seed_policy import MODELS, ActorNet, write_actor

SHIPPED_FIXED_N = MODELS / "fixed_n_reduce_policy.npz"
#: the permutation-equivariant policy trained from reward (pass it as ``fixed_n_policy=``; it reaches
#: the target in sampled rollouts, on relabelled copies too, while its greedy rollout stays at the seed)
SHIPPED_FIXED_N_EQUIVARIANT = MODELS / "fixed_n_equivariant_policy.npz"


@dataclass
class FixedNPolicy:
    """A masked actor and the ``FixedNReduceEnv`` settings (padding, episode length, d_min) it acts with."""

    policy: Any  # ActorNet (MLP over the flat observation) or EquivariantActor (per-action scorer)
    r_max: int
    n_max: int
    max_steps: int
    d_min: int
    name: str

    def fits(self, h_x: np.ndarray, h_z: np.ndarray) -> bool:
        """Whether the code fits this policy's padding (its observation and action sizes)."""
        return h_x.shape[1] <= self.n_max and max(h_x.shape[0], h_z.shape[0]) <= self.r_max

    def make_env(self, h_x: np.ndarray, h_z: np.ndarray, max_check_weight: int, max_qubit_degree: int,
                 d_min: int | None = None) -> Any:
        """A ``FixedNReduceEnv`` on (h_x, h_z) with this policy's padding and episode length."""
        from qdesign.envs.weight_reduce.fixed_n_env import FixedNReduceEnv

        return FixedNReduceEnv(h_x=h_x, h_z=h_z, max_check_weight=max_check_weight,
                               max_qubit_degree=max_qubit_degree,
                               d_min=self.d_min if d_min is None else d_min, max_steps=self.max_steps,
                               r_max=self.r_max, n_max=self.n_max)


def save_fixed_n_policy(model: Any, env: Any, path: str | Path, name: str,
                        extra: dict[str, Any] | None = None) -> Path:
    """Write the actor of a MaskablePPO ``model`` trained on ``FixedNReduceEnv`` ``env`` (``.npz`` float32
    weights + ``.json`` settings); returns the ``.npz`` path."""
    meta = {"name": name, "kind": "fixed_n", "r_max": int(env.R), "n_max": int(env.N),
            "max_steps": int(env.max_steps), "d_min": int(env.d_min), "target": [int(env.w), int(env.q)],
            **(extra or {})}
    return write_actor(model, path, meta)


@lru_cache(maxsize=4)
def _load(path: str) -> FixedNPolicy:
    meta_path = Path(path).with_suffix(".json")
    if not meta_path.is_file():
        raise ValueError(f"fixed_n_policy: {path} needs its settings file {meta_path.name} beside it")
    meta = json.loads(meta_path.read_text())
    if meta.get("kind") != "fixed_n":
        raise ValueError(f"fixed_n_policy: {path} is not an n-preserving (FixedNReduceEnv) policy")
    with np.load(path, allow_pickle=False) as z:
        n_layers = len([k for k in z.files if k.startswith("W")])
        layers = [(z[f"W{i}"], z[f"b{i}"]) for i in range(n_layers)]
        linear = (z["L0"], z["l0"]) if "L0" in z.files else None
    R, N = int(meta["r_max"]), int(meta["n_max"])
    if meta.get("arch") == "equivariant":
        from qdesign.agents.equivariant_reduce import EquivariantActor

        target = meta.get("target", [6, 3])
        actor = EquivariantActor(layers, R, N, int(target[0]), int(target[1]), linear=linear)
        return FixedNPolicy(actor, R, N, int(meta["max_steps"]), int(meta.get("d_min", 3)),
                            str(meta.get("name", Path(path).name)))
    if layers[0][0].shape[1] != 2 * R * N + 2 * R + 2 * N + 2 or layers[-1][0].shape[0] != 2 * R * R + N * N:
        raise ValueError(f"fixed_n_policy: {path} does not fit a {R} x {N} FixedNReduceEnv")
    return FixedNPolicy(ActorNet(layers, str(meta.get("activation", "Tanh"))), R, N, int(meta["max_steps"]),
                        int(meta.get("d_min", 3)), str(meta.get("name", Path(path).name)))


def load_fixed_n_policy(policy: str | Path | None = None) -> FixedNPolicy:
    """The shipped n-preserving policy (``None``) or one saved by ``save_fixed_n_policy`` (a ``.npz``
    with its ``.json``)."""
    if policy is None:
        return _load(str(SHIPPED_FIXED_N))
    if not isinstance(policy, (str, Path)):
        raise ValueError(f"fixed_n_policy must be None (the shipped policy), False or a path, "
                         f"got {type(policy).__name__}")
    p = Path(policy)
    if p.suffix != ".npz" or not p.is_file():
        raise ValueError(f"fixed_n_policy: no such .npz policy file {p}")
    return _load(str(p.resolve()))


def rollout(env: Any, actor: ActorNet | None, rng: np.random.Generator | None, seed: int = 0,
            uniform: bool = False) -> tuple[np.ndarray, np.ndarray, int, int]:
    """One masked rollout: greedy (``rng`` None), sampled from the actor, or (``uniform``) the random
    masked agent.  Returns the lowest-excess (h_x, h_z) visited, its excess and the step it was reached."""
    from qdesign.agents.rollout import masked_action

    obs, _ = env.reset(seed=seed)
    best = (env.h_x.copy(), env.h_z.copy(), int(env.excess), 0)
    done = False
    while not done:
        obs, _, term, trunc, _ = env.step(masked_action(actor, obs, env.action_masks(), rng, uniform))
        if env.excess < best[2]:
            best = (env.h_x.copy(), env.h_z.copy(), int(env.excess), int(env.steps))
        done = term or trunc
    return best


def fixed_n_codes(fp: FixedNPolicy, h_x: np.ndarray, h_z: np.ndarray, w: int, q: int, d_min: int,
                  samples: int = 0, seed: int = 0,
                  uniform: bool = False) -> tuple[np.ndarray, np.ndarray, int, dict[str, Any]]:
    """Lowest-excess code the n-preserving policy reaches from (h_x, h_z): one greedy rollout plus
    ``samples`` sampled ones (seeded by ``seed``); ``uniform=True``: the random masked agent with
    ``samples`` rollouts instead.  Returns (h_x, h_z, excess, details); no search is involved."""
    if not fp.fits(h_x, h_z):
        raise ValueError(f"fixed_n_policy acts on codes of at most {fp.r_max} checks per type on "
                         f"{fp.n_max} qubits; this code has {max(h_x.shape[0], h_z.shape[0])} on "
                         f"{h_x.shape[1]}")
    env = fp.make_env(h_x, h_z, w, q, d_min)
    if hasattr(fp.policy, "configure"):  # the equivariant actor measures violations against (w, q)
        fp.policy.configure(w, q)
    rng = np.random.default_rng(seed)
    runs = []
    if not uniform:
        runs.append(("greedy", *rollout(env, fp.policy, None, seed)))
    for i in range(samples):
        runs.append((f"sample {i}", *rollout(env, fp.policy, rng, seed + i, uniform=uniform)))
    if not runs:
        raise ValueError("samples must be >= 1 for the random masked agent")
    label, hx, hz, ex, step = min(runs, key=lambda r: (r[3], r[4]))
    details = {"engine": "random masked agent (n-preserving moves)" if uniform else "fixed-n policy",
               "search": False, "policy": fp.name, "samples": int(samples), "rollouts": len(runs),
               "best_rollout": label, "excess": int(ex), "reached_at_step": int(step),
               "rollouts_meeting_target": int(sum(r[3] == 0 for r in runs)), "max_steps": fp.max_steps,
               "d_min": int(d_min)}
    if not uniform:
        details["greedy"] = {"excess": int(runs[0][3]), "met_target": bool(runs[0][3] == 0)}
    return hx, hz, int(ex), details
