"""The ``clifford-synth`` training task: MaskablePPO reduces Clifford tableaux under a scramble-depth
curriculum; the trained policy and value then guide the search of ``compile_unitary(..., gate_set=
"clifford", method="agent:<path>")``.

``summarize`` reports the success rate, the deepest scramble solved and, with a model, the greedy
policy alone on held-out uniformly random Cliffords (CX count against qiskit's greedy synthesis).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from qdesign.agents.protocol import Agent
from qdesign.config import CurriculumConfig, TrainConfig
from qdesign.tasks.base import Task


class CliffordSynthTask(Task):
    """``qdesign train clifford-synth``: masked PPO under the scramble-depth curriculum."""

    name = "clifford-synth"
    description = "Clifford synthesis: reduce an n-qubit Clifford tableau with few CX (h, s, cx all pairs)"

    def default_config(self) -> TrainConfig:
        """Three qubits, masked PPO from one-CX scrambles: a run of minutes."""
        return TrainConfig(
            task=self.name,
            env_id="qdesign/CliffordSynth-3q-v0",
            env_kwargs={"scramble_depth": 1},
            agent="maskable_ppo",
            agent_kwargs={"learning_rate": 3e-4, "n_steps": 256, "batch_size": 256, "gamma": 0.995,
                          "ent_coef": 0.01, "policy_kwargs": {"net_arch": [256, 256]}},
            total_timesteps=50_000,
            seed=0,
            n_envs=4,
            curriculum=CurriculumConfig(name="scramble_depth",
                                        kwargs={"start": 1, "max_depth": 30, "window": 100,
                                                "threshold": 0.8}),
            eval_episodes=20,
            progress_bar=True,
        )

    def summarize(self, run_dir: Path, config: TrainConfig, episodes: list[dict[str, Any]],
                  model: Agent | None) -> dict[str, Any]:
        """Success rate, deepest scramble solved, and the policy alone on random Cliffords."""
        out: dict[str, Any] = {"episodes_recorded": len(episodes)}
        if episodes:
            tail = episodes[-200:]
            out["success_rate_last200"] = float(np.mean([bool(e.get("is_success")) for e in tail]))
            out["max_scramble_depth_solved"] = max(
                (int(e.get("scramble_depth", -1)) for e in episodes if e.get("is_success")), default=None)
        if model is not None:
            from qdesign.api.clifford import policy_rollout_stats

            n = int(config.env_kwargs.get("num_qubits", 0)) or _qubits_of(config.env_id)
            out["policy_on_random_cliffords"] = policy_rollout_stats(model, n, n_targets=20, seed=777)
        return out

    def bench_commands(self, out_dir: Path, quick: bool = False) -> list[list[str]]:
        """``experiments/bench/clifford_synth.py`` (quick: 5 Cliffords on 3 and 4 qubits)."""
        quick_args = ["--targets", "5", "--qubits", "3", "4"]
        return [["clifford_synth.py", "--out", str(Path(out_dir) / "clifford_synth.json")]
                + (quick_args if quick else [])]


def _qubits_of(env_id: str) -> int:
    """The qubit count in ``qdesign/CliffordSynth-<n>q-v0``."""
    return int(env_id.rsplit("-", 2)[-2].removesuffix("q"))


TASK = CliffordSynthTask()
