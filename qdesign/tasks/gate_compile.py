"""The ``gate-compile`` training task: an SB3 agent builds gate words under a scramble-depth curriculum.

``summarize`` writes the compiled words of the latest successful episodes as OpenQASM 3 files
(``compiled/*.qasm``, re-checked with qiskit's ``Operator`` against the word's own unitary) and measures
the trained policy plus the search finisher on held-out Haar targets (``agent_finisher``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from qdesign.agents.protocol import Agent
from qdesign.config import CurriculumConfig, TrainConfig
from qdesign.tasks.base import Task


class GateCompileTask(Task):
    """``qdesign train gate-compile``: MaskablePPO under the scramble-depth curriculum; words saved."""

    name = "gate-compile"
    description = "gate compilation: approximate a unitary with a Clifford+T / HRC word (Chen et al. 2022)"

    def default_config(self) -> TrainConfig:
        """One-qubit Clifford+T with masked PPO from short scrambles: a run of minutes."""
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
        """Scalar info fields plus the compiled word, so each circuit can be written as QASM."""
        rec = {k: v for k, v in info.items() if isinstance(v, (bool, int, float, str))}
        if "word" in info:
            rec["word"] = [int(a) for a in info["word"]]
        return rec

    def summarize(self, run_dir: Path, config: TrainConfig, episodes: list[dict[str, Any]],
                  model: Agent | None) -> dict[str, Any]:
        """Success rate and deepest scramble solved; writes the compiled words as QASM and, with a model,
        scores the agent plus exact finisher."""
        from qiskit import qasm3
        from qiskit.quantum_info import Operator

        from qdesign.rollouts import make_env

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


    def add_commands(self, sub: Any) -> None:
        """``qdesign train-costtogo GATE_SET``: the A* heuristic this family trains outside SB3."""
        from qdesign.quantum.gatesets import BUILTIN_GATE_SETS

        p = sub.add_parser("train-costtogo",
                           help="train a cost-to-go model (the A* heuristic) for a gate set")
        p.add_argument("gate_set", help=" | ".join(BUILTIN_GATE_SETS))
        p.add_argument("--labels", choices=["bellman", "exact"], default="bellman",
                       help="bellman: DeepCubeA value iteration on scrambles; exact (one qubit): fit "
                            "the exact optimal child costs of generic residuals")
        p.add_argument("--epsilon", type=float, default=1e-2)
        p.add_argument("--minutes", type=float, default=2.0, help="training budget (exact: fitting time)")
        p.add_argument("--samples", type=int, default=20_000, help="--labels exact: labelled residuals")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--out", help="model file (default: runs/costtogo/ctg_<gate_set>.pt)")
        p.set_defaults(func=cmd_train_costtogo)

        p = sub.add_parser("prebuild-tables",
                           help="build and cache the exact one-qubit tables and their search trees "
                                "(once, ~1 min), so short time limits reach the optimum")
        p.add_argument("gate_sets", nargs="*", default=["clifford_t"], metavar="GATE_SET",
                       help="one-qubit gate sets (default: clifford_t); cache folder: $QDESIGN_CACHE "
                            "or ~/.cache/qdesign")
        p.add_argument("--epsilon", type=float, nargs="+", default=[1e-2, 1e-3],
                       help="precisions whose tables to build (default covers both Clifford+T sizes)")
        p.add_argument("--depth", type=int, help="one explicit table depth instead of the defaults")
        p.set_defaults(func=cmd_prebuild_tables)

    def bench_commands(self, out_dir: Path, quick: bool = False) -> list[list[str]]:
        """``experiments/bench/gate_compile.py`` (quick: 20 targets, Clifford+T and HRC6 at 1e-2)."""
        quick_args = ["--targets", "20", "--gate-sets", "clifford_t", "hrc6"]
        return [["gate_compile.py", "--out", str(Path(out_dir) / "gate_compile.json")]
                + (quick_args if quick else [])]


def agent_plus_finisher(model: Any, gs: Any, epsilon: float, n_targets: int = 10, seed: int = 0,
                        time_limit: float = 10.0) -> dict[str, Any]:
    """Greedy policy word on Haar targets, completed by the BWQS + MITM finisher."""
    from qdesign.api.agent_compile import rollout_word
    from qdesign.quantum.unitary import haar_unitary
    from qdesign.synthesis.bwqs import finish_word

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


def cmd_prebuild_tables(args: argparse.Namespace) -> int:
    """``qdesign prebuild-tables``: tables and KD-trees of the exact one-qubit solver, cached on disk."""
    from qdesign.synthesis.mitm import prebuild

    for gs in args.gate_sets:
        for row in prebuild(gs, tuple(args.epsilon), depth=args.depth):
            print(f"{row['gate_set']}: depth {row['depth']}, {row['elements']} elements, "
                  f"{row['seconds']:.1f} s -> {row['trees']}")
    return 0


def cmd_train_costtogo(args: argparse.Namespace) -> int:
    """Train a cost-to-go model for ``astar`` (the script ``experiments/gate_compile/train_costtogo.py``
    is the same training with the shipped models' settings and a greedy-solve report)."""
    from qdesign.quantum.gatesets import build_gate_set
    from qdesign.synthesis.costtogo import TrainSettings, train

    gs = build_gate_set(args.gate_set)  # ValueError for an unknown set, before any work
    if args.minutes <= 0 or args.samples < 10:
        raise ValueError(f"--minutes must be > 0 and --samples >= 10, got {args.minutes} and {args.samples}")
    if not 0 < args.epsilon < 1:
        raise ValueError(f"--epsilon must be in (0, 1), got {args.epsilon}")
    out = Path(args.out or f"runs/costtogo/ctg_{gs.name}.pt")
    out.parent.mkdir(parents=True, exist_ok=True)
    settings = TrainSettings(gate_set=gs.name, epsilon=args.epsilon, labels=args.labels, samples=args.samples,
                             time_budget=60 * args.minutes, seed=args.seed)
    model, _ = train(settings, log=lambda m: print(f"[{gs.name}] {m}", flush=True))
    model.save(out)
    meta = model.meta
    if args.labels == "exact":
        print(f"held-out MSE against the exact cost: {meta['held_out_mse']:.3f} "
              f"(network-free prior: {meta['held_out_mse_prior_only']:.3f})")
    else:
        print(f"scramble-depth curriculum reached {meta['depth_reached']} in {meta['steps']} steps")
    print(f"saved {out}; use it with compile_unitary(U, gate_set={gs.name!r}, method='astar', "
          f"heuristic={str(out)!r})")
    return 0
