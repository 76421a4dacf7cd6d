"""A trained SeedReduce policy as a code producer: loading (shipped default or a path) and rollouts.

``reduce_weight(..., method="policy")`` uses what is here: the policy alone (greedy, plus
``samples`` rollouts sampled from its masked distribution with a seeded generator), no search; and
``seed_policy_prior`` turns the same policy into the ``prior`` callable that orders the beam search's
expansions (``qdesign.reduction.beam``), so the reduction layer never imports agents or envs.

The shipped policy (``models/seed_reduce_policy.npz`` + ``.json``) is the actor of a MaskablePPO
network as float32 arrays (``np.load(allow_pickle=False)``: no pickled code, no torch needed to
run it) and the env settings it was trained with; it was trained by
``experiments/configs/weight_reduce/policy.yaml`` and exported by
``experiments/weight_reduce/export_policy.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODELS = Path(__file__).parent / "models"
SHIPPED = MODELS / "seed_reduce_policy.npz"


class ActorNet:
    """The actor of a MaskablePPO MLP policy in numpy: Flatten -> (Linear, activation)* -> Linear
    logits, then the mask and a softmax (what sb3-contrib's masked categorical does).  Inference
    needs no torch, so the shipped policy loads in milliseconds."""

    ACTIVATIONS = {"Tanh": np.tanh, "ReLU": lambda x: np.maximum(x, 0.0)}

    def __init__(self, layers: list[tuple[np.ndarray, np.ndarray]], activation: str = "Tanh") -> None:
        if activation not in self.ACTIVATIONS:
            raise ValueError(f"policy: activation {activation!r} not supported; "
                             f"one of {list(self.ACTIVATIONS)}")
        self.layers = [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)) for W, b in layers]
        self.activation = activation

    @classmethod
    def from_state_dict(cls, sd: dict[str, Any], activation: str) -> ActorNet:
        """From a MaskableActorCriticPolicy ``state_dict`` (tensors or arrays)."""
        arr = {k: np.asarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v) for k, v in sd.items()}
        idx = sorted({int(k.split(".")[2]) for k in arr if k.startswith("mlp_extractor.policy_net.")})
        layers = [(arr[f"mlp_extractor.policy_net.{i}.weight"], arr[f"mlp_extractor.policy_net.{i}.bias"])
                  for i in idx]
        layers.append((arr["action_net.weight"], arr["action_net.bias"]))
        return cls(layers, activation)

    def arrays(self) -> dict[str, np.ndarray]:
        """The weights as named float32 arrays (the shipped ``.npz``)."""
        out = {}
        for i, (W, b) in enumerate(self.layers):
            out[f"W{i}"], out[f"b{i}"] = W.astype(np.float32), b.astype(np.float32)
        return out

    def action_probabilities(self, obs: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Masked action distribution at ``obs`` (float64, zero on masked actions, sums to 1)."""
        x = np.asarray(obs, dtype=np.float64).ravel()
        act = self.ACTIVATIONS[self.activation]
        for W, b in self.layers[:-1]:
            x = act(W @ x + b)
        W, b = self.layers[-1]
        logits = W @ x + b
        mask = np.asarray(mask, dtype=bool)
        logits = np.where(mask, logits, -np.inf)
        z = np.exp(logits - logits[mask].max())
        return z / z.sum()

    def predict(self, observation: np.ndarray, state: Any = None, episode_start: Any = None,
                deterministic: bool = True,
                action_masks: np.ndarray | None = None) -> tuple[np.ndarray, None]:
        """SB3's ``predict`` surface (greedy; pass ``action_masks``)."""
        mask = np.ones(self.layers[-1][1].size, dtype=bool) if action_masks is None else action_masks
        return np.asarray(int(self.action_probabilities(observation, mask).argmax())), None


@dataclass
class SeedPolicy:
    """A masked actor (``ActorNet``) and the SeedReduce padding (``r_max`` x ``n_max``) it acts on."""

    policy: ActorNet
    r_max: int
    n_max: int
    max_steps: int
    name: str
    env_kwargs: dict[str, Any]

    def make_env(self, max_check_weight: int, max_qubit_degree: int) -> Any:
        """A SeedReduce env with this policy's padding and episode length for the given target."""
        from qdesign.envs.weight_reduce.seed_env import SeedReduceEnv

        kw = {k: v for k, v in self.env_kwargs.items()
              if k in ("reward_mode", "d_credit", "reward_weights", "success_bonus", "k_penalty")}
        return SeedReduceEnv(seeds="7,4", r_max=self.r_max, n_max=self.n_max, max_steps=self.max_steps,
                             max_check_weight=max_check_weight, max_qubit_degree=max_qubit_degree, **kw)


def _dims_from_spaces(obs_dim: int, n_actions: int) -> tuple[int, int]:
    """(r_max, n_max) of a SeedReduce env from its observation and action sizes: obs = R*N + 7,
    actions = R*N + R*R + R + N + 1 (two solutions can fit, e.g. 13 x 15 and 1 x 195: the one with
    more rows is taken, a one-row seed being no code to reduce)."""
    rn = obs_dim - 7
    for R in range(rn, 1, -1):
        if rn % R == 0 and R * R + R + rn // R + 1 == n_actions - rn:
            return R, rn // R
    raise ValueError(f"policy: observation size {obs_dim} and {n_actions} actions are not a SeedReduce "
                     f"env's (obs = r_max*n_max + 7, actions = r_max*n_max + r_max^2 + r_max + n_max + 1)")


@lru_cache(maxsize=4)
def _load_npz_policy(path: str) -> SeedPolicy:
    meta_path = Path(path).with_suffix(".json")
    if not meta_path.is_file():
        raise ValueError(f"policy: {path} needs its settings file {meta_path.name} beside it")
    meta = json.loads(meta_path.read_text())
    with np.load(path, allow_pickle=False) as z:
        n_layers = len([k for k in z.files if k.startswith("W")])
        layers = [(z[f"W{i}"], z[f"b{i}"]) for i in range(n_layers)]
    R, N = int(meta["r_max"]), int(meta["n_max"])
    if layers[0][0].shape[1] != R * N + 7 or layers[-1][0].shape[0] != _n_actions(R, N):
        raise ValueError(f"policy: {path} does not fit a {R} x {N} SeedReduce env")
    return SeedPolicy(ActorNet(layers, str(meta.get("activation", "Tanh"))), R, N, int(meta["max_steps"]),
                      str(meta.get("name", Path(path).name)), dict(meta.get("env_kwargs", {})))


def _n_actions(R: int, N: int) -> int:
    return R * N + R * R + R + N + 1


@lru_cache(maxsize=4)
def _load_sb3_policy(path: str, env_kwargs_json: str) -> SeedPolicy:
    from sb3_contrib import MaskablePPO

    model = MaskablePPO.load(path, device="cpu")
    obs_space: Any = model.observation_space
    act_space: Any = model.action_space
    obs_dim = int(np.prod(obs_space.shape))
    R, N = _dims_from_spaces(obs_dim, int(act_space.n))
    env_kwargs = json.loads(env_kwargs_json)
    actor = ActorNet.from_state_dict(model.policy.state_dict(), model.policy.activation_fn.__name__)
    return SeedPolicy(actor, R, N, int(env_kwargs.get("max_steps", 40)), path, env_kwargs)


def load_seed_policy(policy: str | Path | None = None) -> SeedPolicy:
    """The shipped policy (``None``), or one from ``policy``: a ``.npz`` with its ``.json`` settings
    (this module's format), a MaskablePPO ``.zip`` trained on a SeedReduce env, or a ``qdesign
    train`` run folder (its ``model.zip`` and ``config.yaml``).  Loaded once per path."""
    if policy is None:
        return _load_npz_policy(str(SHIPPED))
    if not isinstance(policy, (str, Path)):
        raise ValueError(f"policy must be None (the shipped policy) or a path, got {type(policy).__name__}")
    p = Path(policy)
    env_kwargs: dict[str, Any] = {}
    if p.is_dir():
        cfg = p / "config.yaml"
        if cfg.is_file():
            import yaml

            env_kwargs = dict((yaml.safe_load(cfg.read_text()) or {}).get("env_kwargs") or {})
        p = p / "model.zip"
    if not p.is_file():
        raise ValueError(f"policy: no such file {p}")
    if p.suffix == ".npz":
        return _load_npz_policy(str(p.resolve()))
    if p.suffix == ".zip":
        return _load_sb3_policy(str(p.resolve()), json.dumps(env_kwargs, sort_keys=True))
    raise ValueError(f"policy: {p} is neither a .npz policy, a MaskablePPO .zip nor a run folder")


def save_seed_policy(model: Any, env: Any, path: str | Path, name: str,
                     env_kwargs: dict[str, Any] | None = None) -> Path:
    """Write the actor of a MaskablePPO ``model`` trained on SeedReduce ``env`` in the shipped format
    (``.npz`` float32 weights + ``.json`` settings); returns the ``.npz`` path."""
    meta = {"name": name, "r_max": int(env.r_max), "n_max": int(env.n_max), "max_steps": int(env.max_steps),
            "env_kwargs": dict(env_kwargs or {}), "trained_on": list(env.seeds),
            "target": [int(env.max_check_weight), int(env.max_qubit_degree)]}
    return write_actor(model, path, meta)


def write_actor(model: Any, path: str | Path, meta: dict[str, Any]) -> Path:
    """Write a MaskablePPO ``model``'s actor as the shipped pair: ``.npz`` float32 weights and a ``.json``
    of ``meta`` plus the network's ``activation`` and ``net_arch``; returns the ``.npz`` path."""
    path = Path(path).with_suffix(".npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    activation = model.policy.activation_fn.__name__
    actor = ActorNet.from_state_dict(model.policy.state_dict(), activation)
    arrays: dict[str, Any] = actor.arrays()
    np.savez_compressed(path, **arrays)
    meta = {**meta, "activation": activation, "net_arch": (model.policy_kwargs or {}).get("net_arch")}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    return path


def policy_codes(sp: SeedPolicy, H: np.ndarray, w: int, q: int, d_goal: int, samples: int = 0,
                 seed: int = 0, uniform: bool = False) -> tuple[np.ndarray, dict[str, Any], dict[str, Any]]:
    """Best seed found by the policy alone from ``H``: one greedy rollout plus ``samples`` rollouts
    sampled from its masked distribution (seeded by ``seed``); ``uniform=True`` replaces the policy by
    the random masked agent with the same budget (greedy rollout skipped, ``samples`` rollouts).
    Returns (H, score, details); no search is involved."""
    from qdesign.agents.rollout import sampled_policy_rollout

    if H.shape[0] > sp.r_max or H.shape[1] > sp.n_max:
        raise ValueError(f"method='policy': the policy acts on seeds of at most {sp.r_max} x {sp.n_max} "
                         f"(rows x bits); this code's seed is {H.shape[0]} x {H.shape[1]} "
                         f"(use method='rl', or policy= trained on larger seeds)")
    env = sp.make_env(w, q)
    options = {"start": np.asarray(H, dtype=np.uint8), "d_target": int(d_goal)}
    rng = np.random.default_rng(seed)
    runs: list[tuple[str, np.ndarray, dict]] = []
    if not uniform:
        Hg, sg = sampled_policy_rollout(env, sp.policy, None, seed=seed, options=options)
        runs.append(("greedy", Hg, sg))
    for i in range(samples):
        Hs, ss = sampled_policy_rollout(env, sp.policy, rng, seed=seed + i, options=options, uniform=uniform)
        runs.append((f"sample {i}", Hs, ss))
    if not runs:
        raise ValueError("samples must be >= 1 for the random masked agent")
    goal = env.goal
    label, Hb, sb = min(runs, key=lambda r: goal.key(r[2], r[1]))
    met = [goal.met(r[2]) for r in runs]
    details = {"engine": "random masked agent" if uniform else "policy", "search": False,
               "policy": sp.name, "samples": int(samples), "rollouts": len(runs), "best_rollout": label,
               "rollouts_meeting_target": int(sum(met)), "max_steps": sp.max_steps}
    if not uniform:
        details["greedy"] = {"n": int(runs[0][2]["n"]), "met_target": bool(met[0])}
    return Hb, sb, details


def seed_policy_prior(sp: SeedPolicy, H0: np.ndarray, w: int, q: int, d_goal: int) -> tuple[Any, Any]:
    """(prior, moves): a callable H -> the policy's action probabilities on seed H (episode started at
    ``H0``), and the ``SeedMoves`` its indices refer to; pass both to ``beam_search``."""
    from qdesign.agents.rollout import action_probabilities

    env = sp.make_env(w, q)
    env.reset(seed=0, options={"start": np.asarray(H0, dtype=np.uint8), "d_target": int(d_goal)})

    def prior(H: np.ndarray) -> np.ndarray:
        obs = env.observe(H)
        return action_probabilities(sp.policy, obs, env.moves.masks(H, env.max_qubit_degree))

    return prior, env.moves
