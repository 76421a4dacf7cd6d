"""Write the episode pictures of the docs (``docs/img/*.png``) from the envs' own ``rgb_array`` frames.

    python docs/make_frames.py

Illustrations of what ``render_mode="rgb_array"`` shows, not a trained agent's results: architecture
search and seed reduction play a one-step greedy policy over the masked actions (the action whose next
state scores best); gate compilation replays ``compile_unitary(..., method="optimal")``'s word for a
Haar-random target; the Tanner-graph picture is the start state, violations included. Seeds are fixed.
"""

from __future__ import annotations

import copy
from pathlib import Path

import gymnasium as gym
import numpy as np
from PIL import Image

import qdesign  # noqa: F401  (registers the ids)

OUT = Path(__file__).resolve().parent / "img"
#: env id, kwargs, steps, score of the info after a step (lower is better)
EPISODES = [
    ("qdesign/ArchSearch-H2-2q-v0", {}, 6, lambda info: info["error"]),
    ("qdesign/WeightReduce-v0", {}, 0, None),
    ("qdesign/SeedReduce-Hamming-v0", {}, 6, lambda info: (info["w"] + info["q"], -info["d"])),
]


def greedy_episode(env_id: str, kwargs: dict, steps: int, score) -> np.ndarray:
    env = gym.make(env_id, render_mode="rgb_array", **kwargs).unwrapped
    env.reset(seed=0)
    for _ in range(steps):
        best = None
        for a in np.flatnonzero(env.action_masks())[:200]:
            trial = copy.deepcopy(env)
            _, _, terminated, _, info = trial.step(int(a))
            key = score(info)
            if best is None or key < best[0]:
                best = (key, int(a))
        _, _, terminated, truncated, _ = env.step(best[1])
        if terminated or truncated:
            break
    return env.render()


def compiled_episode(env_id: str, seed: int = 3) -> np.ndarray:
    """Replay the optimal word for a Haar-random target, gate by gate."""
    from qiskit.quantum_info import random_unitary

    env = gym.make(env_id, render_mode="rgb_array").unwrapped
    target = random_unitary(2, seed=seed).data
    env.reset(seed=0, options={"target": target})
    circuit = qdesign.compile_unitary(target, gate_set="clifford_t", epsilon=env.epsilon, method="optimal")
    for instruction in circuit.data:
        env.step(env.gs.labels.index(instruction.operation.name))
    return env.render()


def main() -> None:
    OUT.mkdir(exist_ok=True)
    episodes = [*EPISODES, ("qdesign/GateCompile-CliffordT1q-v0", None, None, None)]
    for env_id, kwargs, steps, score in episodes:
        frame = compiled_episode(env_id) if kwargs is None else greedy_episode(env_id, kwargs, steps, score)
        name = env_id.split("/")[1].removesuffix("-v0").lower() + ".png"
        Image.fromarray(frame).save(OUT / name, optimize=True)
        print("wrote", OUT / name, frame.shape)


if __name__ == "__main__":
    main()
