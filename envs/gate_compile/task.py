"""The ``gate-compile`` training task: an SB3 agent builds gate words under a scramble-depth curriculum.

``summarize`` writes the compiled words of the latest successful episodes as OpenQASM 3 files
(``compiled/*.qasm``, re-checked with qiskit's ``Operator`` against the word's own unitary) and measures
the trained policy plus the search finisher on held-out Haar targets (``agent_finisher``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from qdesign.config import CurriculumConfig, TrainConfig
from qdesign.tasks import Task


class GateCompileTask(Task):
    name = "gate-compile"
    description = "gate compilation: approximate a unitary with a Clifford+T / HRC word (Chen et al. 2022)"

    def default_config(self) -> TrainConfig:
        return TrainConfig(
            task=self.name,
            env_id="qdesign/GateCompile-CliffordT1q-v0",
            env_kwargs={"scramble_depth": 2},
            agent="maskable_ppo",
            agent_kwargs={"learning_rate": 3e-4, "n_steps": 512, "batch_size": 256, "gamma": 0.99,
                          "ent_coef": 0.01, "policy_kwargs": {"net_arch": [128, 128]}},
            total_timesteps=60_000,
            seed=0,
            n_envs=4,
            curriculum=CurriculumConfig(name="scramble_depth",
                                        kwargs={"start": 2, "max_depth": 30, "window": 100,
                                                "threshold": 0.85}),
            eval_episodes=20,
            progress_bar=True,
        )

    def episode_record(self, info: dict[str, Any]) -> dict[str, Any]:
        rec = {k: v for k, v in info.items() if isinstance(v, (bool, int, float, str))}
        if "word" in info:
            rec["word"] = [int(a) for a in info["word"]]
        return rec

    def summarize(self, run_dir: Path, config: TrainConfig, episodes: list[dict[str, Any]],
                  model: Any) -> dict[str, Any]:
        from qiskit import qasm3
        from qiskit.quantum_info import Operator

        from qdesign.training import make_env

        run_dir = Path(run_dir)
        env = make_env(config).unwrapped
        gs, eps = env.gs, env.epsilon
        out: dict[str, Any] = {"episodes_recorded": len(episodes)}
        if episodes:
            tail = episodes[-200:]
            out["success_rate_last200"] = float(np.mean([bool(e.get("is_success")) for e in tail]))
            out["max_scramble_depth_solved"] = max(
                (int(e.get("scramble_depth", -1)) for e in episodes if e.get("is_success")), default=None)
        wins = [e for e in episodes if e.get("is_success") and "word" in e][-20:]
        folder = run_dir / "compiled"
        folder.mkdir(exist_ok=True)
        index = []
        for i, e in enumerate(wins):
            qc = gs.to_circuit(e["word"])
            assert np.allclose(Operator(qc).data, gs.word_unitary(e["word"]), atol=1e-9)
            name = f"episode{e.get('episode', i)}.qasm"
            try:
                (folder / name).write_text(qasm3.dumps(qc))
            except Exception as err:  # custom gates may not export; never lose the summary
                out["qasm_error"] = str(err)
                break
            index.append({"file": name, "sequence": e.get("sequence"), "distance": e.get("distance"),
                          "scramble_depth": e.get("scramble_depth")})
        (folder / "index.json").write_text(json.dumps(index, indent=1))
        out["compiled_qasm"] = f"compiled/ ({len(index)} files)"
        if model is not None and gs.num_qubits == 1:
            out["agent_finisher"] = agent_plus_finisher(model, gs, eps, n_targets=10, seed=12345)
        return out


    def bench(self, out_dir: Path, quick: bool = False) -> dict[str, Any]:
        """``experiments/bench/gate_compile.py`` (quick: 20 targets, Clifford+T and HRC6 at 1e-2)."""
        out = Path(out_dir) / "gate_compile.json"
        quick_args = ["--targets", "20", "--gate-sets", "clifford_t", "hrc6"]
        return self.bench_script("gate_compile.py").main(["--out", str(out)] + (quick_args if quick else []))


def agent_plus_finisher(model: Any, gs: Any, epsilon: float, n_targets: int = 10, seed: int = 0,
                        time_limit: float = 10.0) -> dict[str, Any]:
    """Greedy policy word on Haar targets, completed by the BWQS + MITM finisher."""
    from qdesign.agents.search.agent_compile import rollout_word
    from qdesign.agents.search.bwqs import finish_word
    from qdesign.quantum.unitary import haar_unitary

    rng = np.random.default_rng(seed)
    lens, prefix_lens, ok, secs = [], [], 0, []
    for _ in range(n_targets):
        u = haar_unitary(gs.dim, rng, special=True)
        t0 = time.time()
        prefix = rollout_word(model, u, gs, epsilon)
        res = finish_word(prefix, u, gs, epsilon, time_limit=time_limit)
        secs.append(time.time() - t0)
        if res.word is not None and res.distance <= epsilon:
            ok += 1
            lens.append(len(res.word))
            prefix_lens.append(len(prefix))
    return {"targets": n_targets, "epsilon": epsilon, "success_rate": ok / n_targets,
            "mean_length": float(np.mean(lens)) if lens else None,
            "mean_policy_prefix": float(np.mean(prefix_lens)) if prefix_lens else None,
            "mean_seconds": float(np.mean(secs))}


TASK = GateCompileTask()
